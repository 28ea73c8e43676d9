/*
 * cadence.c - regular-contact interval from tier and churn risk.
 */
#include <math.h>
#include <stddef.h>

#include "cadence.h"

static const cr_pair *lookup(const cr_pairs *p, const char *name, const char *fallback)
{
    const cr_pair *v = name ? cr_pairs_find(p, name) : NULL;
    return v ? v : cr_pairs_find(p, fallback);
}

int64_t cr_cadence_ms(const cr_cadence *c, const char *tier, const char *risk)
{
    const cr_pair *interval = lookup(&c->tier_interval, tier, "potential");
    const cr_pair *factor = lookup(&c->risk_factor, risk, "unknown");
    double ms = interval ? interval->value : 90 * 86400e3;
    ms *= factor ? factor->value : 1.0;
    int64_t out = (int64_t)llround(ms);
    return out < c->min_interval_ms ? c->min_interval_ms : out;
}
