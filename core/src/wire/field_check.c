/*
 * field_check.c - the per-type schema check behind field_check.h.
 */
#include "field_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "localtime.h"
#include "mp_bounds.h"
#include "utf8.h"
#include "view.h"

bool rp_text_ok(const char *s, size_t len)
{
    return memchr(s, 0, len) == NULL && rp_utf8_valid(s, len);
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
typedef enum step_kind { STEP_NAME, STEP_INDEX, STEP_KEY, STEP_VALUE } step_kind;

typedef struct path {
    const struct path *parent;
    step_kind kind;
    const char *name;      /* STEP_NAME: a string key's bytes (not NUL-terminated) */
    size_t name_len;
    size_t index;          /* STEP_INDEX: array element; KEY/VALUE: map entry */
} path;

static path named(const path *parent, const char *name, size_t len)
{
    return (path){parent, STEP_NAME, name, len, 0};
}

static path step(const path *parent, step_kind kind, size_t index)
{
    return (path){parent, kind, NULL, 0, index};
}

/* A key as publishers wrote it, but never invalid UTF-8 or control bytes in
 * an error text: those bytes are shown as \xNN. */
static size_t render_name(const char *s, size_t n, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0, i = 0;
    while (i < n && used + 5 < size) {
        size_t len = rp_utf8_seq_len(p + i, n - i);
        if (len == 0 || p[i] < 0x20 || p[i] == 0x7f) {
            used += (size_t)snprintf(out + used, size - used, "\\x%02x", p[i]);
            i++;
            continue;
        }
        if (used + len >= size)
            break;
        memcpy(out + used, p + i, len);
        used += len;
        i += len;
    }
    out[used] = '\0';
    return used;
}

static size_t render_path(const path *at, char *out, size_t size)
{
    size_t used = at->parent ? render_path(at->parent, out, size) : 0;
    if (used + 1 >= size)
        return used;
    int n = 0;
    switch (at->kind) {
    case STEP_NAME:
        if (at->parent)
            out[used++] = '.';
        return used + render_name(at->name, at->name_len, out + used, size - used);
    case STEP_INDEX: n = snprintf(out + used, size - used, "[%zu]", at->index); break;
    case STEP_KEY:   n = snprintf(out + used, size - used, "{key %zu}", at->index); break;
    case STEP_VALUE: n = snprintf(out + used, size - used, "{value %zu}", at->index); break;
    }
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
            path child = named(at, f->name, strlen(f->name));
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
        path child = step(at, STEP_INDEX, i);
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

/* ------------------------------------------------ everything plugins read
 *
 * The schema names only some fields; free-form maps (survey answers), arrays
 * without an item spec and keys the schema does not know reach plugins too,
 * which write them to text and jsonb columns. PostgreSQL refuses invalid
 * UTF-8 and NaN/Infinity there, so one such value would fail its plugin's
 * transaction on every try and end as a dead letter: refuse it here, where
 * the publisher learns which field is wrong. Binary and ext values are opaque
 * bytes; plugins never read them as text. */

static bool check_value(rp_view v, const path *at, size_t depth, char *err, size_t errlen);

static bool check_key(rp_view key, const path *at, size_t entry, size_t depth, char *err, size_t errlen)
{
    const char *s;
    size_t n;
    if (rp_view_str(key, &s, &n)) {
        path child = named(at, s, n);
        return rp_utf8_valid(s, n) || fail(err, errlen, &child, "key must be valid UTF-8");
    }
    path child = step(at, STEP_KEY, entry);
    return check_value(key, &child, depth, err, errlen);
}

static bool check_entries(rp_view map, const path *at, size_t depth, char *err, size_t errlen)
{
    rp_view_iter it;
    rp_view key, value;
    const char *s;
    size_t n;
    rp_view_iter_init(map, &it);
    for (size_t i = 0; rp_view_iter_next(&it, &key) && rp_view_iter_next(&it, &value); i++) {
        if (!check_key(key, at, i, depth, err, errlen))
            return false;
        path child = rp_view_str(key, &s, &n) ? named(at, s, n) : step(at, STEP_VALUE, i);
        if (!check_value(value, &child, depth, err, errlen))
            return false;
    }
    return true;
}

static bool check_elements(rp_view array, const path *at, size_t depth, char *err, size_t errlen)
{
    rp_view_iter it;
    rp_view v;
    rp_view_iter_init(array, &it);
    for (size_t i = 0; rp_view_iter_next(&it, &v); i++) {
        path child = step(at, STEP_INDEX, i);
        if (!check_value(v, &child, depth, err, errlen))
            return false;
    }
    return true;
}

/* depth counts the maps and arrays around v; the recursion stops at the
 * broker's hard nesting cap whatever the caller checked before. */
static bool check_value(rp_view v, const path *at, size_t depth, char *err, size_t errlen)
{
    const char *s;
    size_t n;
    double d;
    switch (rp_view_kind_of(v)) {
    case RP_VIEW_STR:
        return !rp_view_str(v, &s, &n) || rp_utf8_valid(s, n) ||
               fail(err, errlen, at, "must be valid UTF-8");
    case RP_VIEW_FLOAT:
        return !rp_view_double(v, &d) || isfinite(d) || fail(err, errlen, at, "must be a finite number");
    case RP_VIEW_ARRAY:
    case RP_VIEW_MAP:
        if (depth >= RP_MP_DEPTH_CAP) {
            char what[64];
            snprintf(what, sizeof what, "is nested deeper than %d levels", RP_MP_DEPTH_CAP);
            return fail(err, errlen, at, what);
        }
        return rp_view_kind_of(v) == RP_VIEW_MAP ? check_entries(v, at, depth + 1, err, errlen)
                                                 : check_elements(v, at, depth + 1, err, errlen);
    default:
        return true;
    }
}

bool rp_check_data(const rp_type_spec *type, rp_view data, char *err, size_t errlen)
{
    path root = named(NULL, "data", 4);
    if (rp_view_kind_of(data) != RP_VIEW_MAP)
        return fail(err, errlen, &root, "must be a map");
    /* the schema first, so a known field's error names its rule */
    return check_map_fields(type->fields, type->field_count, data, &root, err, errlen) &&
           check_value(data, &root, 0, err, errlen);
}
