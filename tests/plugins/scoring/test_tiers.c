/*
 * test_tiers.c - tier placement, promotion and demotion with hysteresis
 * (no flapping across a boundary), dwell time, tier sets and risk levels.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "tiers.h"

#define DAY 86400000LL
#define T0 1300000000000LL

static sc_tier_rules rules(void)
{
    sc_tier_rules r;
    sc_tier_rules_default(&r); /* margin 3; dwell 14 days */
    /* Round thresholds for hand-checkable cases (the defaults are 88/78/50/30). */
    r.threshold[SC_TIER_VIP] = 80;
    r.threshold[SC_TIER_KEY] = 65;
    r.threshold[SC_TIER_ORDINARY] = 45;
    r.threshold[SC_TIER_SMALL] = 25;
    return r;
}

static void test_plain_placement(void **state)
{
    (void)state;
    sc_tier_rules r = rules();
    assert_int_equal(sc_tier_plain(&r, 85, true), SC_TIER_VIP);
    assert_int_equal(sc_tier_plain(&r, 80, true), SC_TIER_VIP);
    assert_int_equal(sc_tier_plain(&r, 79.9, true), SC_TIER_KEY);
    assert_int_equal(sc_tier_plain(&r, 50, true), SC_TIER_ORDINARY);
    assert_int_equal(sc_tier_plain(&r, 30, true), SC_TIER_SMALL);
    assert_int_equal(sc_tier_plain(&r, 10, true), SC_TIER_POTENTIAL);
    assert_int_equal(sc_tier_plain(&r, 95, false), SC_TIER_POTENTIAL); /* no purchase yet */
    assert_int_equal(sc_tier_plain(&r, NAN, true), SC_TIER_POTENTIAL);
    int64_t blocked;
    assert_int_equal(sc_tier_next(&r, SC_TIER_NONE, 0, T0, 70, true, false, &blocked), SC_TIER_KEY);
}

static void test_hysteresis_band(void **state)
{
    (void)state;
    sc_tier_rules r = rules();
    int64_t blocked, since = T0 - 30 * DAY;
    /* key (65) holds from 62 up to 83 exclusive. */
    assert_int_equal(sc_tier_next(&r, SC_TIER_KEY, since, T0, 62, true, false, &blocked), SC_TIER_KEY);
    assert_int_equal(sc_tier_next(&r, SC_TIER_KEY, since, T0, 82.9, true, false, &blocked), SC_TIER_KEY);
    assert_int_equal(sc_tier_next(&r, SC_TIER_KEY, since, T0, 83, true, false, &blocked), SC_TIER_VIP);
    assert_int_equal(sc_tier_next(&r, SC_TIER_KEY, since, T0, 61.9, true, false, &blocked),
                     SC_TIER_ORDINARY);
    assert_int_equal(blocked, 0);
}

static void test_no_flapping_across_a_boundary(void **state)
{
    (void)state;
    sc_tier_rules r = rules();
    sc_tier tier = SC_TIER_ORDINARY;
    int64_t since = T0 - 100 * DAY, blocked;
    int changes = 0;
    /* A score oscillating 63 <-> 67 around the key threshold (65), daily for
     * 60 days, never clears 68 and never falls under 42: no move at all. */
    for (int day = 0; day < 60; day++) {
        double score = day % 2 ? 67 : 63;
        sc_tier next = sc_tier_next(&r, tier, since, T0 + day * DAY, score, true, false, &blocked);
        if (next != tier) {
            changes++;
            tier = next;
            since = T0 + day * DAY;
        }
    }
    assert_int_equal(changes, 0);
    assert_int_equal(tier, SC_TIER_ORDINARY);
    /* Once promoted (score 70), the same oscillation keeps it in key. */
    tier = sc_tier_next(&r, tier, since, T0 + 60 * DAY, 70, true, false, &blocked);
    assert_int_equal(tier, SC_TIER_KEY);
    since = T0 + 60 * DAY;
    for (int day = 61; day < 120; day++) {
        double score = day % 2 ? 67 : 63;
        assert_int_equal(sc_tier_next(&r, tier, since, T0 + day * DAY, score, true, false, &blocked),
                         SC_TIER_KEY);
    }
}

static void test_dwell_time(void **state)
{
    (void)state;
    sc_tier_rules r = rules();
    int64_t blocked, since = T0;
    /* Promoted to key at T0; a collapse 3 days later waits out the dwell. */
    assert_int_equal(sc_tier_next(&r, SC_TIER_KEY, since, T0 + 3 * DAY, 20, true, false, &blocked),
                     SC_TIER_KEY);
    assert_int_equal(blocked, T0 + 14 * DAY);
    assert_int_equal(sc_tier_next(&r, SC_TIER_KEY, since, T0 + 14 * DAY, 20, true, false, &blocked),
                     SC_TIER_POTENTIAL);
    /* A first purchase (or an expired pin) waives the dwell. */
    assert_int_equal(sc_tier_next(&r, SC_TIER_POTENTIAL, since, T0 + DAY, 70, true, true, &blocked),
                     SC_TIER_KEY);
}

static void test_demotion_all_the_way(void **state)
{
    (void)state;
    sc_tier_rules r = rules();
    int64_t blocked, since = T0 - 30 * DAY;
    assert_int_equal(sc_tier_next(&r, SC_TIER_VIP, since, T0, 76.9, true, false, &blocked), SC_TIER_KEY);
    assert_int_equal(sc_tier_next(&r, SC_TIER_VIP, since, T0, 77, true, false, &blocked), SC_TIER_VIP);
    assert_int_equal(sc_tier_next(&r, SC_TIER_VIP, since, T0, 30, true, false, &blocked), SC_TIER_SMALL);
    assert_int_equal(sc_tier_next(&r, SC_TIER_VIP, since, T0, 5, true, false, &blocked), SC_TIER_POTENTIAL);
    /* potential -> small needs 28 */
    assert_int_equal(sc_tier_next(&r, SC_TIER_POTENTIAL, since, T0, 27, true, false, &blocked),
                     SC_TIER_POTENTIAL);
    assert_int_equal(sc_tier_next(&r, SC_TIER_POTENTIAL, since, T0, 28, true, false, &blocked),
                     SC_TIER_SMALL);
}

/* The items of a list setting, as the host hands them over. */
#define ITEMS(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

static void test_tier_sets(void **state)
{
    (void)state;
    unsigned mask;
    char bad[32];
    assert_true(sc_tier_set_parse(ITEMS("vip", "key"), &mask, bad, sizeof bad));
    assert_int_equal(mask, (1u << SC_TIER_VIP) | (1u << SC_TIER_KEY));
    assert_true(sc_tier_set_parse(ITEMS("vip", "ordinary"), &mask, bad, sizeof bad));
    assert_int_equal(mask, (1u << SC_TIER_VIP) | (1u << SC_TIER_ORDINARY));
    assert_false(sc_tier_set_parse(ITEMS("vip", "gold"), &mask, bad, sizeof bad));
    assert_string_equal(bad, "gold");
    assert_int_equal(sc_tier_parse("small"), SC_TIER_SMALL);
    assert_int_equal(sc_tier_parse("Small"), SC_TIER_NONE);
}

static void test_risk_levels(void **state)
{
    (void)state;
    sc_risk_levels lv;
    char err[200];
    assert_true(sc_risk_parse(ITEMS("high<0.3", "medium<0.6", "low"), &lv, err, sizeof err));
    assert_int_equal(lv.count, 3);
    assert_string_equal(sc_risk_level(&lv, 0.1), "high");
    assert_string_equal(sc_risk_level(&lv, 0.3), "medium");
    assert_string_equal(sc_risk_level(&lv, 0.59), "medium");
    assert_string_equal(sc_risk_level(&lv, 0.6), "low");
    assert_string_equal(sc_risk_level(&lv, 1.0), "low");
    assert_string_equal(sc_risk_level(&lv, NAN), "unknown");
    assert_false(sc_risk_parse(ITEMS("high<0.6", "medium<0.3", "low"), &lv, err, sizeof err));
    assert_non_null(strstr(err, "medium<0.3"));
    assert_false(sc_risk_parse(ITEMS("high<0.3", "low<0.9"), &lv, err, sizeof err));
    assert_non_null(strstr(err, "last level"));
    assert_false(sc_risk_parse(ITEMS("low"), &lv, err, sizeof err));
    assert_false(sc_risk_parse(ITEMS("high<x", "low"), &lv, err, sizeof err));
    assert_false(sc_risk_parse(ITEMS("high<", "low"), &lv, err, sizeof err));
    assert_false(sc_risk_parse(ITEMS("<0.3", "low"), &lv, err, sizeof err));
    assert_false(sc_risk_parse(ITEMS("a-name-of-twenty-four-by<0.3", "low"), &lv, err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_placement),
        cmocka_unit_test(test_hysteresis_band),
        cmocka_unit_test(test_no_flapping_across_a_boundary),
        cmocka_unit_test(test_dwell_time),
        cmocka_unit_test(test_demotion_all_the_way),
        cmocka_unit_test(test_tier_sets),
        cmocka_unit_test(test_risk_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
