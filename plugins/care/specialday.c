/*
 * specialday.c - stored special days and their next occurrence.
 */
#include <stdio.h>
#include <string.h>

#include "specialday.h"

static bool parse_line(const char *line, size_t len, cr_special *out)
{
    char buf[128];
    if (len >= sizeof buf)
        return false;
    memcpy(buf, line, len);
    buf[len] = '\0';
    char *bar1 = strchr(buf, '|');
    char *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
    if (!bar1 || !bar2 || (size_t)(bar1 - buf) >= sizeof out->kind
        || (size_t)(bar2 - bar1 - 1) >= sizeof out->label)
        return false;
    *bar1 = *bar2 = '\0';
    int month, day;
    if (sscanf(bar2 + 1, "%2d-%2d", &month, &day) != 2 || month < 1 || month > 12
        || day < 1 || day > cr_days_in_month(2000, month))
        return false;
    snprintf(out->kind, sizeof out->kind, "%s", buf);
    snprintf(out->label, sizeof out->label, "%s", bar1 + 1);
    out->month = month;
    out->day = day;
    return true;
}

size_t cr_specials_parse(const char *text, cr_special *out, size_t max)
{
    size_t n = 0;
    while (text && *text && n < max) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        if (parse_line(text, len, &out[n]))
            n++;
        text += len + (nl ? 1 : 0);
    }
    return n;
}

bool cr_specials_append(char *buf, size_t size, const char *kind, const char *label,
                        int month, int day)
{
    char clean[64];
    snprintf(clean, sizeof clean, "%s", label ? label : "");
    for (char *p = clean; *p; p++)
        if (*p == '|' || *p == '\n')
            *p = ' ';
    size_t used = strlen(buf);
    int n = snprintf(buf + used, size - used, "%s|%s|%02d-%02d\n", kind, clean, month, day);
    if (n < 0 || (size_t)n >= size - used) {
        buf[used] = '\0';
        return false;
    }
    return true;
}

cr_date cr_special_next(const cr_special *s, cr_date from)
{
    return cr_next_occurrence(s->month, s->day, from);
}
