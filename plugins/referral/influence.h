/*
 * influence.h - how much a referred customer adds to the influence of the
 * people above them in the referral chain (seed 001's "core person" who
 * brings in many others).
 *
 * Influence of v = sum over v's proper descendants d of
 *     decay^(distance(v, d) - 1) * contribution(d)
 * contribution(d) = 0                                      if d's referral did not convert
 *                 = 1 + revenue_weight * log2(1 + own_revenue(d) / revenue_unit)  otherwise
 *
 * Why this and not PageRank: on a forest PageRank reduces to a similar
 * discounted count of descendants, but needs a global iteration; this sum
 * changes by a closed-form amount on every link, conversion or purchase, so
 * it is kept exact with an O(depth) walk up the ancestors (forest.h). Every
 * converted person counts 1 so that bringing people matters most (the seed's
 * authority is measured by how many she brings), revenue adds concavely so one
 * large buyer cannot outweigh a circle of customers, and people introduced
 * through others count with decay per step, so a chain's start gets credit
 * without outranking those who did the direct introducing.
 */
#ifndef REFERRAL_INFLUENCE_H
#define REFERRAL_INFLUENCE_H

#include <stdbool.h>

typedef struct rf_influence_params {
    double decay;           /* 0 < decay <= 1; weight lost per step down the chain */
    double revenue_weight;  /* >= 0 */
    double revenue_unit;    /* > 0, currency major units */
} rf_influence_params;

/* decay 0.5, revenue_weight 1, revenue_unit 1000. */
void rf_influence_default(rf_influence_params *p);

double rf_contribution(const rf_influence_params *p, bool converted, double own_revenue);

#endif
