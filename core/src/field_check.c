/*
 * field_check.c - the per-type schema check behind field_check.h.
 */
#include "field_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "localtime.h"
#include "view.h"

bool rp_text_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        size_t extra;
        uint32_t cp;
        if (c == 0)
            return false;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) { extra = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { extra = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { extra = 3; cp = c & 0x07; }
        else return false;
        if ((size_t)(end - p) <= extra)
            return false;
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        /* overlong forms, surrogates and values above U+10FFFF */
        if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        p += extra + 1;
    }
    return true;
}

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year < 0 || (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
    return month == 2 && leap ? 29 : days[month - 1];
}

/* "MM-DD" at s; year -1 means "any year", so 02-29 passes. */
static bool month_day_ok(const char *s, int year)
{
    if (s[2] != '-')
        return false;
    int month = digits(s, 2), day = digits(s + 3, 2);
    return month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

bool rp_rule_date(const char *s, size_t len)
{
    if (len != 10 || s[4] != '-')
        return false;
    int year = digits(s, 4);
    return year >= 1 && month_day_ok(s + 5, year);
}

bool rp_rule_month_day(const char *s, size_t len)
{
    if (len == 7 && s[0] == '-' && s[1] == '-')
        return month_day_ok(s + 2, -1);
    return rp_rule_date(s, len);
}

bool rp_rule_currency(const char *s, size_t len)
{
    if (len != 3)
        return false;
    for (size_t i = 0; i < 3; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return false;
    return true;
}

static bool timezone_ok(const char *s, size_t len)
{
    char zone[128];
    if (len == 0 || len >= sizeof zone)
        return false;
    memcpy(zone, s, len);
    zone[len] = '\0';
    return rp_tz_is_valid(zone);
}

/* --------------------------------------------------------------- checking */

/* Where a value sits ("data.items[3].qty"), as a chain of parents on the
 * stack. It is rendered only when a check fails: valid events, nearly all of
 * them, never pay for formatting a path per field. */
typedef struct path {
    const struct path *parent;
    const char *name;      /* NULL for an array element */
    size_t index;
} path;

static size_t render_path(const path *at, char *out, size_t size)
{
    size_t used = at->parent ? render_path(at->parent, out, size) : 0;
    if (used >= size)
        return used;
    int n = at->name ? snprintf(out + used, size - used, "%s%s", at->parent ? "." : "", at->name)
                     : snprintf(out + used, size - used, "[%zu]", at->index);
    return used + (n > 0 ? (size_t)n : 0);
}

static bool fail(char *err, size_t errlen, const path *at, const char *what)
{
    char where[160];
    render_path(at, where, sizeof where);
    snprintf(err, errlen, "%s: %s", where, what);
    return false;
}

static bool check_field(const rp_field_spec *f, rp_view v, const path *at, char *err, size_t errlen);

static bool check_string_rule(const rp_field_spec *f, const char *s, size_t n, const path *at,
                              char *err, size_t errlen)
{
    char what[256];
    switch (f->rule) {
    case RP_RULE_DATE:
        return rp_rule_date(s, n) || fail(err, errlen, at, "must be a date YYYY-MM-DD");
    case RP_RULE_MONTH_DAY:
        return rp_rule_month_day(s, n) ||
               fail(err, errlen, at, "must be a date YYYY-MM-DD or --MM-DD (year unknown)");
    case RP_RULE_TIMEZONE:
        return timezone_ok(s, n) ||
               fail(err, errlen, at, "must be an IANA time zone such as Europe/London");
    case RP_RULE_CURRENCY:
        return rp_rule_currency(s, n) ||
               fail(err, errlen, at, "must be an ISO 4217 currency code (three capital letters)");
    case RP_RULE_ENUM:
        for (size_t i = 0; i < f->enum_count; i++)
            if (strlen(f->enum_values[i]) == n && memcmp(f->enum_values[i], s, n) == 0)
                return true;
        size_t used = (size_t)snprintf(what, sizeof what, "must be one of");
        for (size_t i = 0; i < f->enum_count && used < sizeof what; i++)
            used += (size_t)snprintf(what + used, sizeof what - used, "%s %s",
                                     i ? "," : "", f->enum_values[i]);
        return fail(err, errlen, at, what);
    default:
        return true;
    }
}

static bool check_number_rule(const rp_field_spec *f, double d, const path *at, char *err, size_t errlen)
{
    char what[128];
    if (!isfinite(d))
        return fail(err, errlen, at, "must be a finite number");
    if (f->rule == RP_RULE_NONNEG && d < 0)
        return fail(err, errlen, at, "must be a number >= 0");
    if (f->rule == RP_RULE_RANGE && (d < f->min || d > f->max)) {
        snprintf(what, sizeof what, "must be between %g and %g", f->min, f->max);
        return fail(err, errlen, at, what);
    }
    return true;
}

/* Specs matched in one pass over the map: a lookup per spec would walk
 * every value before the key it wants (a purchase's item list once per
 * field). Specs are taken FIELD_CHUNK at a time so the slots stay on the
 * stack; built-in types need one pass. */
#define FIELD_CHUNK 32

static void find_fields(const rp_field_spec *fields, size_t count, rp_view map, rp_view *found)
{
    rp_view_iter it;
    rp_view key, value;
    memset(found, 0, count * sizeof *found);
    rp_view_iter_init(map, &it);
    while (rp_view_iter_next(&it, &key) && rp_view_iter_next(&it, &value)) {
        const char *s;
        size_t n;
        if (!rp_view_str(key, &s, &n))
            continue;
        for (size_t i = 0; i < count; i++)
            if (!found[i].ptr && strlen(fields[i].name) == n && memcmp(fields[i].name, s, n) == 0) {
                found[i] = value;    /* the first of repeated keys counts */
                break;
            }
    }
}

static bool check_map_fields(const rp_field_spec *fields, size_t count, rp_view map, const path *at,
                             char *err, size_t errlen)
{
    rp_view found[FIELD_CHUNK];
    for (size_t first = 0; first < count; first += FIELD_CHUNK) {
        size_t chunk = count - first < FIELD_CHUNK ? count - first : FIELD_CHUNK;
        find_fields(fields + first, chunk, map, found);
        for (size_t i = 0; i < chunk; i++) {
            const rp_field_spec *f = &fields[first + i];
            path child = {at, f->name, 0};
            rp_view_kind kind = rp_view_kind_of(found[i]);
            if (kind == RP_VIEW_ABSENT || kind == RP_VIEW_NIL) {
                if (f->required)
                    return fail(err, errlen, &child, "is required");
                continue;
            }
            if (!check_field(f, found[i], &child, err, errlen))
                return false;
        }
    }
    return true;
}

static bool check_array_items(const rp_field_spec *item, rp_view array, const path *at,
                              char *err, size_t errlen)
{
    rp_view_iter it;
    rp_view v;
    rp_view_iter_init(array, &it);
    for (size_t i = 0; rp_view_iter_next(&it, &v); i++) {
        path child = {at, NULL, i};
        if (!check_field(item, v, &child, err, errlen))
            return false;
    }
    return true;
}

static const char *kind_words(rp_view_kind kind)
{
    switch (kind) {
    case RP_VIEW_STR:   return "must be a string";
    case RP_VIEW_INT:   return "must be an integer";
    case RP_VIEW_FLOAT: return "must be a number";
    case RP_VIEW_BOOL:  return "must be true or false";
    case RP_VIEW_ARRAY: return "must be an array";
    case RP_VIEW_MAP:   return "must be a map";
    default:            return "has the wrong type";
    }
}

static bool kind_matches(rp_view_kind want, rp_view_kind got)
{
    if (want == RP_VIEW_ABSENT)
        return true;
    if (want == RP_VIEW_FLOAT)
        return got == RP_VIEW_FLOAT || got == RP_VIEW_INT || got == RP_VIEW_UINT;
    return want == got;
}

static bool check_field(const rp_field_spec *f, rp_view v, const path *at, char *err, size_t errlen)
{
    rp_view_kind got = rp_view_kind_of(v);
    if (!kind_matches(f->kind, got))
        return fail(err, errlen, at, got == RP_VIEW_UINT ? "is out of the int64 range" : kind_words(f->kind));
    const char *s;
    size_t n;
    double d;
    if (got == RP_VIEW_STR && rp_view_str(v, &s, &n)) {
        if (!rp_text_ok(s, n))
            return fail(err, errlen, at, "must be valid UTF-8 without NUL characters");
        return check_string_rule(f, s, n, at, err, errlen);
    }
    if ((f->kind == RP_VIEW_FLOAT || f->kind == RP_VIEW_INT) && rp_view_double(v, &d))
        return check_number_rule(f, d, at, err, errlen);
    if (got == RP_VIEW_ARRAY && f->item)
        return check_array_items(f->item, v, at, err, errlen);
    if (got == RP_VIEW_MAP && f->fields)
        return check_map_fields(f->fields, f->field_count, v, at, err, errlen);
    return true;
}

bool rp_check_data(const rp_type_spec *type, rp_view data, char *err, size_t errlen)
{
    path root = {NULL, "data", 0};
    if (rp_view_kind_of(data) != RP_VIEW_MAP)
        return fail(err, errlen, &root, "must be a map");
    return check_map_fields(type->fields, type->field_count, data, &root, err, errlen);
}
