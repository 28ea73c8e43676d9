/*
 * setting_parse.c - one setting's text into its typed slot (see
 * setting_parse.h). Every refusal says what the value must be, so the
 * caller's message can name plugin, tenant, key, value and rule in one line.
 */
#include "setting_parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "localtime.h"

static bool remember(rp_setting_allocs *allocs, void *ptr)
{
    if (!ptr)
        return false;
    if (allocs->count == allocs->cap) {
        size_t cap = allocs->cap ? allocs->cap * 2 : 8;
        void **grown = realloc(allocs->ptrs, cap * sizeof *grown);
        if (!grown) {
            free(ptr);
            return false;
        }
        allocs->ptrs = grown;
        allocs->cap = cap;
    }
    allocs->ptrs[allocs->count++] = ptr;
    return true;
}

void rp_setting_allocs_free(rp_setting_allocs *allocs)
{
    for (size_t i = 0; i < allocs->count; i++)
        free(allocs->ptrs[i]);
    free(allocs->ptrs);
    *allocs = (rp_setting_allocs){0};
}

static size_t slot_size(rp_setting_type type)
{
    switch (type) {
    case RP_SETTING_STRING:
    case RP_SETTING_TIMEZONE: return sizeof(const char *);
    case RP_SETTING_INT:
    case RP_SETTING_DURATION: return sizeof(int64_t);
    case RP_SETTING_DOUBLE: return sizeof(double);
    case RP_SETTING_BOOL: return sizeof(bool);
    case RP_SETTING_ENUM: return sizeof(int);
    case RP_SETTING_LIST: return sizeof(rp_list);
    default: return 0;
    }
}

static bool valid_key(const char *key)
{
    if (!key || !islower((unsigned char)key[0]) || strlen(key) > 63)
        return false;
    for (const char *p = key; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

bool rp_setting_entry_valid(const rp_setting *spec, size_t settings_size, char *err, size_t errlen)
{
    size_t size = slot_size(spec->type);
    if (!valid_key(spec->key)) {
        snprintf(err, errlen, "setting name \"%s\" must match [a-z][a-z0-9_]{0,62}", spec->key);
        return false;
    }
    if (size == 0) {
        snprintf(err, errlen, "setting %s: unknown type %d", spec->key, (int)spec->type);
        return false;
    }
    if (spec->offset + size > settings_size || spec->offset % (size > 8 ? 8 : size) != 0) {
        snprintf(err, errlen, "setting %s: offset %zu does not hold its value inside settings_size %zu",
                 spec->key, spec->offset, settings_size);
        return false;
    }
    if (spec->type == RP_SETTING_ENUM && (!spec->choices || !spec->choices[0])) {
        snprintf(err, errlen, "setting %s: an enum needs choices", spec->key);
        return false;
    }
    if (spec->min > spec->max) {
        snprintf(err, errlen, "setting %s: min %g is above max %g", spec->key, spec->min, spec->max);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- values */

bool rp_setting_parse_duration(const char *text, int64_t *out_ms)
{
    static const struct { const char *unit; double ms; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 7 * 86400000.0},
    };
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || errno || value < 0 || !isfinite(value) || isspace((unsigned char)*text))
        return false;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0) {
            double ms = value * units[i].ms;
            if (ms > 9.0e18)
                return false;
            *out_ms = (int64_t)llround(ms);
            return true;
        }
    return false;
}

static bool parse_bool(const char *text, bool *out)
{
    static const char *yes[] = {"true", "yes", "on", "1"};
    static const char *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) { *out = true; return true; }
        if (strcasecmp(text, no[i]) == 0) { *out = false; return true; }
    }
    return false;
}

static bool bounded(const rp_setting *spec)
{
    return spec->min != 0 || spec->max != 0;
}

static bool in_range(const rp_setting *spec, double value)
{
    return !bounded(spec) || (value >= spec->min && value <= spec->max);
}

static bool range_error(const rp_setting *spec, char *err, size_t errlen)
{
    char range[96];
    rp_setting_range_text(spec, range, sizeof range);
    snprintf(err, errlen, "must be in %s", range);
    return false;
}

static bool parse_int(const rp_setting *spec, const char *text, int64_t *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (!*text || *end || errno || isspace((unsigned char)*text)) {
        snprintf(err, errlen, "must be an integer");
        return false;
    }
    if (!in_range(spec, (double)value))
        return range_error(spec, err, errlen);
    *out = value;
    return true;
}

static bool parse_double(const rp_setting *spec, const char *text, double *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (!*text || *end || errno || !isfinite(value) || isspace((unsigned char)*text)) {
        snprintf(err, errlen, "must be a finite number");
        return false;
    }
    if (!in_range(spec, value))
        return range_error(spec, err, errlen);
    *out = value;
    return true;
}

static bool parse_enum(const rp_setting *spec, const char *text, int *out, char *err, size_t errlen)
{
    for (int i = 0; spec->choices[i]; i++)
        if (strcmp(spec->choices[i], text) == 0) {
            *out = i;
            return true;
        }
    char type[256];
    rp_setting_type_text(spec, type, sizeof type);
    snprintf(err, errlen, "must be one of %s", type + strlen("enum "));
    return false;
}

/* Comma-separated, each item trimmed; "" is the empty list. Items and the
 * array are one allocation each, remembered for the struct's release. */
static bool parse_list(const rp_setting *spec, const char *text, rp_list *out, rp_setting_allocs *allocs,
                       char *err, size_t errlen)
{
    size_t count = 0;
    for (const char *p = text; *p; p++)
        count += *p == ',';
    bool empty = true;
    for (const char *p = text; *p; p++)
        empty = empty && isspace((unsigned char)*p);
    count = empty ? 0 : count + 1;
    char *copy = strdup(text);
    const char **items = calloc(count ? count : 1, sizeof *items);
    if (!remember(allocs, copy) || !remember(allocs, (void *)items)) {
        snprintf(err, errlen, "could not be stored: out of memory");
        return false;
    }
    char *cursor = copy;
    for (size_t i = 0; i < count; i++) {
        char *item = cursor, *comma = strchr(cursor, ',');
        if (comma)
            *comma = '\0';
        cursor = comma ? comma + 1 : cursor + strlen(cursor);
        while (isspace((unsigned char)*item))
            item++;
        for (char *end = item + strlen(item); end > item && isspace((unsigned char)end[-1]); end--)
            end[-1] = '\0';
        if (!*item) {
            snprintf(err, errlen, "must be a comma-separated list without empty items");
            return false;
        }
        items[i] = item;
    }
    if (!in_range(spec, (double)count)) {
        char range[96];
        rp_setting_range_text(spec, range, sizeof range);
        snprintf(err, errlen, "must hold %s items (it holds %zu)", range, count);
        return false;
    }
    *out = (rp_list){.count = count, .items = items};
    return true;
}

bool rp_setting_parse(const rp_setting *spec, const char *text, void *settings, rp_setting_allocs *allocs,
                      char *err, size_t errlen)
{
    char *slot = (char *)settings + spec->offset;
    switch (spec->type) {
    case RP_SETTING_TIMEZONE:
    case RP_SETTING_STRING: {
        rp_local_time probe;
        if (spec->type == RP_SETTING_TIMEZONE && (!*text || !rp_tz_to_local(text, 0, &probe))) {
            snprintf(err, errlen, "must be an IANA time zone such as Europe/London or UTC");
            return false;
        }
        char *copy = strdup(text);
        if (!remember(allocs, copy)) {
            snprintf(err, errlen, "could not be stored: out of memory");
            return false;
        }
        memcpy(slot, &copy, sizeof copy);
        return true;
    }
    case RP_SETTING_INT: {
        int64_t value;
        if (!parse_int(spec, text, &value, err, errlen))
            return false;
        memcpy(slot, &value, sizeof value);
        return true;
    }
    case RP_SETTING_DURATION: {
        int64_t ms;
        if (!rp_setting_parse_duration(text, &ms)) {
            snprintf(err, errlen, "must be a duration such as 500ms, 30s, 15m, 2h, 7d, 2w");
            return false;
        }
        if (!in_range(spec, (double)ms))
            return range_error(spec, err, errlen);
        memcpy(slot, &ms, sizeof ms);
        return true;
    }
    case RP_SETTING_DOUBLE: {
        double value;
        if (!parse_double(spec, text, &value, err, errlen))
            return false;
        memcpy(slot, &value, sizeof value);
        return true;
    }
    case RP_SETTING_BOOL: {
        bool value;
        if (!parse_bool(text, &value)) {
            snprintf(err, errlen, "must be true/false/yes/no/on/off/1/0");
            return false;
        }
        memcpy(slot, &value, sizeof value);
        return true;
    }
    case RP_SETTING_ENUM: {
        int index;
        if (!parse_enum(spec, text, &index, err, errlen))
            return false;
        memcpy(slot, &index, sizeof index);
        return true;
    }
    case RP_SETTING_LIST: {
        rp_list list;
        if (!parse_list(spec, text, &list, allocs, err, errlen))
            return false;
        memcpy(slot, &list, sizeof list);
        return true;
    }
    }
    snprintf(err, errlen, "has an unknown type");
    return false;
}

/* ---------------------------------------------------------------- help */

void rp_setting_type_text(const rp_setting *spec, char *out, size_t len)
{
    switch (spec->type) {
    case RP_SETTING_STRING: snprintf(out, len, "string"); return;
    case RP_SETTING_INT: snprintf(out, len, "integer"); return;
    case RP_SETTING_DOUBLE: snprintf(out, len, "number"); return;
    case RP_SETTING_BOOL: snprintf(out, len, "bool"); return;
    case RP_SETTING_DURATION: snprintf(out, len, "duration"); return;
    case RP_SETTING_LIST: snprintf(out, len, "list"); return;
    case RP_SETTING_TIMEZONE: snprintf(out, len, "time zone"); return;
    case RP_SETTING_ENUM: break;
    default: snprintf(out, len, "?"); return;
    }
    size_t used = (size_t)snprintf(out, len, "enum ");
    for (int i = 0; spec->choices && spec->choices[i] && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "|" : "", spec->choices[i]);
}

static void duration_text(double ms, char *out, size_t len)
{
    static const struct { const char *unit; int64_t ms; } units[] = {
        {"w", 7 * 86400000LL}, {"d", 86400000LL}, {"h", 3600000LL}, {"m", 60000LL}, {"s", 1000LL},
    };
    int64_t value = (int64_t)ms;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (value != 0 && value % units[i].ms == 0) {
            snprintf(out, len, "%" PRId64 "%s", value / units[i].ms, units[i].unit);
            return;
        }
    snprintf(out, len, "%" PRId64 "ms", value);
}

void rp_setting_range_text(const rp_setting *spec, char *out, size_t len)
{
    if (!bounded(spec) || spec->type == RP_SETTING_STRING || spec->type == RP_SETTING_BOOL ||
        spec->type == RP_SETTING_ENUM || spec->type == RP_SETTING_TIMEZONE) {
        snprintf(out, len, "%s", "");
        return;
    }
    if (spec->type == RP_SETTING_DURATION) {
        char lo[32], hi[32];
        duration_text(spec->min, lo, sizeof lo);
        duration_text(spec->max, hi, sizeof hi);
        snprintf(out, len, "%s..%s", lo, hi);
        return;
    }
    snprintf(out, len, "%.15g..%.15g", spec->min, spec->max);
}
