/*
 * settings.c - the scoring plugin's settings table and its check (see
 * settings.h).
 *
 * Every key may be overridden per tenant (RP_SETTING_PER_TENANT): each one
 * shapes only that tenant's scores, tiers and model, and nothing the plugin
 * shares between tenants (no pool, no common timer) depends on any of them.
 * The ranges keep values the arithmetic cannot use out (a zero scale would
 * divide by zero, a zero interval would re-arm a timer at once).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rapport/rp_text.h"
#include "settings.h"

#define MS_MINUTE 60000.0
#define MS_HOUR 3600000.0
#define MS_DAY 86400000.0
#define MS_10_YEARS (3653 * MS_DAY)

#define SETTING(name, type, field, dflt, lo, hi, help)                                   \
    {name, type, offsetof(sc_settings, field), dflt, lo, hi, NULL, RP_SETTING_PER_TENANT, \
     help}

const rp_setting sc_setting_table[] = {
    SETTING("weights", RP_SETTING_LIST, weights, "3,1,1,1,1,2,1,1,2", 9, 9,
            "weights of the nine criteria (purchase_power, influenceable, not_picky, "
            "short_negotiation, price_insensitive, word_of_mouth, suggestions, cooperation, "
            "promo_loyalty), each >= 0, not all 0"),
    SETTING("half_life", RP_SETTING_DURATION, half_life_ms, "180d", MS_HOUR, MS_10_YEARS,
            "evidence loses half its weight after this long"),
    SETTING("recency_half_life", RP_SETTING_DURATION, recency_half_life_ms, "90d", MS_HOUR,
            MS_10_YEARS, "recency part of criterion 1 halves every ... since the last purchase"),
    SETTING("influence_window", RP_SETTING_DURATION, influence_window_ms, "14d", MS_MINUTE,
            366 * MS_DAY, "a purchase this soon after a care contact counts as influenced (criterion 2)"),
    SETTING("negotiation_half", RP_SETTING_DURATION, negotiation_half_ms, "14d", MS_HOUR,
            MS_10_YEARS, "a deal won this long after it opened scores 50 (criterion 4)"),
    SETTING("prior_weight", RP_SETTING_DOUBLE, prior_weight, "1", 0, 1e6,
            "pseudo-observations pulling ratio criteria towards 50"),
    SETTING("referral_scale", RP_SETTING_DOUBLE, referral_scale, "1", 0.001, 1e6,
            "referral points (made + 2 x converted) giving word of mouth 50 (criterion 6)"),
    SETTING("suggestion_scale", RP_SETTING_DOUBLE, suggestion_scale, "1", 0.001, 1e6,
            "suggestions giving criterion 7 a score of 50"),
    SETTING("thresholds", RP_SETTING_LIST, thresholds, "88,78,50,30", 4, 4,
            "minimum absolute score of vip, key, ordinary, small (0..100, decreasing); "
            "below: potential"),
    SETTING("margin", RP_SETTING_DOUBLE, margin, "3", 0, 50,
            "hysteresis: promote at threshold+margin, demote below threshold-margin"),
    SETTING("min_dwell", RP_SETTING_DURATION, min_dwell_ms, "14d", 0, MS_10_YEARS,
            "minimum stay in a tier before the next automatic move"),
    SETTING("core_tiers", RP_SETTING_LIST, core_tiers, "vip,key", 1, SC_TIER_COUNT,
            "tiers forming the core value group (of vip, key, ordinary, small, potential)"),
    SETTING("recheck_interval", RP_SETTING_DURATION, recheck_ms, "7d", MS_MINUTE, MS_10_YEARS,
            "a customer without events is re-evaluated (decay, P(alive)) this often"),
    SETTING("risk_levels", RP_SETTING_LIST, risk_levels, "high<0.3,medium<0.6,low", 2,
            SC_RISK_MAX_LEVELS,
            "churn-risk levels by P(alive), riskiest first: name<upper bound, last without bound"),
    SETTING("refit_interval", RP_SETTING_DURATION, refit_ms, "7d", MS_MINUTE, MS_10_YEARS,
            "BG/NBD refit interval per tenant (engine time)"),
    SETTING("first_fit_after", RP_SETTING_DURATION, first_fit_ms, "1d", 1000, MS_10_YEARS,
            "the tenant's first cut this long after its earliest event (event time): the "
            "first BG/NBD fit comes refit_interval after it"),
    SETTING("period", RP_SETTING_DURATION, period_ms, "7d", MS_HOUR, MS_10_YEARS,
            "time unit of the BG/NBD model and the horizon of expected_purchases"),
    SETTING("fit_min_customers", RP_SETTING_INT, fit_min_customers, "20", 1, 1e9,
            "no BG/NBD fit with fewer purchasing customers"),
    SETTING("fit_max_customers", RP_SETTING_INT, fit_max_customers, "50000", 1, 1e9,
            "BG/NBD fit on at most this many customers (a stable sample)"),
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* "key 'a,b,c': " for messages: the value as it was written. */
static void describe(const char *key, const rp_list *list, rp_text *out)
{
    rp_text_printf(out, "%s '", key);
    for (size_t i = 0; i < list->count; i++)
        rp_text_printf(out, "%s%s", i ? "," : "", list->items[i]);
    rp_text_puts(out, "': ");
}

/* err = "key 'value': " + what. */
static void list_error(const char *key, const rp_list *list, const char *what, char *err,
                       size_t errlen)
{
    rp_text t = {0};
    describe(key, list, &t);
    rp_text_puts(&t, what);
    const char *text = rp_text_get(&t);
    snprintf(err, errlen, "%s", text ? text : key);
    rp_text_free(&t);
}

bool sc_parse_numbers(const char *key, const rp_list *list, double *out, size_t n,
                      char *err, size_t errlen)
{
    char what[96];
    if (list->count != n) {
        snprintf(what, sizeof what, "expected %zu comma-separated numbers", n);
        list_error(key, list, what, err, errlen);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *item = list->items[i];
        char *end;
        errno = 0;
        double v = strtod(item, &end);
        if (errno || end == item || *end || !(v >= 0) || !isfinite(v)) {
            snprintf(what, sizeof what, "value %zu is not a number >= 0", i + 1);
            list_error(key, list, what, err, errlen);
            return false;
        }
        out[i] = v;
    }
    return true;
}

static bool check_weights(sc_settings *s, char *err, size_t errlen)
{
    if (!sc_parse_numbers("weights", &s->weights, s->params.weights, SC_CRITERIA, err, errlen))
        return false;
    double sum = 0;
    for (int i = 0; i < SC_CRITERIA; i++)
        sum += s->params.weights[i];
    if (sum > 0)
        return true;
    list_error("weights", &s->weights, "at least one weight must be above 0", err, errlen);
    return false;
}

static bool check_thresholds(sc_settings *s, char *err, size_t errlen)
{
    double *th = s->rules.threshold;
    if (!sc_parse_numbers("thresholds", &s->thresholds, th, SC_TIER_POTENTIAL, err, errlen))
        return false;
    for (int i = 0; i < SC_TIER_POTENTIAL; i++) {
        if (th[i] > 100 || (i > 0 && !(th[i] < th[i - 1]))) {
            list_error("thresholds", &s->thresholds,
                       "must decrease from vip to small, each at most 100", err, errlen);
            return false;
        }
    }
    return true;
}

static bool check_tiers_and_risk(sc_settings *s, char *err, size_t errlen)
{
    char bad[64], what[256];
    if (!sc_tier_set_parse(s->core_tiers.items, s->core_tiers.count, &s->core_mask, bad, sizeof bad)) {
        snprintf(what, sizeof what, "'%s' is not one of vip,key,ordinary,small,potential", bad);
        list_error("core_tiers", &s->core_tiers, what, err, errlen);
        return false;
    }
    if (!sc_risk_parse(s->risk_levels.items, s->risk_levels.count, &s->risk, what, sizeof what)) {
        list_error("risk_levels", &s->risk_levels, what, err, errlen);
        return false;
    }
    return true;
}

int sc_settings_check(void *settings, const char *tenant, char *err, size_t errlen)
{
    (void)tenant; /* the host names it in the message */
    sc_settings *s = settings;
    if (!check_weights(s, err, errlen) || !check_thresholds(s, err, errlen)
        || !check_tiers_and_risk(s, err, errlen))
        return RP_ERROR;
    if (s->fit_min_customers > s->fit_max_customers) {
        snprintf(err, errlen, "fit_min_customers '%lld' exceeds fit_max_customers '%lld'",
                 (long long)s->fit_min_customers, (long long)s->fit_max_customers);
        return RP_ERROR;
    }
    sc_params *p = &s->params;
    p->half_life_ms = (double)s->half_life_ms;
    p->recency_half_life_ms = (double)s->recency_half_life_ms;
    p->influence_window_ms = (double)s->influence_window_ms;
    p->negotiation_half_ms = (double)s->negotiation_half_ms;
    p->prior_weight = s->prior_weight;
    p->referral_scale = s->referral_scale;
    p->suggestion_scale = s->suggestion_scale;
    s->rules.margin = s->margin;
    s->rules.dwell_ms = s->min_dwell_ms;
    return RP_OK;
}
