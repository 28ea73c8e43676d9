/*
 * tiers.c - tier placement with hysteresis so customers near a boundary do
 * not flap, and demotion as readily as promotion (seed 003: "never only up").
 *
 * Thresholds are absolute scores, not percentiles: a customer's tier then
 * depends on their own behaviour only, so nobody is demoted because other
 * customers improved, and a tier means the same thing month after month
 * (which the monthly movement report relies on). The score itself is already
 * relative to the tenant where that matters (criterion 1 uses the tenant's
 * own frequency/monetary distribution).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiers.h"

const char *const sc_tier_names[SC_TIER_COUNT] = {
    "vip", "key", "ordinary", "small", "potential",
};

sc_tier sc_tier_parse(const char *name)
{
    for (int i = 0; i < SC_TIER_COUNT; i++)
        if (name && strcmp(name, sc_tier_names[i]) == 0)
            return (sc_tier)i;
    return SC_TIER_NONE;
}

void sc_tier_rules_default(sc_tier_rules *r)
{
    r->threshold[SC_TIER_VIP] = 88;
    r->threshold[SC_TIER_KEY] = 78;
    r->threshold[SC_TIER_ORDINARY] = 50;
    r->threshold[SC_TIER_SMALL] = 30;
    r->margin = 3;
    r->dwell_ms = 14LL * 86400000;
}

sc_tier sc_tier_plain(const sc_tier_rules *r, double score, bool has_purchase)
{
    if (!has_purchase || isnan(score))
        return SC_TIER_POTENTIAL;
    for (int t = SC_TIER_VIP; t < SC_TIER_POTENTIAL; t++)
        if (score >= r->threshold[t])
            return (sc_tier)t;
    return SC_TIER_POTENTIAL;
}

/* Best tier whose threshold the score clears by the margin. */
static sc_tier promotion_target(const sc_tier_rules *r, double score)
{
    for (int t = SC_TIER_VIP; t < SC_TIER_POTENTIAL; t++)
        if (score >= r->threshold[t] + r->margin)
            return (sc_tier)t;
    return SC_TIER_POTENTIAL;
}

sc_tier sc_tier_next(const sc_tier_rules *r, sc_tier current, int64_t tier_since_ms,
                     int64_t now_ms, double score, bool has_purchase, bool waive_dwell,
                     int64_t *blocked_until_ms)
{
    *blocked_until_ms = 0;
    if (current == SC_TIER_NONE)
        return sc_tier_plain(r, score, has_purchase);

    sc_tier target = current;
    if (!has_purchase || isnan(score)) {
        target = SC_TIER_POTENTIAL;
    } else {
        sc_tier up = promotion_target(r, score);
        if (up < current)
            target = up;
        else if (current < SC_TIER_POTENTIAL && score < r->threshold[current] - r->margin)
            target = sc_tier_plain(r, score, true);
    }
    if (target == current)
        return current;
    if (!waive_dwell && now_ms - tier_since_ms < r->dwell_ms) {
        *blocked_until_ms = tier_since_ms + r->dwell_ms;
        return current;
    }
    return target;
}

bool sc_tier_set_parse(const char *const *items, size_t count, unsigned *mask,
                       char *bad, size_t badlen)
{
    *mask = 0;
    for (size_t i = 0; i < count; i++) {
        sc_tier t = sc_tier_parse(items[i]);
        if (t == SC_TIER_NONE) {
            snprintf(bad, badlen, "%s", items[i]);
            return false;
        }
        *mask |= 1u << t;
    }
    return true;
}

static bool parse_level(const char *item, sc_risk_levels *out, bool last, char *err, size_t errlen)
{
    const char *lt = strchr(item, '<');
    size_t name_len = lt ? (size_t)(lt - item) : strlen(item);
    int i = out->count;
    if (name_len == 0 || name_len >= sizeof out->name[0]) {
        snprintf(err, errlen, "level '%s': name must be 1..23 bytes", item);
        return false;
    }
    snprintf(out->name[i], sizeof out->name[i], "%.*s", (int)name_len, item);
    if (last) {
        if (lt) {
            snprintf(err, errlen, "level '%s': the last level takes no threshold", item);
            return false;
        }
        out->below[i] = INFINITY;
    } else {
        char *end = NULL;
        double v = lt && lt[1] ? strtod(lt + 1, &end) : NAN;
        double prev = i > 0 ? out->below[i - 1] : 0;
        if (!lt || !end || *end || !(v > prev) || v > 1) {
            snprintf(err, errlen, "level '%s': expected name<p with p in (%g, 1], increasing",
                     item, prev);
            return false;
        }
        out->below[i] = v;
    }
    out->count++;
    return true;
}

bool sc_risk_parse(const char *const *items, size_t count, sc_risk_levels *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (count < 2 || count > SC_RISK_MAX_LEVELS) {
        snprintf(err, errlen, "need 2..%d levels, e.g. high<0.3,low", SC_RISK_MAX_LEVELS);
        return false;
    }
    for (size_t i = 0; i < count; i++)
        if (!parse_level(items[i], out, i + 1 == count, err, errlen))
            return false;
    return true;
}

const char *sc_risk_level(const sc_risk_levels *levels, double p_alive)
{
    if (isnan(p_alive))
        return "unknown";
    for (int i = 0; i < levels->count; i++)
        if (p_alive < levels->below[i])
            return levels->name[i];
    return levels->name[levels->count - 1];
}
