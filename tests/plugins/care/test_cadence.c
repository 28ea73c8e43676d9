/*
 * test_cadence.c - the regular-contact interval by tier and churn risk,
 * with the documented defaults, and the configuration lists behind it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cadence.h"

#define DAY 86400000LL

static cr_cadence defaults(void)
{
    cr_cadence c = {.min_interval_ms = 3 * DAY};
    char err[128];
    assert_true(cr_pairs_parse("vip:14d,key:21d,ordinary:30d,small:60d,potential:90d",
                               &c.tier_interval, err, sizeof err));
    assert_true(cr_pairs_parse("high:0.5,medium:0.75,low:1,unknown:1", &c.risk_factor, err,
                               sizeof err));
    return c;
}

static void test_by_tier_and_risk(void **state)
{
    (void)state;
    cr_cadence c = defaults();
    assert_int_equal(cr_cadence_ms(&c, "vip", "low"), 14 * DAY);
    assert_int_equal(cr_cadence_ms(&c, "vip", "high"), 7 * DAY);      /* core, rising risk: sooner */
    assert_int_equal(cr_cadence_ms(&c, "key", "medium"), 15 * DAY + DAY / 2 + DAY / 4);
    assert_int_equal(cr_cadence_ms(&c, "ordinary", "low"), 30 * DAY);
    assert_int_equal(cr_cadence_ms(&c, "small", "low"), 60 * DAY);     /* low value, low risk: rarely */
    assert_int_equal(cr_cadence_ms(&c, "small", "high"), 30 * DAY);
}

static void test_unknowns_fall_back(void **state)
{
    (void)state;
    cr_cadence c = defaults();
    /* No scoring row: tier potential, risk unknown. */
    assert_int_equal(cr_cadence_ms(&c, NULL, NULL), 90 * DAY);
    assert_int_equal(cr_cadence_ms(&c, "platinum", "weird"), 90 * DAY);
    /* The floor holds whatever the factors say. */
    cr_cadence fast = defaults();
    char err[128];
    assert_true(cr_pairs_parse("vip:2d", &fast.tier_interval, err, sizeof err));
    assert_int_equal(cr_cadence_ms(&fast, "vip", "high"), 3 * DAY);
}

static void test_pairs_parse(void **state)
{
    (void)state;
    cr_pairs p;
    char err[128];
    assert_true(cr_pairs_parse("see_off:0d, greeting:2d,usage_check:1w", &p, err, sizeof err));
    assert_int_equal(p.count, 3);
    assert_true(cr_pairs_find(&p, "greeting")->has_unit);
    assert_true(cr_pairs_find(&p, "usage_check")->value == 7 * 86400e3);
    assert_null(cr_pairs_find(&p, "nope"));
    assert_true(cr_pairs_parse("", &p, err, sizeof err));
    assert_int_equal(p.count, 0);
    assert_false(cr_pairs_parse("vip14d", &p, err, sizeof err));
    assert_string_equal(err, "bad entry \"vip14d\" (want name:number[unit])");
    assert_false(cr_pairs_parse("vip:-1", &p, err, sizeof err));
    assert_false(cr_pairs_parse("vip:3y", &p, err, sizeof err));
    double ms;
    assert_true(cr_parse_duration("15m", &ms));
    assert_true(ms == 900e3);
    assert_true(cr_parse_duration("2", &ms));
    assert_true(ms == 2 * 86400e3);
    assert_false(cr_parse_duration("x", &ms));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_tier_and_risk),
        cmocka_unit_test(test_unknowns_fall_back),
        cmocka_unit_test(test_pairs_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
