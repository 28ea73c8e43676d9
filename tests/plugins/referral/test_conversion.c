/*
 * test_conversion.c - the conversion window at its boundaries (grace before,
 * window after, both inclusive), preexisting and expired referrals, and days
 * to convert counted on the referee's local calendar; "first" by event time
 * (the earlier time, ties the smaller event id) whatever the arrival order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conversion.h"
#include "localtime.h"

#define DAY 86400000LL
#define T0 1700000000000LL

static const int64_t WINDOW = 30 * DAY;
static const int64_t GRACE = DAY;

static rf_conversion check(int64_t purchase, int64_t now)
{
    return rf_conversion_check(T0, purchase, now, WINDOW, GRACE);
}

static void test_window_boundaries(void **state)
{
    (void)state;
    assert_int_equal(check(T0, T0), RF_CONV_CONVERTED);
    assert_int_equal(check(T0 + WINDOW, T0 + WINDOW), RF_CONV_CONVERTED);      /* last instant */
    assert_int_equal(check(T0 + WINDOW + 1, T0 + WINDOW + 1), RF_CONV_EXPIRED);
    assert_int_equal(check(T0 - GRACE, T0), RF_CONV_CONVERTED);                /* recorded a day late */
    assert_int_equal(check(T0 - GRACE - 1, T0), RF_CONV_PREEXISTING);
    assert_int_equal(check(-1, T0 + WINDOW), RF_CONV_PENDING);
    assert_int_equal(check(-1, T0 + WINDOW + 1), RF_CONV_EXPIRED);
    /* no grace at all */
    assert_int_equal(rf_conversion_check(T0, T0 - 1, T0, WINDOW, 0), RF_CONV_PREEXISTING);
    assert_string_equal(rf_conversion_name(RF_CONV_CONVERTED), "converted");
    assert_string_equal(rf_conversion_name(RF_CONV_PREEXISTING), "preexisting");
    assert_string_equal(rf_conversion_name(RF_CONV_EXPIRED), "expired");
    assert_string_equal(rf_conversion_name(RF_CONV_PENDING), "pending");
}

/* The first purchase (or first report of a link) is the same whatever order
 * the candidates come in: folding rf_comes_first over every permutation of
 * four events, two at the same instant, always keeps p-a at T0. */
static void test_first_by_event_time(void **state)
{
    (void)state;
    assert_true(rf_comes_first(T0, "p-z", -1, NULL));           /* nothing yet */
    assert_true(rf_comes_first(T0, "p-z", T0 + 1, "p-a"));      /* earlier wins */
    assert_false(rf_comes_first(T0 + 1, "p-a", T0, "p-z"));
    assert_true(rf_comes_first(T0, "p-a", T0, "p-b"));          /* tie: smaller id */
    assert_false(rf_comes_first(T0, "p-b", T0, "p-a"));
    assert_false(rf_comes_first(T0, "p-a", T0, "p-a"));         /* the same event again */
    assert_true(rf_comes_first(T0, "p-a", T0, NULL));           /* a row stored without an id loses a tie */
    static const int64_t ts[4] = {T0 + DAY, T0, T0, T0 + 2 * DAY};
    static const char *const ids[4] = {"p-0", "p-b", "p-a", "p-1"};
    int order[4] = {0, 1, 2, 3};
    for (int n = 0; n < 24; n++) {
        /* the n-th permutation (factorial number system) */
        int pool[4] = {0, 1, 2, 3}, left = 4, code = n;
        for (int k = 0; k < 4; k++) {
            int fact = k == 0 ? 6 : k == 1 ? 2 : 1, pick = k < 3 ? code / fact : 0;
            code = k < 3 ? code % fact : 0;
            order[k] = pool[pick];
            for (int j = pick; j < left - 1; j++)
                pool[j] = pool[j + 1];
            left--;
        }
        int64_t first_ms = -1;
        const char *first_id = NULL;
        for (int k = 0; k < 4; k++)
            if (rf_comes_first(ts[order[k]], ids[order[k]], first_ms, first_id)) {
                first_ms = ts[order[k]];
                first_id = ids[order[k]];
            }
        assert_int_equal(first_ms, T0);
        assert_string_equal(first_id, "p-a");
    }
}

static void test_civil_days(void **state)
{
    (void)state;
    assert_int_equal(rf_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(rf_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(rf_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(rf_days_from_civil(2023, 11, 14), 19675); /* T0's UTC date */
    assert_int_equal(rf_days_to_convert(2024, 2, 28, 2024, 3, 1), 2);  /* leap year */
    assert_int_equal(rf_days_to_convert(2023, 2, 28, 2023, 3, 1), 1);
    assert_int_equal(rf_days_to_convert(2023, 12, 31, 2024, 1, 1), 1);
    assert_int_equal(rf_days_to_convert(2024, 1, 1, 2025, 1, 1), 366);
    assert_int_equal(rf_days_to_convert(2024, 5, 3, 2024, 5, 2), 0);   /* inside the grace */
}

static int64_t local_days(const char *tz, int64_t utc_ms, int64_t referred_ms)
{
    rp_local_time r, p;
    assert_true(rp_tz_to_local(tz, referred_ms, &r));
    assert_true(rp_tz_to_local(tz, utc_ms, &p));
    return rf_days_to_convert(r.year, r.month, r.day, p.year, p.month, p.day);
}

/* 2024-06-01 22:00Z and 2024-06-02 01:00Z are different UTC dates but the
 * same evening in New York; across the 2024-03-10 DST change a 24 h gap is
 * still one local day. */
static void test_days_in_referee_time_zone(void **state)
{
    (void)state;
    int64_t referred = 1717279200000LL; /* 2024-06-01T22:00:00Z */
    int64_t bought = referred + 3 * 3600000LL;
    assert_int_equal(local_days("UTC", bought, referred), 1);
    assert_int_equal(local_days("America/New_York", bought, referred), 0);
    assert_int_equal(local_days("Asia/Tokyo", bought, referred), 0);   /* 07:00 and 10:00 on 06-02 */
    int64_t before_dst = 1709996400000LL;                                /* 2024-03-09T15:00:00Z */
    assert_int_equal(local_days("America/New_York", before_dst + DAY, before_dst), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_boundaries),
        cmocka_unit_test(test_first_by_event_time),
        cmocka_unit_test(test_civil_days),
        cmocka_unit_test(test_days_in_referee_time_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
