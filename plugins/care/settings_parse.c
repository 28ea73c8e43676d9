/*
 * settings_parse.c - the complex values of the care plugin's settings
 * (settings.h): quiet hours, budgets and the rules the NAME:VALUE lists
 * must follow. Each refusal says why; settings.c adds the key and value.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localday.h"
#include "rapport/rp_text.h"
#include "settings.h"

bool cr_parse_quiet_hours(const char *text, int *start, int *end, char *why, size_t len)
{
    char a[6], b[6];
    if (strlen(text) != 11 || text[5] != '-') {
        snprintf(why, len, "want HH:MM-HH:MM");
        return false;
    }
    memcpy(a, text, 5);
    a[5] = '\0';
    memcpy(b, text + 6, 5);
    b[5] = '\0';
    if (!cr_parse_hhmm(a, start) || !cr_parse_hhmm(b, end)) {
        snprintf(why, len, "want HH:MM-HH:MM");
        return false;
    }
    return true;
}

bool cr_parse_budget(const char *text, cr_budget_policy *out, char *why, size_t len)
{
    cr_pairs p;
    if (!cr_pairs_parse(text, &p, why, len))
        return false;
    if (p.count > CR_BUDGET_WINDOWS) {
        snprintf(why, len, "at most %d windows", CR_BUDGET_WINDOWS);
        return false;
    }
    out->count = p.count;
    for (size_t i = 0; i < p.count; i++) {
        double window;
        if (!cr_parse_duration(p.items[i].name, &window) || window <= 0 || window > 9e15
            || p.items[i].has_unit || p.items[i].value != floor(p.items[i].value)
            || p.items[i].value > 1000000) {
            snprintf(why, len, "bad window \"%s\": want WINDOW:MAX_TOUCHES, e.g. 7d:1",
                     p.items[i].name);
            return false;
        }
        out->windows[i] = (cr_window){(int64_t)llround(window), (int)p.items[i].value};
    }
    return true;
}

bool cr_pairs_names_in(const cr_pairs *p, const char *const *allowed, char *why, size_t len)
{
    for (size_t i = 0; i < p->count; i++) {
        bool known = false;
        for (size_t a = 0; allowed[a]; a++)
            known |= strcmp(p->items[i].name, allowed[a]) == 0;
        if (!known) {
            rp_text names = {0};
            for (size_t a = 0; allowed[a]; a++)
                rp_text_printf(&names, "%s%s", a ? ", " : "", allowed[a]);
            const char *list = rp_text_get(&names);
            snprintf(why, len, "unknown name \"%s\" (known: %s)", p->items[i].name, list ? list : "?");
            rp_text_free(&names);
            return false;
        }
    }
    return true;
}

bool cr_pairs_durations(const cr_pairs *p, char *why, size_t len)
{
    for (size_t i = 0; i < p->count; i++)
        if (!p->items[i].has_unit || p->items[i].value <= 0) {
            snprintf(why, len, "%s: want a duration above 0 with a unit, e.g. 14d", p->items[i].name);
            return false;
        }
    return true;
}

bool cr_pairs_numbers(const cr_pairs *p, double min, double max, bool whole, char *why, size_t len)
{
    for (size_t i = 0; i < p->count; i++) {
        double v = p->items[i].value;
        if (p->items[i].has_unit || v < min || v > max || (whole && v != floor(v))) {
            snprintf(why, len, "%s: want a%s number from %g to %g without a unit", p->items[i].name,
                     whole ? " whole" : "", min, max);
            return false;
        }
    }
    return true;
}
