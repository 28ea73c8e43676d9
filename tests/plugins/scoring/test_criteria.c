/*
 * test_criteria.c - every criterion formula, the weighting with unknown
 * criteria, and decay, with exact expected values (docs/plugins/scoring.md
 * has the same worked examples).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "evidence.h"

#define DAY SC_DAY_MS
#define T0 1300000000000.0 /* an arbitrary instant (2011-03-13) */
#define NO_DECAY 1e18      /* a half-life long enough to make decay vanish */
#define EPS 1e-9

static sc_params params_no_decay(void)
{
    sc_params p;
    sc_params_default(&p);
    p.half_life_ms = NO_DECAY;
    return p;
}

static void sub_at(const sc_evidence *e, double now, const sc_params *p, double out[SC_CRITERIA])
{
    sc_tenant_stats none = {0};
    sc_subscores(e, now, p, &none, out);
}

static void test_fresh_customer_knows_nothing(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_evidence e = {0};
    double s[SC_CRITERIA];
    sub_at(&e, T0, &p, s);
    for (int i = 0; i < SC_CRITERIA; i++)
        assert_true(isnan(s[i]));
    int conf = -1;
    assert_true(isnan(sc_total(s, p.weights, &conf)));
    assert_int_equal(conf, 0);
}

static void test_purchase_power_uses_tenant_distribution(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_evidence e = {0};
    /* One purchase of e-1: ln(1+f) = ln 2, ln(1+m) = 1. */
    sc_on_purchase(&e, T0, M_E - 1, -1, -1, NULL, 0, &p);
    /* Tenant: f moments mean ln 2, variance 1; m moments mean 0, variance 1. */
    sc_tenant_stats st = {.n = 2, .sf = 2 * M_LN2, .sff = 2 * M_LN2 * M_LN2 + 2, .sm = 0, .smm = 2};
    double s[SC_CRITERIA];
    sc_subscores(&e, T0, &p, &st, s);
    /* R = 100 (bought now), F = 100 Phi(0) = 50, M = 100 Phi(1). */
    assert_float_equal(s[SC_C_PURCHASE_POWER], (100 + 50 + 84.13447460685429) / 3, 1e-9);
    /* 90 days later recency has halved: R = 50; F and M unchanged (no decay). */
    sc_subscores(&e, T0 + 90 * DAY, &p, &st, s);
    assert_float_equal(s[SC_C_PURCHASE_POWER], (50 + 50 + 84.13447460685429) / 3, 1e-9);
    /* A tenant with fewer than two customers has no spread: F = M = 50. */
    sub_at(&e, T0, &p, s);
    assert_float_equal(s[SC_C_PURCHASE_POWER], (100 + 50 + 50) / 3.0, EPS);
}

static void test_influenceable(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_evidence e = {0};
    sc_on_care(&e, T0, &p);
    double s[SC_CRITERIA];
    sub_at(&e, T0 + DAY, &p, s);
    assert_true(isnan(s[SC_C_INFLUENCEABLE])); /* still inside its window */
    sc_on_purchase(&e, T0 + DAY, 10, -1, -1, NULL, 0, &p);
    sub_at(&e, T0 + DAY, &p, s);
    assert_float_equal(s[SC_C_INFLUENCEABLE], 100 * 1.5 / 2, EPS); /* 1 of 1 converted: 75 */
    /* A second touch without a purchase within 14 days does not convert. */
    sc_on_care(&e, T0 + 2 * DAY, &p);
    sub_at(&e, T0 + 17 * DAY, &p, s);
    assert_float_equal(s[SC_C_INFLUENCEABLE], 100 * 1.5 / 3, EPS); /* 1 of 2: 50 */
    /* A purchase after the window does not convert it either. */
    sc_on_purchase(&e, T0 + 20 * DAY, 10, -1, -1, NULL, 0, &p);
    sub_at(&e, T0 + 20 * DAY, &p, s);
    assert_float_equal(s[SC_C_INFLUENCEABLE], 50, EPS);
}

static void test_not_picky(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_evidence e = {0};
    for (int i = 0; i < 3; i++)
        sc_on_purchase(&e, T0 + i * DAY, 100, -1, -1, NULL, 0, &p);
    sc_on_refund(&e, T0 + 3 * DAY, 100, &p);
    double s[SC_CRITERIA];
    sub_at(&e, T0 + 3 * DAY, &p, s);
    assert_float_equal(s[SC_C_NOT_PICKY], 100 * 3.5 / 5, EPS); /* 70 */
    sc_on_complaint(&e, T0 + 3 * DAY, &p);
    sub_at(&e, T0 + 3 * DAY, &p, s);
    assert_float_equal(s[SC_C_NOT_PICKY], 100 * 3.5 / 6, EPS);
    /* The refund also took its amount off the monetary value. */
    assert_float_equal(e.spend, 200, EPS);
}

static void test_short_negotiation(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_evidence e = {0};
    uint64_t d1 = sc_deal_hash("D1", 2), d2 = sc_deal_hash("D2", 2), d3 = sc_deal_hash("D3", 2);
    sc_on_deal_opened(&e, T0, d1, &p);
    sc_on_deal_closed(&e, T0 + 14 * DAY, d1, true, &p);
    double s[SC_CRITERIA];
    sub_at(&e, T0 + 14 * DAY, &p, s);
    assert_float_equal(s[SC_C_SHORT_NEGOTIATION], 50, EPS); /* won after the 14-day half */
    sc_on_deal_opened(&e, T0, d2, &p);
    sc_on_deal_closed(&e, T0 + 7 * DAY, d2, true, &p);
    sub_at(&e, T0 + 14 * DAY, &p, s);
    assert_float_equal(s[SC_C_SHORT_NEGOTIATION], 100 * (0.5 + M_SQRT1_2) / 2, EPS);
    sc_on_deal_opened(&e, T0, d3, &p);
    sc_on_deal_closed(&e, T0 + 1 * DAY, d3, false, &p); /* lost: scores 0 */
    sub_at(&e, T0 + 14 * DAY, &p, s);
    assert_float_equal(s[SC_C_SHORT_NEGOTIATION], 100 * (0.5 + M_SQRT1_2) / 3, EPS);
    /* A deal.won without its deal.opened gives no evidence. */
    sc_evidence f = {0};
    sc_on_deal_closed(&f, T0, d1, true, &p);
    sub_at(&f, T0, &p, s);
    assert_true(isnan(s[SC_C_SHORT_NEGOTIATION]));
}

static void test_price_insensitive(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_evidence e = {0};
    sc_on_purchase(&e, T0, 80, 100, -1, NULL, 0, &p);  /* 20% below list */
    sc_on_purchase(&e, T0, 100, -1, 0, NULL, 0, &p);   /* no discount: full price */
    sc_on_purchase(&e, T0, 50, -1, -1, NULL, 0, &p);   /* no price information */
    double s[SC_CRITERIA];
    sub_at(&e, T0, &p, s);
    /* priced 2, full 1, depth 0.2: 100 (0.5 (1.5/3) + 0.5 (1 - 0.7/3)) */
    assert_float_equal(s[SC_C_PRICE_INSENSITIVE], 100 * (0.25 + 0.5 * (1 - 0.7 / 3)), EPS);
    /* discount given as an amount: 25 off a 75 payment is a depth of 0.25. */
    sc_evidence f = {0};
    sc_on_purchase(&f, T0, 75, -1, 25, NULL, 0, &p);
    assert_float_equal(f.depth_sum, 0.25, EPS);
}

static void test_word_of_mouth_and_suggestions(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_evidence e = {0};
    double s[SC_CRITERIA];
    sc_on_referral_made(&e, T0, &p);
    sub_at(&e, T0, &p, s);
    assert_float_equal(s[SC_C_WORD_OF_MOUTH], 50, EPS);
    sc_on_referral_converted(&e, T0, &p);
    sub_at(&e, T0, &p, s);
    assert_float_equal(s[SC_C_WORD_OF_MOUTH], 87.5, EPS); /* 1 + 2 x 1 = 3 points */
    sc_on_suggestion(&e, T0, &p);
    sc_on_suggestion(&e, T0, &p);
    sub_at(&e, T0, &p, s);
    assert_float_equal(s[SC_C_SUGGESTIONS], 75, EPS);
}

static void test_cooperation(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_evidence e = {0};
    sc_on_cooperation(&e, T0, true, &p);   /* survey answered */
    sc_on_cooperation(&e, T0, true, &p);   /* activity attended */
    sc_on_cooperation(&e, T0, false, &p);  /* uncooperative complaint */
    double s[SC_CRITERIA];
    sub_at(&e, T0, &p, s);
    assert_float_equal(s[SC_C_COOPERATION], 62.5, EPS);
}

static void test_promo_loyalty(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    sc_promo promos[] = {{(int64_t)(T0 + 10 * DAY), (int64_t)(T0 + 20 * DAY)}};
    sc_evidence e = {0};
    sc_on_purchase(&e, T0, 10, -1, -1, promos, 1, &p);
    sc_on_purchase(&e, T0 + 5 * DAY, 10, -1, -1, promos, 1, &p);
    double s[SC_CRITERIA];
    sub_at(&e, T0 + 5 * DAY, &p, s);
    assert_true(isnan(s[SC_C_PROMO_LOYALTY])); /* never exposed to a promotion yet */
    sc_on_purchase(&e, T0 + 15 * DAY, 10, -1, -1, promos, 1, &p);
    sc_on_purchase(&e, T0 + 30 * DAY, 10, -1, -1, promos, 1, &p);
    assert_float_equal(e.promo_days, 10, EPS);
    assert_float_equal(e.base_days, 20, EPS);
    assert_float_equal(e.promo_purchases, 1, EPS);
    assert_float_equal(e.base_purchases, 2, EPS);
    sub_at(&e, T0 + 30 * DAY, &p, s);
    /* baseline 2/20 per day x 10 promo days = 1 expected, 1 made: (1+0.5)/(1+1) */
    assert_float_equal(s[SC_C_PROMO_LOYALTY], 75, EPS);
    /* Silent through a second promotion: exposure grows, no purchase. */
    sc_promo two[] = {promos[0], {(int64_t)(T0 + 40 * DAY), (int64_t)(T0 + 50 * DAY)}};
    sc_account_promos(&e, T0 + 50 * DAY, two, 2, &p);
    sub_at(&e, T0 + 50 * DAY, &p, s);
    /* base 2/30 x 20 = 4/3 expected, 1 made: (1 + 0.5)/(4/3 + 1) */
    assert_float_equal(s[SC_C_PROMO_LOYALTY], 100 * 1.5 / (4.0 / 3 + 1), EPS);
    /* A one-off buyer lives through both promotions: exposure, but no
     * baseline purchase rate to expect anything from, so still unknown. */
    sc_evidence once = {0};
    sc_on_purchase(&once, T0, 10, -1, -1, two, 2, &p);
    sc_account_promos(&once, T0 + 30 * DAY, two, 2, &p);
    assert_float_equal(once.promo_days, 10, EPS);
    sub_at(&once, T0 + 30 * DAY, &p, s);
    assert_true(isnan(s[SC_C_PROMO_LOYALTY]));
    /* ... and repeat purchases inside windows only give none either. */
    sc_on_purchase(&once, T0 + 45 * DAY, 10, -1, -1, two, 2, &p);
    sc_account_promos(&once, T0 + 50 * DAY, two, 2, &p);
    assert_float_equal(once.promo_purchases, 1, EPS);
    sub_at(&once, T0 + 50 * DAY, &p, s);
    assert_true(isnan(s[SC_C_PROMO_LOYALTY]));
}

static void test_total_renormalises_over_known(void **state)
{
    (void)state;
    sc_params p = params_no_decay();
    double s[SC_CRITERIA] = {80, NAN, 60, NAN, NAN, NAN, NAN, NAN, NAN};
    int conf;
    assert_float_equal(sc_total(s, p.weights, &conf), (3 * 80 + 1 * 60) / 4.0, EPS);
    assert_int_equal(conf, 2);
    s[SC_C_WORD_OF_MOUTH] = 100; /* weight 2 */
    assert_float_equal(sc_total(s, p.weights, &conf), (240 + 60 + 200) / 6.0, EPS);
    assert_int_equal(conf, 3);
    double zero[SC_CRITERIA] = {0};
    zero[SC_C_NOT_PICKY] = 1;
    assert_float_equal(sc_total(s, zero, &conf), 60, EPS); /* weight-0 criteria do not count */
    assert_int_equal(conf, 3);
}

static void test_decay_halves_per_half_life(void **state)
{
    (void)state;
    sc_params p;
    sc_params_default(&p); /* half-life 180 days */
    assert_float_equal(sc_decay_factor(180 * DAY, p.half_life_ms), 0.5, EPS);
    assert_float_equal(sc_decay_factor(-5, p.half_life_ms), 1, EPS);
    sc_evidence e = {0};
    sc_on_purchase(&e, T0, 100, -1, -1, NULL, 0, &p);
    sc_decay_to(&e, T0 + 360 * DAY, p.half_life_ms);
    assert_float_equal(e.purchases, 0.25, EPS);
    assert_float_equal(e.spend, 25, EPS);
    assert_float_equal(e.repeat_n, 0, EPS);      /* BG/NBD counts are not decayed */
    /* A late event enters with the weight it would have had by now. */
    sc_on_suggestion(&e, T0 + 180 * DAY, &p);
    assert_float_equal(e.suggestions, 0.5, EPS);
}

static void test_silent_customer_falls(void **state)
{
    (void)state;
    sc_params p;
    sc_params_default(&p);
    sc_evidence e = {0};
    for (int i = 0; i < 10; i++)
        sc_on_purchase(&e, T0 + i * 7 * DAY, 100, 100, -1, NULL, 0, &p);
    double now = T0 + 63 * DAY, s[SC_CRITERIA];
    int conf;
    sc_tenant_stats st = {.n = 3, .sf = 3, .sff = 4, .sm = 12, .smm = 50};
    sc_subscores(&e, now, &p, &st, s);
    double before = sc_total(s, p.weights, &conf);
    sc_subscores(&e, now + 180 * DAY, &p, &st, s);
    double after = sc_total(s, p.weights, &conf);
    assert_true(after < before - 10);
}

static void test_top_moves(void **state)
{
    (void)state;
    double before[SC_CRITERIA] = {50, NAN, 70, NAN, 10, NAN, NAN, NAN, 40};
    double after[SC_CRITERIA] = {30, 60, 71, NAN, 10, NAN, NAN, NAN, 45};
    int idx[3];
    double d[3];
    size_t n = sc_top_moves(before, after, 3, idx, d);
    assert_int_equal(n, 3);
    assert_int_equal(idx[0], SC_C_INFLUENCEABLE);  /* unknown -> 60 */
    assert_float_equal(d[0], 60, EPS);
    assert_int_equal(idx[1], SC_C_PURCHASE_POWER);
    assert_float_equal(d[1], -20, EPS);
    assert_int_equal(idx[2], SC_C_PROMO_LOYALTY);
    assert_float_equal(d[2], 5, EPS);
}

/* The distribution's snapshot: each customer's counters decayed to the
 * snapshot's instant, then ln(1 + x) summed. */
static void test_stats_snapshot_at_one_instant(void **state)
{
    (void)state;
    double h = 180 * DAY;
    sc_tenant_stats st = {0};
    /* Seen at the snapshot's instant: f = ln 2, m = 1. */
    sc_stats_add(&st, T0, 1, M_E - 1, T0, h);
    /* Last brought up to date a half-life earlier: 2 purchases and 2 (e - 1)
     * spent then are worth 1 and e - 1 now, the same contribution. */
    sc_stats_add(&st, T0 - h, 2, 2 * (M_E - 1), T0, h);
    /* Net spend below 0 (a refund before its purchase) counts as 0. */
    sc_stats_add(&st, T0, 1, -5, T0, h);
    assert_true(st.n == 3);
    assert_true(fabs(st.sf - 3 * M_LN2) < 1e-12);
    assert_true(fabs(st.sff - 3 * M_LN2 * M_LN2) < 1e-12);
    assert_true(fabs(st.sm - 2) < 1e-12);
    assert_true(fabs(st.smm - 2) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_customer_knows_nothing),
        cmocka_unit_test(test_purchase_power_uses_tenant_distribution),
        cmocka_unit_test(test_influenceable),
        cmocka_unit_test(test_not_picky),
        cmocka_unit_test(test_short_negotiation),
        cmocka_unit_test(test_price_insensitive),
        cmocka_unit_test(test_word_of_mouth_and_suggestions),
        cmocka_unit_test(test_cooperation),
        cmocka_unit_test(test_promo_loyalty),
        cmocka_unit_test(test_total_renormalises_over_known),
        cmocka_unit_test(test_decay_halves_per_half_life),
        cmocka_unit_test(test_silent_customer_falls),
        cmocka_unit_test(test_top_moves),
        cmocka_unit_test(test_stats_snapshot_at_one_instant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
