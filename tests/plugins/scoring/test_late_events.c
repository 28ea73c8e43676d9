/*
 * test_late_events.c - the evidence a customer's events leave is the same
 * whatever order they arrive in (issue 18), with exact expected values: a
 * late first purchase, exposure to promotions cut anywhere, a refund before
 * its purchase, a deal won before its opening, referral conversions and
 * withdrawals, and the tenant distribution's snapshot.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "evidence.h"

#define DAY SC_DAY_MS
#define T0 1300000000000.0 /* an arbitrary instant (2011-03-13) */
#define HALF (180 * DAY)   /* the default half-life */

static void near(const char *what, double got, double want)
{
    if (!(fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want))))
        fail_msg("%s: %.17g, want %.17g", what, got, want);
}

static sc_params params(void)
{
    sc_params p;
    sc_params_default(&p);
    return p;
}

/* Decayed days of [from, to) seen at `at`, in days since T0: the integral
 * of 2^-((at - s) / half-life). */
static double days(double from, double to, double at)
{
    double k = M_LN2 / HALF;
    return (exp(-k * (at - to) * DAY) - exp(-k * (at - from) * DAY)) / k / DAY;
}

/* Every field that is a fact of the events, equal in both. */
static void same_facts(const sc_evidence *a, const sc_evidence *b)
{
    near("first", a->first_purchase_ms, b->first_purchase_ms);
    near("last", a->last_purchase_ms, b->last_purchase_ms);
    near("x", a->repeat_n, b->repeat_n);
    /* Decayed counters compare at a common instant. */
    sc_evidence x = *a, y = *b;
    double at = fmax(x.ref_ms, y.ref_ms);
    sc_decay_to(&x, at, HALF);
    sc_decay_to(&y, at, HALF);
    near("purchases", x.purchases, y.purchases);
    near("spend", x.spend, y.spend);
    near("refunds", x.refunds, y.refunds);
    near("deals_closed", x.deals_closed, y.deals_closed);
    near("deal_points", x.deal_points, y.deal_points);
    near("priced", x.priced, y.priced);
    near("promo_days", x.promo_days, y.promo_days);
    near("base_days", x.base_days, y.base_days);
    near("promo_purchases", x.promo_purchases, y.promo_purchases);
    near("base_purchases", x.base_purchases, y.base_purchases);
}

static void buy(sc_evidence *e, double day, const sc_promo *promos, size_t n, const sc_params *p)
{
    sc_on_purchase(e, T0 + day * DAY, 10, -1, -1, promos, n, p);
}

static void test_late_first_purchase_becomes_the_first(void **state)
{
    (void)state;
    sc_params p = params();
    sc_promo promo[] = {{(int64_t)(T0 + 5 * DAY), (int64_t)(T0 + 15 * DAY)}};
    sc_evidence ordered = {0}, late = {0};
    buy(&ordered, 0, promo, 1, &p);
    buy(&ordered, 10, promo, 1, &p);
    buy(&ordered, 20, promo, 1, &p);
    /* the same purchases, the latest first */
    assert_true(sc_on_purchase(&late, T0 + 20 * DAY, 10, -1, -1, promo, 1, &p));
    assert_true(sc_on_purchase(&late, T0 + 10 * DAY, 10, -1, -1, promo, 1, &p));
    assert_true(sc_on_purchase(&late, T0, 10, -1, -1, promo, 1, &p));
    same_facts(&ordered, &late);
    near("first", late.first_purchase_ms, T0);
    near("last", late.last_purchase_ms, T0 + 20 * DAY);
    near("x", late.repeat_n, 2);
    /* day 10 was inside the promotion, day 20 outside; day 0 is the first */
    sc_decay_to(&late, T0 + 20 * DAY, HALF);
    near("promo purchases", late.promo_purchases, exp2(-10.0 / 180));
    near("base purchases", late.base_purchases, 1);
    near("promo days", late.promo_days, days(5, 15, 20));
    near("base days", late.base_days, days(0, 5, 20) + days(15, 20, 20));
    /* a purchase between first and last is a repeat, not the first */
    assert_false(sc_on_purchase(&late, T0 + 12 * DAY, 10, -1, -1, promo, 1, &p));
    near("x after a late repeat", late.repeat_n, 3);
}

static void test_exposure_does_not_depend_on_its_cuts(void **state)
{
    (void)state;
    sc_params p = params();
    sc_promo promos[] = {{(int64_t)(T0 + 3 * DAY), (int64_t)(T0 + 9 * DAY)},
                         {(int64_t)(T0 + 7 * DAY), (int64_t)(T0 + 12 * DAY)}};   /* overlapping */
    sc_evidence once = {0}, cut = {0};
    buy(&once, 0, promos, 2, &p);
    buy(&cut, 0, promos, 2, &p);
    sc_account_promos(&once, T0 + 30 * DAY, promos, 2, &p);
    for (int day = 1; day <= 30; day += 4)   /* re-checks at days 1, 5, ..., 29 */
        sc_account_promos(&cut, T0 + day * DAY, promos, 2, &p);
    sc_account_promos(&cut, T0 + 30 * DAY, promos, 2, &p);
    same_facts(&once, &cut);
    near("promo days", once.promo_days, days(3, 12, 30));
    near("base days", once.base_days, days(0, 3, 30) + days(12, 30, 30));
}

static void test_refund_before_its_purchase(void **state)
{
    (void)state;
    sc_params p = params();
    sc_evidence ordered = {0}, late = {0};
    sc_on_purchase(&ordered, T0, 80, -1, -1, NULL, 0, &p);
    sc_on_refund(&ordered, T0 + 2 * DAY, 50, &p);
    sc_on_refund(&late, T0 + 2 * DAY, 50, &p);
    near("a refund alone is worth nothing", sc_monetary(&late), 0);
    sc_on_purchase(&late, T0, 80, -1, -1, NULL, 0, &p);
    same_facts(&ordered, &late);
    near("net spend", sc_monetary(&late), 80 * exp2(-2.0 / 180) - 50);
}

static void test_deal_won_before_its_opening(void **state)
{
    (void)state;
    sc_params p = params();
    uint64_t d = sc_deal_hash("D1", 2);
    sc_evidence ordered = {0}, late = {0};
    sc_on_deal_opened(&ordered, T0, d, &p);
    sc_on_deal_closed(&ordered, T0 + 7 * DAY, d, true, &p);
    sc_on_deal_closed(&late, T0 + 7 * DAY, d, true, &p);
    near("no evidence before the opening", late.deals_closed, 0);
    sc_on_deal_opened(&late, T0, d, &p);
    same_facts(&ordered, &late);
    near("deals", late.deals_closed, 1);
    near("speed: won after half the negotiation half-life", late.deal_points, M_SQRT1_2);
    /* an opening after the close is a new negotiation: the close stays without one */
    sc_evidence reopened = {0};
    sc_on_deal_closed(&reopened, T0, d, false, &p);
    sc_on_deal_opened(&reopened, T0 + DAY, d, &p);
    near("a later opening completes nothing", reopened.deals_closed, 0);
    sc_on_deal_closed(&reopened, T0 + 2 * DAY, d, true, &p);
    near("it closes itself", reopened.deal_points, exp2(-1.0 / 14));
}

static void test_referral_conversion_time(void **state)
{
    (void)state;
    double grace = DAY;
    near("no purchase", sc_referral_conversion_ms(0, T0, grace), 0);
    near("bought after the link: at the purchase", sc_referral_conversion_ms(T0 + DAY, T0, grace), T0 + DAY);
    near("bought within the grace before: at the link",
         sc_referral_conversion_ms(T0 - DAY / 2, T0, grace), T0);
    near("exactly the grace before", sc_referral_conversion_ms(T0 - DAY, T0, grace), T0);
    near("a customer before the link", sc_referral_conversion_ms(T0 - 2 * DAY, T0, grace), 0);
}

static void test_withdrawn_credit_leaves_nothing(void **state)
{
    (void)state;
    sc_params p = params();
    sc_evidence e = {0};
    sc_on_referral_made(&e, T0 + DAY, &p);
    sc_on_referral_converted(&e, T0 + 2 * DAY, &p);
    sc_on_suggestion(&e, T0 + 30 * DAY, &p);          /* later evidence: the credits are "late" */
    sc_on_referral_withdrawn(&e, T0 + DAY, false, &p);
    sc_on_referral_withdrawn(&e, T0 + 2 * DAY, true, &p);
    near("referrals", e.referrals, 0);
    near("converted", e.referrals_converted, 0);
}

static void test_purchase_before_a_touch_converts_nothing(void **state)
{
    (void)state;
    sc_params p = params();
    sc_evidence e = {0};
    sc_on_care(&e, T0 + 5 * DAY, &p);
    buy(&e, 3, NULL, 0, &p);                           /* late, and before the touch */
    near("still pending", e.care_pending, 1);
    near("converted", e.care_converted, 0);
    buy(&e, 6, NULL, 0, &p);                           /* after it, inside the window */
    near("converted by the purchase after it", e.care_converted, exp2(-1.0 / 180));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_first_purchase_becomes_the_first),
        cmocka_unit_test(test_exposure_does_not_depend_on_its_cuts),
        cmocka_unit_test(test_refund_before_its_purchase),
        cmocka_unit_test(test_deal_won_before_its_opening),
        cmocka_unit_test(test_referral_conversion_time),
        cmocka_unit_test(test_withdrawn_credit_leaves_nothing),
        cmocka_unit_test(test_purchase_before_a_touch_converts_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
