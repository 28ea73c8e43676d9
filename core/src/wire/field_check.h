/*
 * field_check.h - validation of an event's "data" map against its type's
 * field specs (event_types.h). Errors name the field by its path and the
 * rule, e.g. `data.items[2].qty: must be a number >= 0`.
 */
#ifndef RP_FIELD_CHECK_H
#define RP_FIELD_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "event_types.h"

/* Text that PostgreSQL can store in a text column: valid UTF-8, no NUL. */
bool rp_text_ok(const char *s, size_t len);

/* Checks data (a msgpack map) against the type's fields. */
bool rp_check_data(const rp_type_spec *type, rp_view data, char *err, size_t errlen);

/* The individual rules, exposed for unit tests. */
bool rp_rule_date(const char *s, size_t len);
bool rp_rule_month_day(const char *s, size_t len);
bool rp_rule_currency(const char *s, size_t len);

#endif
