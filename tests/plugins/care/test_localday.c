/*
 * test_localday.c - due times on the customer's wall clock across DST
 * changes (Europe/London spring and autumn, America/New_York), and quiet
 * hours that wrap midnight, in London and Asia/Shanghai.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "localday.h"
#include "localtime.h"

static const cr_tz zones = {rp_tz_to_local, rp_tz_from_local};

#define TEN_AM (10 * 60)
#define NINE_AM (9 * 60)
#define NINE_PM (21 * 60)

static void test_two_days_later_over_london_spring_change(void **state)
{
    (void)state;
    int64_t due;
    /* Fri 2026-03-27 12:00 GMT; clocks go forward Sun 29 March 01:00 UTC. */
    assert_true(cr_days_later_at(&zones, "Europe/London", 1774612800000LL, 2, TEN_AM, &due));
    assert_int_equal(due, 1774774800000LL);            /* Sun 29 March 10:00 BST = 09:00 UTC */
    assert_true(cr_days_later_at(&zones, "Europe/London", 1774612800000LL, 1, TEN_AM, &due));
    assert_int_equal(due, 1774692000000LL);            /* Sat 28 March 10:00 GMT */
    assert_int_equal(1774774800000LL - 1774692000000LL, 23 * 3600000LL); /* a 23-hour day */
}

static void test_two_days_later_over_london_autumn_change(void **state)
{
    (void)state;
    int64_t due;
    /* Sat 2026-10-24 12:00 BST; clocks go back Sun 25 October. */
    assert_true(cr_days_later_at(&zones, "Europe/London", 1792839600000LL, 2, TEN_AM, &due));
    assert_int_equal(due, 1793008800000LL);            /* Mon 26 October 10:00 GMT */
}

static void test_local_date_not_utc_date(void **state)
{
    (void)state;
    int64_t due;
    /* Sat 2026-03-07 23:30 in New York is already Sunday in UTC; DST starts
     * on Sunday 8 March. Two local days later is Monday 9 March 10:00 EDT. */
    assert_true(cr_days_later_at(&zones, "America/New_York", 1772944200000LL, 2, TEN_AM, &due));
    assert_int_equal(due, 1773064800000LL);
    cr_date d;
    assert_true(cr_local_date(&zones, "America/New_York", 1772944200000LL, &d));
    assert_int_equal(d.day, 7);
}

static void test_quiet_hours_wrap_midnight(void **state)
{
    (void)state;
    int64_t out;
    /* London 22:30 on Sat 28 March -> 09:00 BST next morning (after the change). */
    assert_true(cr_quiet_shift(&zones, "Europe/London", 1774737000000LL, NINE_PM, NINE_AM, &out));
    assert_int_equal(out, 1774771200000LL);
    /* 07:00 on Sunday -> 09:00 the same morning. */
    assert_true(cr_quiet_shift(&zones, "Europe/London", 1774764000000LL, NINE_PM, NINE_AM, &out));
    assert_int_equal(out, 1774771200000LL);
    /* 10:00 is outside: unchanged. */
    assert_true(cr_quiet_shift(&zones, "Europe/London", 1774774800000LL, NINE_PM, NINE_AM, &out));
    assert_int_equal(out, 1774774800000LL);
    /* Shanghai 23:30 Fri 27 March -> 09:00 Sat 28 March CST. */
    assert_true(cr_quiet_shift(&zones, "Asia/Shanghai", 1774625400000LL, NINE_PM, NINE_AM, &out));
    assert_int_equal(out, 1774659600000LL);
    /* Exactly at the start is quiet; one minute before is not. */
    assert_true(cr_quiet_shift(&zones, "Asia/Shanghai", 1774616400000LL, NINE_PM, NINE_AM, &out));
    assert_int_equal(out, 1774659600000LL);
    assert_true(cr_quiet_shift(&zones, "Asia/Shanghai", 1774616400000LL - 60000, NINE_PM, NINE_AM,
                               &out));
    assert_int_equal(out, 1774616400000LL - 60000);
}

static void test_quiet_hours_same_day_and_none(void **state)
{
    (void)state;
    int64_t out;
    /* Lunch-time quiet 12:00-14:00 in Shanghai: 13:00 -> 14:00. */
    int64_t one_pm = 1774659600000LL + 4 * 3600000LL;
    assert_true(cr_quiet_shift(&zones, "Asia/Shanghai", one_pm, 12 * 60, 14 * 60, &out));
    assert_int_equal(out, one_pm + 3600000LL);
    /* start == end: no quiet hours. */
    assert_true(cr_quiet_shift(&zones, "Asia/Shanghai", one_pm, 0, 0, &out));
    assert_int_equal(out, one_pm);
    assert_false(cr_quiet_shift(&zones, "Mars/Olympus", one_pm, NINE_PM, NINE_AM, &out));
}

static void test_parse_hhmm(void **state)
{
    (void)state;
    int m;
    assert_true(cr_parse_hhmm("09:30", &m));
    assert_int_equal(m, 570);
    assert_true(cr_parse_hhmm("00:00", &m));
    assert_int_equal(m, 0);
    assert_false(cr_parse_hhmm("24:00", &m));
    assert_false(cr_parse_hhmm("9:30", &m));
    assert_false(cr_parse_hhmm("09:60", &m));
    assert_false(cr_parse_hhmm("09:30x", &m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_days_later_over_london_spring_change),
        cmocka_unit_test(test_two_days_later_over_london_autumn_change),
        cmocka_unit_test(test_local_date_not_utc_date),
        cmocka_unit_test(test_quiet_hours_wrap_midnight),
        cmocka_unit_test(test_quiet_hours_same_day_and_none),
        cmocka_unit_test(test_parse_hhmm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
