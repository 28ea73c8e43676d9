/*
 * setting_parse.h - one setting's text turned into its typed slot in a
 * plugin's settings struct, with the rule it broke when it does not parse.
 *
 * Strings and list items are copied into memory the caller owns through an
 * rp_setting_allocs list, freed together with the struct.
 */
#ifndef RP_SETTING_PARSE_H
#define RP_SETTING_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "rapport/plugin.h"

typedef struct rp_setting_allocs {
    void **ptrs;
    size_t count, cap;
} rp_setting_allocs;

/* Checks one table entry against the struct size it lives in: a known
 * type, a slot inside the struct, choices for an enum, a sane range. */
bool rp_setting_entry_valid(const rp_setting *spec, size_t settings_size, char *err, size_t errlen);

/* Parses text into settings + spec->offset. False with err saying what the
 * value must be ("must be a duration such as 90s, 15m, 2h, 7d"). */
bool rp_setting_parse(const rp_setting *spec, const char *text, void *settings, rp_setting_allocs *allocs,
                      char *err, size_t errlen);

/* A duration in ms: a number and a unit of ms, s, m, h, d or w. */
bool rp_setting_parse_duration(const char *text, int64_t *out_ms);

/* "integer", "duration", "enum (a|b|c)", ... for help texts. */
void rp_setting_type_text(const rp_setting *spec, char *out, size_t len);

/* "1..100", "30s..7d" or "" when unbounded. */
void rp_setting_range_text(const rp_setting *spec, char *out, size_t len);

void rp_setting_allocs_free(rp_setting_allocs *allocs);

#endif
