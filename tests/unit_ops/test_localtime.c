/* test_localtime.c - IANA zones through ICU, across DST transitions, with
 * instants computed independently (zdump). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "localtime.h"

static void expect_local(const char *tz, int64_t utc_ms, int y, int mo, int d, int h, int mi, int wd, int off)
{
    rp_local_time t;
    assert_true(rp_tz_to_local(tz, utc_ms, &t));
    assert_int_equal(t.year, y);
    assert_int_equal(t.month, mo);
    assert_int_equal(t.day, d);
    assert_int_equal(t.hour, h);
    assert_int_equal(t.minute, mi);
    assert_int_equal(t.weekday, wd);
    assert_int_equal(t.utc_offset_s, off);
}

static void to_local_across_dst(void **state)
{
    /* London: BST starts 2026-03-29 01:00 UTC, ends 2026-10-25 01:00 UTC. */
    expect_local("Europe/London", 1774745999000LL, 2026, 3, 29, 0, 59, 0, 0);      /* 00:59:59 GMT */
    expect_local("Europe/London", 1774746000000LL, 2026, 3, 29, 2, 0, 0, 3600);    /* 02:00 BST */
    expect_local("Europe/London", 1792890000000LL, 2026, 10, 25, 1, 0, 0, 0);      /* 01:00 GMT again */
    /* New York: EDT starts 2026-03-08 07:00 UTC. */
    expect_local("America/New_York", 1772953200000LL, 2026, 3, 8, 3, 0, 0, -14400);
    expect_local("America/New_York", 1772953199000LL, 2026, 3, 8, 1, 59, 0, -18000);
    /* Kolkata: +05:30, no DST. */
    expect_local("Asia/Kolkata", 0, 1970, 1, 1, 5, 30, 4, 19800);
    /* Lord Howe: half-hour DST, +11:00 in January. */
    expect_local("Australia/Lord_Howe", 1767225600000LL, 2026, 1, 1, 11, 0, 4, 39600);
}

static void from_local_gap_and_overlap(void **state)
{
    int64_t ms;
    /* 01:30 does not exist in London on 2026-03-29: moved forward by the gap. */
    assert_true(rp_tz_from_local("Europe/London", 2026, 3, 29, 1, 30, &ms));
    assert_int_equal(ms, 1774747800000LL);                      /* 02:30 BST = 01:30 UTC */
    /* 01:30 happens twice on 2026-10-25: the first (BST) one. */
    assert_true(rp_tz_from_local("Europe/London", 2026, 10, 25, 1, 30, &ms));
    assert_int_equal(ms, 1792888200000LL);                      /* 00:30 UTC */
    assert_true(rp_tz_from_local("Asia/Kolkata", 1970, 1, 1, 5, 30, &ms));
    assert_int_equal(ms, 0);
}

static void invalid_input(void **state)
{
    int64_t ms;
    rp_local_time t;
    assert_false(rp_tz_is_valid("Mars/Olympus"));
    assert_false(rp_tz_is_valid(""));
    assert_true(rp_tz_is_valid("Europe/London"));
    assert_false(rp_tz_to_local("Not/AZone", 0, &t));
    assert_false(rp_tz_from_local("Europe/London", 2026, 2, 29, 9, 0, &ms));   /* not a leap year */
    assert_true(rp_tz_from_local("Europe/London", 2028, 2, 29, 9, 0, &ms));
    assert_false(rp_tz_from_local("Europe/London", 2026, 13, 1, 9, 0, &ms));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(to_local_across_dst),
        cmocka_unit_test(from_local_gap_and_overlap),
        cmocka_unit_test(invalid_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
