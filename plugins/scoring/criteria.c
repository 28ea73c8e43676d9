/*
 * criteria.c - the nine sub-scores of seed 003 and the value score.
 *
 * Each criterion maps evidence to 0..100, or to NAN ("unknown") when the
 * customer has given no evidence for it yet: a customer who never had a deal
 * is not a slow negotiator, we just do not know. The value score is the
 * weighted mean over the known criteria (weights renormalised), and the
 * number of known criteria is kept as the score's confidence.
 *
 * Ratios are shrunk towards 1/2 by a pseudo-count (sc_shrink) so that one
 * lucky or unlucky event does not decide a criterion, and so that evidence
 * that has decayed away pulls the criterion back towards neutral.
 * docs/plugins/scoring.md gives every formula with a worked example.
 */
#include <math.h>
#include <string.h>

#include "evidence.h"

const char *const sc_criterion_names[SC_CRITERIA] = {
    "purchase_power", "influenceable", "not_picky", "short_negotiation",
    "price_insensitive", "word_of_mouth", "suggestions", "cooperation",
    "promo_loyalty",
};

void sc_params_default(sc_params *p)
{
    static const double weights[SC_CRITERIA] = {3, 1, 1, 1, 1, 2, 1, 1, 2};
    p->half_life_ms = 180 * SC_DAY_MS;
    p->recency_half_life_ms = 90 * SC_DAY_MS;
    p->influence_window_ms = 14 * SC_DAY_MS;
    p->negotiation_half_ms = 14 * SC_DAY_MS;
    p->prior_weight = 1;
    p->referral_scale = 1;
    p->suggestion_scale = 1;
    memcpy(p->weights, weights, sizeof weights);
}

double sc_shrink(double k, double n, double m)
{
    if (n + m <= 0)
        return 0.5;
    return (k + m / 2) / (n + m);
}

double sc_phi(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

/* 100 * Phi of x standardised by the tenant's moments; 50 when the tenant
 * has too few customers to have a spread. */
static double relative_score(double x, double n, double s, double ss)
{
    if (n < 2)
        return 50;
    double mean = s / n;
    double var = ss / n - mean * mean;
    if (!(var > 1e-12))
        return 50;
    return 100 * sc_phi((x - mean) / sqrt(var));
}

static double saturating(double x, double scale)
{
    return 100 * (1 - exp2(-x / (scale > 0 ? scale : 1)));
}

static double purchase_power(const sc_evidence *e, double now_ms, const sc_params *p,
                             const sc_tenant_stats *st)
{
    if (e->first_purchase_ms <= 0)
        return NAN;
    double r = 100 * sc_decay_factor(now_ms - e->last_purchase_ms, p->recency_half_life_ms);
    double f = relative_score(log1p(e->purchases), st->n, st->sf, st->sff);
    double m = relative_score(log1p(sc_monetary(e)), st->n, st->sm, st->smm);
    return (r + f + m) / 3;
}

/* Unknown without exposure to a promotion, and without a baseline: a
 * customer with no repeat purchase outside the windows expects 0 purchases
 * inside them, and a 50 from that would be a guess weighing like evidence. */
static double promo_loyalty(const sc_evidence *e, double m)
{
    if (!(e->promo_days > 0) || !(e->base_days > 0) || !(e->base_purchases > 0))
        return NAN;
    double expected = e->base_purchases / e->base_days * e->promo_days;
    return 100 * sc_shrink(fmin(e->promo_purchases, expected), expected, m);
}

void sc_subscores(const sc_evidence *in, double now_ms, const sc_params *p,
                  const sc_tenant_stats *stats, double out[SC_CRITERIA])
{
    sc_evidence e = *in;
    sc_settle_care(&e, now_ms, p);
    sc_decay_to(&e, now_ms, p->half_life_ms);
    double m = p->prior_weight;

    out[SC_C_PURCHASE_POWER] = purchase_power(&e, now_ms, p, stats);
    out[SC_C_INFLUENCEABLE] = e.care_touches > 0
        ? 100 * sc_shrink(e.care_converted, e.care_touches, m) : NAN;
    double picky_n = e.purchases + e.refunds + e.complaints;
    out[SC_C_NOT_PICKY] = picky_n > 0 ? 100 * sc_shrink(e.purchases, picky_n, m) : NAN;
    out[SC_C_SHORT_NEGOTIATION] = e.deals_closed > 0
        ? 100 * e.deal_points / e.deals_closed : NAN;
    out[SC_C_PRICE_INSENSITIVE] = e.priced > 0
        ? 100 * (0.5 * sc_shrink(e.full_price, e.priced, m)
                 + 0.5 * (1 - sc_shrink(e.depth_sum, e.priced, m)))
        : NAN;
    out[SC_C_WORD_OF_MOUTH] = e.referrals > 0
        ? saturating(e.referrals + 2 * e.referrals_converted, p->referral_scale) : NAN;
    out[SC_C_SUGGESTIONS] = e.suggestions > 0
        ? saturating(e.suggestions, p->suggestion_scale) : NAN;
    double coop_n = e.coop_good + e.coop_bad;
    out[SC_C_COOPERATION] = coop_n > 0 ? 100 * sc_shrink(e.coop_good, coop_n, m) : NAN;
    out[SC_C_PROMO_LOYALTY] = promo_loyalty(&e, m);
}

double sc_total(const double sub[SC_CRITERIA], const double weights[SC_CRITERIA], int *confidence)
{
    double sum = 0, wsum = 0;
    int known = 0;
    for (int i = 0; i < SC_CRITERIA; i++) {
        if (isnan(sub[i]))
            continue;
        known++;
        if (weights[i] > 0) {
            sum += weights[i] * sub[i];
            wsum += weights[i];
        }
    }
    *confidence = known;
    return wsum > 0 ? sum / wsum : NAN;
}

size_t sc_top_moves(const double before[SC_CRITERIA], const double after[SC_CRITERIA],
                    size_t max, int *index, double *delta)
{
    size_t n = 0;
    for (int i = 0; i < SC_CRITERIA; i++) {
        if (isnan(before[i]) && isnan(after[i]))
            continue;
        double d = (isnan(after[i]) ? 0 : after[i]) - (isnan(before[i]) ? 0 : before[i]);
        if (fabs(d) < 0.05)
            continue;
        /* Insertion into the sorted top list. */
        size_t pos = n < max ? n : max;
        while (pos > 0 && fabs(delta[pos - 1]) < fabs(d)) {
            if (pos < max) {
                index[pos] = index[pos - 1];
                delta[pos] = delta[pos - 1];
            }
            pos--;
        }
        if (pos < max) {
            index[pos] = i;
            delta[pos] = d;
            if (n < max)
                n++;
        }
    }
    return n;
}
