/*
 * settings.c - configuration keys of the scoring plugin, their defaults, and
 * their per-tenant resolution. Every value can be overridden per tenant with
 * "<tenant>.<key>", so each tenant scores against its own weights and tiers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_duration.h"
#include "settings.h"

const rp_config_key sc_config_keys[] = {
    {"weights", RP_CONFIG_STRING, "3,1,1,1,1,2,1,1,2",
     "weights of the nine criteria (purchase_power, influenceable, not_picky, "
     "short_negotiation, price_insensitive, word_of_mouth, suggestions, cooperation, "
     "promo_loyalty), comma-separated, >= 0"},
    {"half_life", RP_CONFIG_DURATION, "180d", "evidence loses half its weight after this long"},
    {"recency_half_life", RP_CONFIG_DURATION, "90d",
     "recency part of criterion 1 halves every ... since the last purchase"},
    {"influence_window", RP_CONFIG_DURATION, "14d",
     "a purchase this soon after a care contact counts as influenced (criterion 2)"},
    {"negotiation_half", RP_CONFIG_DURATION, "14d",
     "a deal won this long after it opened scores 50 (criterion 4)"},
    {"prior_weight", RP_CONFIG_DOUBLE, "1", "pseudo-observations pulling ratio criteria towards 50"},
    {"referral_scale", RP_CONFIG_DOUBLE, "1",
     "referral points (made + 2 x converted) giving word of mouth 50 (criterion 6)"},
    {"suggestion_scale", RP_CONFIG_DOUBLE, "1", "suggestions giving criterion 7 a score of 50"},
    {"thresholds", RP_CONFIG_STRING, "88,78,50,30",
     "minimum absolute score of vip, key, ordinary, small (decreasing); below: potential"},
    {"margin", RP_CONFIG_DOUBLE, "3", "hysteresis: promote at threshold+margin, demote below threshold-margin"},
    {"min_dwell", RP_CONFIG_DURATION, "14d", "minimum stay in a tier before the next automatic move"},
    {"core_tiers", RP_CONFIG_STRING, "vip,key", "tiers forming the core value group"},
    {"recheck_interval", RP_CONFIG_DURATION, "7d",
     "a customer without events is re-evaluated (decay, P(alive)) this often"},
    {"risk_levels", RP_CONFIG_STRING, "high<0.3,medium<0.6,low",
     "churn-risk levels by P(alive), riskiest first: name<upper bound, last without bound"},
    {"refit_interval", RP_CONFIG_DURATION, "7d", "BG/NBD refit interval per tenant (engine time)"},
    {"first_fit_after", RP_CONFIG_DURATION, "1d", "first BG/NBD fit this long after a tenant's first event"},
    {"period", RP_CONFIG_DURATION, "7d", "time unit of the BG/NBD model and the horizon of expected_purchases"},
    {"fit_min_customers", RP_CONFIG_INT, "20", "no BG/NBD fit with fewer purchasing customers"},
    {"fit_max_customers", RP_CONFIG_INT, "50000", "BG/NBD fit on at most this many customers (a stable sample)"},
    {NULL, 0, NULL, NULL},
};

bool sc_parse_numbers(const char *key, const char *text, double *out, int n,
                      char *err, size_t errlen)
{
    const char *p = text ? text : "";
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (errno || end == p || !(v >= 0) || !isfinite(v)) {
            snprintf(err, errlen, "%s '%s': value %d is not a number >= 0", key, text, i + 1);
            return false;
        }
        out[i] = v;
        while (*end == ' ')
            end++;
        if (i + 1 < n && *end != ',') {
            snprintf(err, errlen, "%s '%s': expected %d comma-separated numbers", key, text, n);
            return false;
        }
        p = end + (i + 1 < n ? 1 : 0);
    }
    if (*p) {
        snprintf(err, errlen, "%s '%s': expected %d comma-separated numbers", key, text, n);
        return false;
    }
    return true;
}

static bool get_duration(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                         const char *key, int64_t *ms, char *err, size_t errlen)
{
    const char *text = api->config_tenant_string(ctx, tenant, key);
    if (!rp_parse_duration(text, ms) || *ms <= 0) {
        snprintf(err, errlen, "%s '%s' (tenant %s): expected a positive duration like 7d",
                 key, text ? text : "", tenant);
        return false;
    }
    return true;
}

static bool get_number(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                       const char *key, double *out, char *err, size_t errlen)
{
    return sc_parse_numbers(key, api->config_tenant_string(ctx, tenant, key), out, 1, err, errlen);
}

static bool load_tiers(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                       sc_settings *s, char *err, size_t errlen)
{
    const char *th = api->config_tenant_string(ctx, tenant, "thresholds");
    if (!sc_parse_numbers("thresholds", th, s->rules.threshold, SC_TIER_POTENTIAL, err, errlen))
        return false;
    for (int i = 1; i < SC_TIER_POTENTIAL; i++) {
        if (!(s->rules.threshold[i] < s->rules.threshold[i - 1])) {
            snprintf(err, errlen, "thresholds '%s': must decrease from vip to small", th);
            return false;
        }
    }
    if (!get_number(ctx, api, tenant, "margin", &s->rules.margin, err, errlen)
        || !get_duration(ctx, api, tenant, "min_dwell", &s->rules.dwell_ms, err, errlen))
        return false;
    char bad[64];
    const char *core = api->config_tenant_string(ctx, tenant, "core_tiers");
    if (!sc_tier_set_parse(core, &s->core_mask, bad, sizeof bad) || s->core_mask == 0) {
        snprintf(err, errlen, "core_tiers '%s': '%s' is not one of vip,key,ordinary,small,potential",
                 core ? core : "", bad);
        return false;
    }
    return sc_risk_parse(api->config_tenant_string(ctx, tenant, "risk_levels"), &s->risk,
                         err, errlen);
}

static bool load_params(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                        sc_params *p, char *err, size_t errlen)
{
    int64_t hl, rhl, win, neg;
    if (!sc_parse_numbers("weights", api->config_tenant_string(ctx, tenant, "weights"),
                          p->weights, SC_CRITERIA, err, errlen)
        || !get_duration(ctx, api, tenant, "half_life", &hl, err, errlen)
        || !get_duration(ctx, api, tenant, "recency_half_life", &rhl, err, errlen)
        || !get_duration(ctx, api, tenant, "influence_window", &win, err, errlen)
        || !get_duration(ctx, api, tenant, "negotiation_half", &neg, err, errlen)
        || !get_number(ctx, api, tenant, "prior_weight", &p->prior_weight, err, errlen)
        || !get_number(ctx, api, tenant, "referral_scale", &p->referral_scale, err, errlen)
        || !get_number(ctx, api, tenant, "suggestion_scale", &p->suggestion_scale, err, errlen))
        return false;
    p->half_life_ms = (double)hl;
    p->recency_half_life_ms = (double)rhl;
    p->influence_window_ms = (double)win;
    p->negotiation_half_ms = (double)neg;
    return true;
}

bool sc_settings_load(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                      sc_settings *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    snprintf(s->tenant, sizeof s->tenant, "%s", tenant);
    double fmin = 0, fmax = 0;
    if (!load_params(ctx, api, tenant, &s->params, err, errlen)
        || !load_tiers(ctx, api, tenant, s, err, errlen)
        || !get_duration(ctx, api, tenant, "recheck_interval", &s->recheck_ms, err, errlen)
        || !get_duration(ctx, api, tenant, "refit_interval", &s->refit_ms, err, errlen)
        || !get_duration(ctx, api, tenant, "first_fit_after", &s->first_fit_ms, err, errlen)
        || !get_duration(ctx, api, tenant, "period", &s->period_ms, err, errlen)
        || !get_number(ctx, api, tenant, "fit_min_customers", &fmin, err, errlen)
        || !get_number(ctx, api, tenant, "fit_max_customers", &fmax, err, errlen))
        return false;
    s->fit_min_customers = (int64_t)fmin;
    s->fit_max_customers = fmax < 1 ? 1 : (int64_t)fmax;
    return true;
}
