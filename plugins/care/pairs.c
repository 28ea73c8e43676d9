/*
 * pairs.c - "name:value,..." configuration lists (see pairs.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pairs.h"

static bool unit_ms(const char *unit, double *scale)
{
    static const struct { const char *name; double ms; } units[] = {
        {"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}, {"w", 604800e3},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(unit, units[i].name) == 0) {
            *scale = units[i].ms;
            return true;
        }
    return false;
}

/* A number with an optional unit; *has_unit tells which. */
static bool parse_value(const char *text, double *value, bool *has_unit)
{
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (errno || end == text || !isfinite(v) || v < 0)
        return false;
    *has_unit = *end != '\0';
    double scale = 1;
    if (*has_unit && !unit_ms(end, &scale))
        return false;
    *value = v * scale;
    return true;
}

bool cr_parse_duration(const char *text, double *ms)
{
    bool has_unit;
    if (!text || !parse_value(text, ms, &has_unit))
        return false;
    if (!has_unit)
        *ms *= 86400e3;
    return true;
}

static bool parse_entry(const char *entry, cr_pair *out, char *err, size_t errlen)
{
    const char *colon = strchr(entry, ':');
    size_t name_len = colon ? (size_t)(colon - entry) : 0;
    if (!colon || name_len == 0 || name_len >= CR_PAIR_NAME
        || !parse_value(colon + 1, &out->value, &out->has_unit)) {
        snprintf(err, errlen, "bad entry \"%s\" (want name:number[unit])", entry);
        return false;
    }
    memcpy(out->name, entry, name_len);
    out->name[name_len] = '\0';
    return true;
}

bool cr_pairs_parse(const char *text, cr_pairs *out, char *err, size_t errlen)
{
    out->count = 0;
    char buf[1024];
    if (!text)
        text = "";
    if (strlen(text) >= sizeof buf) {
        snprintf(err, errlen, "list too long");
        return false;
    }
    strcpy(buf, text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (out->count == CR_PAIRS_MAX) {
            snprintf(err, errlen, "more than %d entries", CR_PAIRS_MAX);
            return false;
        }
        if (!parse_entry(tok, &out->items[out->count], err, errlen))
            return false;
        out->count++;
    }
    return true;
}

const cr_pair *cr_pairs_find(const cr_pairs *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return &p->items[i];
    return NULL;
}
