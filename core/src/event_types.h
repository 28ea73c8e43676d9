/*
 * event_types.h - the registry of event types the broker accepts: the v1
 * built-in types (proto/event-types.json is their machine-readable spec and a
 * test keeps the two identical) plus types that plugins register.
 */
#ifndef RP_EVENT_TYPES_H
#define RP_EVENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"

/* Extra rule on a field, beyond its msgpack kind. */
typedef enum rp_field_rule {
    RP_RULE_NONE = 0,
    RP_RULE_NONNEG,        /* number >= 0 */
    RP_RULE_DATE,          /* "YYYY-MM-DD" (a real calendar date) */
    RP_RULE_MONTH_DAY,     /* "YYYY-MM-DD" or "--MM-DD" (year unknown) */
    RP_RULE_TIMEZONE,      /* an IANA zone name known to the system tz database */
    RP_RULE_CURRENCY,      /* three upper-case letters (ISO 4217 shape) */
    RP_RULE_ENUM,          /* one of rp_field_spec.enum_values */
    RP_RULE_RANGE          /* min <= number <= max */
} rp_field_rule;

typedef struct rp_field_spec rp_field_spec;
struct rp_field_spec {
    const char *name;
    rp_view_kind kind;     /* STR, INT, FLOAT (ints accepted), BOOL, ARRAY, MAP */
    bool required;
    rp_field_rule rule;
    const char *const *enum_values; /* NULL-terminated, for RP_RULE_ENUM */
    double min, max;                /* for RP_RULE_RANGE */
    /* For ARRAY: each element must be a map with these fields; for MAP:
     * the map's fields. NULL means no check of the contents. */
    const rp_field_spec *item_fields;
};

typedef struct rp_type_spec {
    const char *name;
    rp_scope scope;
    const rp_field_spec *fields;    /* terminated by name == NULL */
    const char *owner;              /* "core" or the plugin that registered it */
} rp_type_spec;

typedef struct rp_type_registry rp_type_registry;

rp_type_registry *rp_types_new(void);           /* with the v1 built-in types */
void rp_types_free(rp_type_registry *reg);

/* Adds a plugin's type; false (with err) if the name is taken or malformed. */
bool rp_types_register(rp_type_registry *reg, const rp_event_type *type,
                       const char *owner, char *err, size_t errlen);

const rp_type_spec *rp_types_find(const rp_type_registry *reg, const char *name, size_t len);
size_t rp_types_count(const rp_type_registry *reg);
const rp_type_spec *rp_types_at(const rp_type_registry *reg, size_t index);

#endif
