/*
 * event_types.h - the registry of event types the broker accepts: the v1
 * built-in types, read at start from proto/event-types.json (embedded in the
 * binary at build time, so the spec and the validator cannot drift apart),
 * plus the types that plugins register through their descriptor.
 */
#ifndef RP_EVENT_TYPES_H
#define RP_EVENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"

/* The embedded proto/event-types.json (generated at build time). */
extern const char rp_event_types_json[];

/* Extra rule on a field, beyond its msgpack kind. */
typedef enum rp_field_rule {
    RP_RULE_NONE = 0,
    RP_RULE_NONNEG,        /* number >= 0 */
    RP_RULE_DATE,          /* "YYYY-MM-DD" (a real calendar date) */
    RP_RULE_MONTH_DAY,     /* "YYYY-MM-DD" or "--MM-DD" (year unknown) */
    RP_RULE_TIMEZONE,      /* an IANA zone name */
    RP_RULE_CURRENCY,      /* three upper-case letters (ISO 4217 shape) */
    RP_RULE_ENUM,          /* one of enum_values */
    RP_RULE_RANGE          /* min <= number <= max */
} rp_field_rule;

typedef struct rp_field_spec rp_field_spec;
struct rp_field_spec {
    char *name;            /* NULL for an array's element spec */
    rp_view_kind kind;     /* STR, INT, FLOAT (ints accepted), BOOL, ARRAY, MAP; ABSENT = any */
    bool required;
    rp_field_rule rule;
    char **enum_values;
    size_t enum_count;
    double min, max;
    rp_field_spec *item;   /* ARRAY: the spec every element must meet, or NULL */
    rp_field_spec *fields; /* MAP: its known fields, or NULL for any map */
    size_t field_count;
};

typedef struct rp_type_spec {
    char *name;
    rp_scope scope;
    bool requires_customer;  /* org-scoped types about one person */
    rp_field_spec *fields;
    size_t field_count;
    char *owner;             /* "core" or the plugin that registered it */
    char *description;
} rp_type_spec;

typedef struct rp_type_registry rp_type_registry;

/* A registry holding the v1 built-in types; NULL if the embedded spec is
 * unreadable (a build error, reported on stderr). */
rp_type_registry *rp_types_new(void);
void rp_types_free(rp_type_registry *reg);

/* Loads types from a JSON document in the proto/event-types.json format. */
bool rp_types_load_json(rp_type_registry *reg, const char *json_text, const char *owner,
                        char *err, size_t errlen);

/* Adds a plugin's type; false (with err) if the name is taken or malformed. */
bool rp_types_register(rp_type_registry *reg, const rp_event_type *type,
                       const char *owner, char *err, size_t errlen);

const rp_type_spec *rp_types_find(const rp_type_registry *reg, const char *name, size_t len);
size_t rp_types_count(const rp_type_registry *reg);
const rp_type_spec *rp_types_at(const rp_type_registry *reg, size_t index);

const char *rp_scope_name(rp_scope scope);

#endif
