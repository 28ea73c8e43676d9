/*
 * settings.h - the scoring plugin's configuration, resolved per tenant
 * ("<tenant>.<key>" overrides "<key>") and parsed once into numbers.
 * The parsing functions are pure; settings_for() reads through the host API.
 */
#ifndef SCORING_SETTINGS_H
#define SCORING_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "evidence.h"
#include "tiers.h"

typedef struct sc_settings {
    char tenant[128];
    sc_params params;
    sc_tier_rules rules;
    unsigned core_mask;        /* bit per sc_tier */
    sc_risk_levels risk;
    int64_t recheck_ms;        /* re-evaluate a silent customer this often */
    int64_t refit_ms;          /* BG/NBD refit interval */
    int64_t first_fit_ms;      /* first fit this long after a tenant is first seen */
    int64_t period_ms;         /* "next period" of expected_purchases; also the time unit */
    int64_t fit_min_customers;
    int64_t fit_max_customers;
} sc_settings;

/* "a,b,c" -> exactly n numbers (each >= 0); false with err naming the key. */
bool sc_parse_numbers(const char *key, const char *text, double *out, int n,
                      char *err, size_t errlen);

/* Resolves every key for tenant from the host's configuration. */
bool sc_settings_load(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                      sc_settings *out, char *err, size_t errlen);

/* The descriptor's config table. */
extern const rp_config_key sc_config_keys[];

#endif
