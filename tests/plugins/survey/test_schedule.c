/*
 * test_schedule.c - when surveys go out: N local calendar days after the
 * trigger at the send hour (across DST in London and New York), the next
 * quarter's first day (Shanghai, London over a year end), and month and
 * quarter labels in the zone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "localtime.h"
#include "schedule.h"

static int64_t after_days(const char *tz, int64_t from, int days)
{
    int64_t due = 0;
    assert_true(sv_schedule_after_days(rp_tz_to_local, rp_tz_from_local, tz, from, days, 10, &due));
    return due;
}

static int64_t next_quarter(const char *tz, int64_t from)
{
    int64_t due = 0;
    assert_true(sv_schedule_next_quarter(rp_tz_to_local, rp_tz_from_local, tz, from, 10, &due));
    return due;
}

static void test_day_seven(void **state)
{
    (void)state;
    /* Monday 2026-03-23 15:00 GMT -> Monday 2026-03-30 10:00 BST = 09:00Z */
    assert_int_equal(after_days("Europe/London", 1774278000000LL, 7), 1774861200000LL);
    /* Wednesday 2026-10-28 10:00 EDT -> 2026-11-04 10:00 EST = 15:00Z */
    assert_int_equal(after_days("America/New_York", 1793196000000LL, 7), 1793804400000LL);
    /* the local date decides: 2026-03-31 23:30Z is already April 1st in London */
    assert_int_equal(after_days("Europe/London", 1774999800000LL, 0), 1775034000000LL);
}

static void test_next_quarter(void **state)
{
    (void)state;
    /* 2026-02-15 in Shanghai -> 2026-04-01 10:00 CST = 02:00Z */
    assert_int_equal(next_quarter("Asia/Shanghai", 1771156800000LL), 1775008800000LL);
    /* 2026-11-20 in London -> 2027-01-01 10:00 GMT */
    assert_int_equal(next_quarter("Europe/London", 1795176000000LL), 1798797600000LL);
}

static void test_labels(void **state)
{
    (void)state;
    char buf[16];
    assert_true(sv_month_label(rp_tz_to_local, "Europe/London", 1774999800000LL, buf, sizeof buf));
    assert_string_equal(buf, "2026-04");
    assert_true(sv_month_label(rp_tz_to_local, "UTC", 1774999800000LL, buf, sizeof buf));
    assert_string_equal(buf, "2026-03");
    assert_true(sv_quarter_label(rp_tz_to_local, "UTC", 1774999800000LL, buf, sizeof buf));
    assert_string_equal(buf, "2026-Q1");
    assert_true(sv_quarter_label(rp_tz_to_local, "Asia/Shanghai", 1774999800000LL, buf, sizeof buf));
    assert_string_equal(buf, "2026-Q2");
    assert_false(sv_month_label(rp_tz_to_local, "Mars/Olympus", 0, buf, sizeof buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_seven),
        cmocka_unit_test(test_next_quarter),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
