/*
 * settings.c - the referral plugin's configuration keys, defaults, and their
 * per-tenant resolution ("<tenant>.<key>" overrides "<key>"), parsed once per
 * tenant into numbers. docs/plugins/referral.md explains each key.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rp_duration.h"

const rp_config_key rf_config_keys[] = {
    {"conversion_window", RP_CONFIG_DURATION, "90d",
     "a first purchase this long after the referral still converts it"},
    {"conversion_grace", RP_CONFIG_DURATION, "1d",
     "a first purchase this long before the referral still converts it"},
    {"max_depth", RP_CONFIG_INT, "32", "deepest allowed referral chain; deeper links are refused"},
    {"influence_decay", RP_CONFIG_DOUBLE, "0.5", "influence weight kept per step down the chain (0..1]"},
    {"influence_revenue_weight", RP_CONFIG_DOUBLE, "1", "weight of a referee's revenue in influence (>= 0)"},
    {"influence_revenue_unit", RP_CONFIG_DOUBLE, "1000", "revenue adding 1 x weight on a log2 scale (> 0)"},
    {"key_people_top", RP_CONFIG_INT, "10", "size of the key-people set"},
    {"key_people_min", RP_CONFIG_DOUBLE, "3", "minimum influence of a key person"},
    {"reward_rules", RP_CONFIG_STRING, "",
     "TRIGGER:SIDES:AMOUNT,... with TRIGGER conversion | spend>=X | referrals>=N and "
     "SIDES referrer | referee | both; empty: no rewards"},
    {"burst_max", RP_CONFIG_INT, "5", "referrals per burst_window before the next is flagged; 0 disables"},
    {"burst_window", RP_CONFIG_DURATION, "1d", "window of the burst guard"},
    {"attribution", RP_CONFIG_STRING, "direct", "revenue attribution: direct or decay"},
    {"attribution_decay", RP_CONFIG_DOUBLE, "0.5", "share ratio per level up the chain (decay mode)"},
    {"attribution_levels", RP_CONFIG_INT, "3", "levels credited (decay mode)"},
    {"default_timezone", RP_CONFIG_STRING, "UTC", "time zone of referees without one"},
    {"affinity_pairs", RP_CONFIG_STRING, rf_affinity_default,
     "PROFESSION:PROFESSION,... professions or industries that can do business together "
     "(suggested introductions); empty: none"},
    {"introductions_per_customer", RP_CONFIG_INT, "3",
     "suggested introductions kept per customer whose profession or industry changed; 0 disables"},
    {NULL, 0, NULL, NULL},
};

typedef struct reader {
    rp_ctx *ctx;
    const rp_host_api *api;
    const char *tenant;
    char *err;
    size_t errlen;
} reader;

static const char *text_of(const reader *rd, const char *key)
{
    const char *t = rd->api->config_tenant_string(rd->ctx, rd->tenant, key);
    return t ? t : "";
}

static bool duration(const reader *rd, const char *key, int64_t *ms)
{
    if (rp_parse_duration(text_of(rd, key), ms))
        return true;
    snprintf(rd->err, rd->errlen, "%s '%s' (tenant %s): expected a duration like 7d",
             key, text_of(rd, key), rd->tenant);
    return false;
}

/* A number in [lo, hi]; lo_open excludes lo itself. */
static bool number(const reader *rd, const char *key, double lo, bool lo_open, double hi, double *out)
{
    const char *t = text_of(rd, key);
    char *end;
    errno = 0;
    double v = strtod(t, &end);
    if (errno || end == t || *end || !isfinite(v) || v < lo || (lo_open && v == lo) || v > hi) {
        snprintf(rd->err, rd->errlen, "%s '%s' (tenant %s): expected a number %s %g%s", key, t,
                 rd->tenant, lo_open ? ">" : ">=", lo, hi < 1e300 ? " and <= the documented maximum" : "");
        return false;
    }
    *out = v;
    return true;
}

static bool load_numbers(const reader *rd, rf_settings *s)
{
    double depth, top, levels, burst, intros;
    if (!duration(rd, "conversion_window", &s->window_ms)
        || !duration(rd, "conversion_grace", &s->grace_ms)
        || !number(rd, "max_depth", 1, false, 1000, &depth)
        || !number(rd, "influence_decay", 0, true, 1, &s->influence.decay)
        || !number(rd, "influence_revenue_weight", 0, false, 1e300, &s->influence.revenue_weight)
        || !number(rd, "influence_revenue_unit", 0, true, 1e300, &s->influence.revenue_unit)
        || !number(rd, "key_people_top", 0, false, 10000, &top)
        || !number(rd, "key_people_min", 0, false, 1e300, &s->top_min)
        || !number(rd, "burst_max", 0, false, 1e9, &burst)
        || !duration(rd, "burst_window", &s->fraud.burst_window_ms)
        || !number(rd, "attribution_decay", 0, true, 1, &s->attribution.decay)
        || !number(rd, "attribution_levels", 1, false, 1000, &levels)
        || !number(rd, "introductions_per_customer", 0, false, 100, &intros))
        return false;
    s->intros_per_customer = (size_t)intros;
    s->max_depth = (int32_t)depth;
    s->top = (int64_t)top;
    s->fraud.burst_max = (int64_t)burst;
    s->attribution.levels = (size_t)levels;
    return true;
}

bool rf_settings_load(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                      rf_settings *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    reader rd = {ctx, api, tenant, err, errlen};
    snprintf(s->tenant, sizeof s->tenant, "%s", tenant);
    if (!load_numbers(&rd, s))
        return false;
    if (!rf_attribution_mode_parse(text_of(&rd, "attribution"), &s->attribution.mode)) {
        snprintf(err, errlen, "attribution '%s' (tenant %s): expected direct or decay",
                 text_of(&rd, "attribution"), tenant);
        return false;
    }
    char why[256];
    if (!rf_rewards_parse(text_of(&rd, "reward_rules"), &s->rewards, why, sizeof why)) {
        snprintf(err, errlen, "reward_rules (tenant %s): %s", tenant, why);
        return false;
    }
    if (!rf_affinity_parse(text_of(&rd, "affinity_pairs"), &s->affinity, why, sizeof why)) {
        snprintf(err, errlen, "affinity_pairs (tenant %s): %s", tenant, why);
        return false;
    }
    const char *tz = text_of(&rd, "default_timezone");
    rp_local_time probe;
    if (strlen(tz) >= sizeof s->default_tz || !api->to_local(tz, 0, &probe)) {
        snprintf(err, errlen, "default_timezone '%s' (tenant %s): not a known time zone", tz, tenant);
        return false;
    }
    snprintf(s->default_tz, sizeof s->default_tz, "%s", tz);
    return true;
}
