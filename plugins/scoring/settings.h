/*
 * settings.h - the scoring plugin's settings (ABI 2).
 *
 * The host parses the typed table sc_setting_table into one sc_settings per
 * tenant that has TENANT.KEY overrides, and one plugin-wide struct for every
 * other tenant (including tenants first seen at run time), before anything
 * runs. sc_settings_check then turns the lists (weights, thresholds, tier
 * set, risk levels) into the parsed fields below and enforces the rules
 * across keys. The structs are immutable afterwards and live until shutdown,
 * so a working set may keep a pointer to one for a whole transaction.
 *
 * Pure logic: nothing here talks to the host, so the unit tests can fill a
 * struct as the host would and check it.
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
    /* Filled by the host from sc_setting_table. */
    rp_list weights;              /* nine numbers >= 0 */
    int64_t half_life_ms;
    int64_t recency_half_life_ms;
    int64_t influence_window_ms;
    int64_t negotiation_half_ms;
    double prior_weight;
    double referral_scale;
    double suggestion_scale;
    rp_list thresholds;           /* four scores, decreasing */
    double margin;
    int64_t min_dwell_ms;
    rp_list core_tiers;           /* tier names */
    int64_t recheck_ms;           /* re-evaluate a silent customer this often */
    rp_list risk_levels;          /* name<bound, ..., name */
    int64_t refit_ms;             /* BG/NBD refit interval */
    int64_t first_fit_ms;         /* the first cut this long after the tenant's earliest event */
    int64_t period_ms;            /* "next period" of expected_purchases; also the time unit */
    int64_t fit_min_customers;
    int64_t fit_max_customers;

    /* Parsed by sc_settings_check (not in the table; nothing allocated). */
    sc_params params;
    sc_tier_rules rules;
    unsigned core_mask;           /* bit per sc_tier */
    sc_risk_levels risk;
} sc_settings;

/* The descriptor's settings table (ends with key == NULL). */
extern const rp_setting sc_setting_table[];

/* Exactly n numbers >= 0 from the items of a LIST setting; false with err
 * naming the key and the value. */
bool sc_parse_numbers(const char *key, const rp_list *list, double *out, size_t n,
                      char *err, size_t errlen);

/* The descriptor's settings_check: parses the lists into params, rules,
 * core_mask and risk, and checks the rules across keys. tenant is NULL for
 * the plugin-wide struct (the host names the tenant in its message). */
int sc_settings_check(void *settings, const char *tenant, char *err, size_t errlen);

#endif
