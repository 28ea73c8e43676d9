/*
 * event_types.c - the event-type registry: built from the embedded
 * proto/event-types.json with jansson, extended by plugin descriptors.
 * Lookups happen once per ingress event, so the registry is a small sorted
 * array searched by binary search; it is read-only once the broker runs.
 */
#include "event_types.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rp_type_registry {
    rp_type_spec *types;
    size_t count;
    size_t cap;
};

static void free_fields(rp_field_spec *fields, size_t count);

static void free_field(rp_field_spec *f)
{
    free(f->name);
    for (size_t i = 0; i < f->enum_count; i++)
        free(f->enum_values[i]);
    free(f->enum_values);
    if (f->item) {
        free_field(f->item);
        free(f->item);
    }
    free_fields(f->fields, f->field_count);
}

static void free_fields(rp_field_spec *fields, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free_field(&fields[i]);
    free(fields);
}

void rp_types_free(rp_type_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->count; i++) {
        rp_type_spec *t = &reg->types[i];
        free(t->name);
        free(t->owner);
        free(t->description);
        free_fields(t->fields, t->field_count);
    }
    free(reg->types);
    free(reg);
}

const char *rp_scope_name(rp_scope scope)
{
    switch (scope) {
    case RP_SCOPE_CUSTOMER: return "customer";
    case RP_SCOPE_ORG:      return "org";
    case RP_SCOPE_TENANT:   return "tenant";
    }
    return "?";
}

/* ------------------------------------------------------------ JSON schema */

typedef struct kind_name {
    const char *name;
    rp_view_kind kind;
} kind_name;

static const kind_name KINDS[] = {
    {"string", RP_VIEW_STR}, {"integer", RP_VIEW_INT}, {"number", RP_VIEW_FLOAT},
    {"boolean", RP_VIEW_BOOL}, {"array", RP_VIEW_ARRAY}, {"map", RP_VIEW_MAP},
    {"any", RP_VIEW_ABSENT},
};

static const char *const RULES[] = {
    [RP_RULE_NONE] = "none", [RP_RULE_NONNEG] = "nonneg", [RP_RULE_DATE] = "date",
    [RP_RULE_MONTH_DAY] = "month_day", [RP_RULE_TIMEZONE] = "timezone",
    [RP_RULE_CURRENCY] = "currency", [RP_RULE_ENUM] = "enum", [RP_RULE_RANGE] = "range",
};

static bool parse_field(json_t *spec, const char *name, const char *where, rp_field_spec *out,
                        char *err, size_t errlen);

static bool parse_fields(json_t *obj, const char *where, rp_field_spec **out, size_t *count,
                         char *err, size_t errlen)
{
    *count = 0;
    *out = calloc(json_object_size(obj) + 1, sizeof **out);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        if (!parse_field(value, key, where, &(*out)[*count], err, errlen))
            return false;
        (*count)++;
    }
    return true;
}

static bool parse_kind(json_t *spec, const char *where, const char *name, rp_field_spec *out,
                       char *err, size_t errlen)
{
    const char *kind = json_string_value(json_object_get(spec, "type"));
    for (size_t i = 0; kind && i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(kind, KINDS[i].name) == 0) {
            out->kind = KINDS[i].kind;
            return true;
        }
    snprintf(err, errlen, "%s.%s: \"type\" must be one of string, integer, number, boolean, array, map, any",
             where, name);
    return false;
}

static bool parse_rule(json_t *spec, const char *where, const char *name, rp_field_spec *out,
                       char *err, size_t errlen)
{
    const char *rule = json_string_value(json_object_get(spec, "rule"));
    if (!rule)
        return true;
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (strcmp(rule, RULES[i]) == 0)
            out->rule = (rp_field_rule)i;
    if (out->rule == RP_RULE_NONE && strcmp(rule, "none") != 0) {
        snprintf(err, errlen, "%s.%s: unknown rule \"%s\"", where, name, rule);
        return false;
    }
    if (out->rule == RP_RULE_RANGE) {
        out->min = json_number_value(json_object_get(spec, "min"));
        out->max = json_number_value(json_object_get(spec, "max"));
    }
    if (out->rule != RP_RULE_ENUM)
        return true;
    json_t *values = json_object_get(spec, "values");
    if (!json_is_array(values) || json_array_size(values) == 0) {
        snprintf(err, errlen, "%s.%s: rule enum needs a non-empty \"values\" array", where, name);
        return false;
    }
    out->enum_values = calloc(json_array_size(values), sizeof *out->enum_values);
    if (!out->enum_values)
        return false;
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v) {
        out->enum_values[i] = strdup(json_string_value(v) ? json_string_value(v) : "");
        out->enum_count = i + 1;
    }
    return true;
}

static bool parse_field(json_t *spec, const char *name, const char *where, rp_field_spec *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(spec)) {
        snprintf(err, errlen, "%s.%s: must be an object", where, name);
        return false;
    }
    out->name = name ? strdup(name) : NULL;
    out->required = json_is_true(json_object_get(spec, "required"));
    const char *label = name ? name : "[]";
    if (!parse_kind(spec, where, label, out, err, errlen) ||
        !parse_rule(spec, where, label, out, err, errlen))
        return false;
    json_t *items = json_object_get(spec, "items");
    if (items) {
        out->item = calloc(1, sizeof *out->item);
        if (!out->item || !parse_field(items, NULL, where, out->item, err, errlen))
            return false;
    }
    json_t *fields = json_object_get(spec, "fields");
    if (fields)
        return parse_fields(fields, where, &out->fields, &out->field_count, err, errlen);
    return true;
}

static bool parse_scope(const char *scope, rp_scope *out)
{
    static const rp_scope all[] = {RP_SCOPE_CUSTOMER, RP_SCOPE_ORG, RP_SCOPE_TENANT};
    for (size_t i = 0; scope && i < 3; i++)
        if (strcmp(scope, rp_scope_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    return false;
}

/* ------------------------------------------------------------ registry */

static int compare_types(const void *a, const void *b)
{
    return strcmp(((const rp_type_spec *)a)->name, ((const rp_type_spec *)b)->name);
}

static rp_type_spec *append_type(rp_type_registry *reg, const char *name, const char *owner,
                                 char *err, size_t errlen)
{
    if (rp_types_find(reg, name, strlen(name))) {
        snprintf(err, errlen, "event type \"%s\" is already defined", name);
        return NULL;
    }
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 32;
        rp_type_spec *grown = realloc(reg->types, cap * sizeof *grown);
        if (!grown) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        reg->types = grown;
        reg->cap = cap;
    }
    rp_type_spec *t = &reg->types[reg->count++];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->owner = strdup(owner);
    return t;
}

static void sort_types(rp_type_registry *reg)
{
    qsort(reg->types, reg->count, sizeof *reg->types, compare_types);
}

static bool load_type(rp_type_registry *reg, const char *name, json_t *spec, const char *owner,
                      char *err, size_t errlen)
{
    rp_scope scope;
    if (!parse_scope(json_string_value(json_object_get(spec, "scope")), &scope)) {
        snprintf(err, errlen, "%s: \"scope\" must be customer, org or tenant", name);
        return false;
    }
    rp_type_spec *t = append_type(reg, name, owner, err, errlen);
    if (!t)
        return false;
    t->scope = scope;
    t->requires_customer = json_is_true(json_object_get(spec, "requires_customer"));
    const char *description = json_string_value(json_object_get(spec, "description"));
    t->description = strdup(description ? description : "");
    json_t *fields = json_object_get(spec, "fields");
    bool ok = parse_fields(fields ? fields : json_object(), name, &t->fields, &t->field_count,
                           err, errlen);
    sort_types(reg);
    return ok;
}

bool rp_types_load_json(rp_type_registry *reg, const char *json_text, const char *owner,
                        char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loads(json_text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "event types JSON, line %d: %s", jerr.line, jerr.text);
        return false;
    }
    json_t *types = json_object_get(root, "types");
    bool ok = json_is_object(types);
    if (!ok)
        snprintf(err, errlen, "event types JSON: no \"types\" object");
    const char *name;
    json_t *spec;
    json_object_foreach(types, name, spec) {
        if (ok)
            ok = load_type(reg, name, spec, owner, err, errlen);
    }
    json_decref(root);
    return ok;
}

rp_type_registry *rp_types_new(void)
{
    rp_type_registry *reg = calloc(1, sizeof *reg);
    char err[256];
    if (reg && !rp_types_load_json(reg, rp_event_types_json, "core", err, sizeof err)) {
        fprintf(stderr, "rapport: embedded proto/event-types.json is invalid: %s\n", err);
        rp_types_free(reg);
        return NULL;
    }
    return reg;
}

static bool valid_type_name(const char *name)
{
    if (!name || !*name || strlen(name) > 64)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.'))
            return false;
    return true;
}

bool rp_types_register(rp_type_registry *reg, const rp_event_type *type,
                       const char *owner, char *err, size_t errlen)
{
    if (!valid_type_name(type->name)) {
        snprintf(err, errlen, "plugin %s: event type name \"%s\" must match [a-z0-9_.]{1,64}",
                 owner, type->name ? type->name : "(null)");
        return false;
    }
    if (type->scope < RP_SCOPE_CUSTOMER || type->scope > RP_SCOPE_TENANT) {
        snprintf(err, errlen, "plugin %s: event type %s has no valid scope", owner, type->name);
        return false;
    }
    rp_type_spec *t = append_type(reg, type->name, owner, err, errlen);
    if (!t)
        return false;
    t->scope = type->scope;
    t->description = strdup("");
    size_t n = 0;
    while (type->fields && type->fields[n].name)
        n++;
    t->fields = calloc(n + 1, sizeof *t->fields);
    for (size_t i = 0; t->fields && i < n; i++) {
        t->fields[i].name = strdup(type->fields[i].name);
        t->fields[i].kind = type->fields[i].kind;
        t->fields[i].required = type->fields[i].required;
    }
    t->field_count = t->fields ? n : 0;
    sort_types(reg);
    return t->fields != NULL || n == 0;
}

const rp_type_spec *rp_types_find(const rp_type_registry *reg, const char *name, size_t len)
{
    size_t lo = 0, hi = reg->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *candidate = reg->types[mid].name;
        size_t candidate_len = strlen(candidate);
        int cmp = memcmp(candidate, name, candidate_len < len ? candidate_len : len);
        if (cmp == 0)
            cmp = (candidate_len > len) - (candidate_len < len);
        if (cmp == 0)
            return &reg->types[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t rp_types_count(const rp_type_registry *reg)
{
    return reg->count;
}

const rp_type_spec *rp_types_at(const rp_type_registry *reg, size_t index)
{
    return index < reg->count ? &reg->types[index] : NULL;
}
