/* test_localtime.c - ICU time zones: instants on both sides of both DST
 * transitions of 2026, gap and overlap resolution, invalid input and use
 * from several threads at once. Expected values were computed independently
 * with Python's zoneinfo (the system tz database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>

#include "localtime.h"

typedef struct local_case {
    const char *tz;
    int64_t utc_ms;
    rp_local_time want;
} local_case;

/* {year, month, day, hour, minute, second, weekday, utc_offset_s} */
static const local_case LOCAL_CASES[] = {
    /* London: BST from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC. */
    {"Europe/London", 1774745999000LL, {2026, 3, 29, 0, 59, 59, 0, 0}},
    {"Europe/London", 1774746000000LL, {2026, 3, 29, 2, 0, 0, 0, 3600}},
    {"Europe/London", 1792889999000LL, {2026, 10, 25, 1, 59, 59, 0, 3600}},
    {"Europe/London", 1792890000000LL, {2026, 10, 25, 1, 0, 0, 0, 0}},
    /* New York: EDT from 2026-03-08 07:00 UTC to 2026-11-01 06:00 UTC. */
    {"America/New_York", 1772953199000LL, {2026, 3, 8, 1, 59, 59, 0, -18000}},
    {"America/New_York", 1772953200000LL, {2026, 3, 8, 3, 0, 0, 0, -14400}},
    {"America/New_York", 1793512799000LL, {2026, 11, 1, 1, 59, 59, 0, -14400}},
    {"America/New_York", 1793512800000LL, {2026, 11, 1, 1, 0, 0, 0, -18000}},
    /* Kolkata: +05:30 all year; the second case crosses into a new year. */
    {"Asia/Kolkata", 1781526896000LL, {2026, 6, 15, 18, 4, 56, 1, 19800}},
    {"Asia/Kolkata", 1798741800000LL, {2027, 1, 1, 0, 0, 0, 5, 19800}},
    {"Asia/Kolkata", 0, {1970, 1, 1, 5, 30, 0, 4, 19800}},
    /* Lord Howe: DST is only 30 minutes (+11:00 <-> +10:30). */
    {"Australia/Lord_Howe", 1775314799000LL, {2026, 4, 5, 1, 59, 59, 0, 39600}},
    {"Australia/Lord_Howe", 1775314800000LL, {2026, 4, 5, 1, 30, 0, 0, 37800}},
    {"Australia/Lord_Howe", 1791041399000LL, {2026, 10, 4, 1, 59, 59, 0, 37800}},
    {"Australia/Lord_Howe", 1791041400000LL, {2026, 10, 4, 2, 30, 0, 0, 39600}},
    /* Proleptic Gregorian: no Julian switch in October 1582. */
    {"UTC", -12219724800000LL, {1582, 10, 10, 0, 0, 0, 0, 0}},
    /* Milliseconds are dropped, not rounded; a leap day. */
    {"UTC", 951825600999LL, {2000, 2, 29, 12, 0, 0, 2, 0}},
};

static void assert_local_equal(const rp_local_time *got, const rp_local_time *want)
{
    assert_int_equal(got->year, want->year);
    assert_int_equal(got->month, want->month);
    assert_int_equal(got->day, want->day);
    assert_int_equal(got->hour, want->hour);
    assert_int_equal(got->minute, want->minute);
    assert_int_equal(got->second, want->second);
    assert_int_equal(got->weekday, want->weekday);
    assert_int_equal(got->utc_offset_s, want->utc_offset_s);
}

static void to_local_across_dst(void **state)
{
    for (size_t i = 0; i < sizeof LOCAL_CASES / sizeof LOCAL_CASES[0]; i++) {
        rp_local_time got;
        print_message("%s %lld\n", LOCAL_CASES[i].tz, (long long)LOCAL_CASES[i].utc_ms);
        assert_true(rp_tz_to_local(LOCAL_CASES[i].tz, LOCAL_CASES[i].utc_ms, &got));
        assert_local_equal(&got, &LOCAL_CASES[i].want);
    }
}

static int64_t from_local(const char *tz, int y, int mo, int d, int h, int mi)
{
    int64_t ms = -1;
    assert_true(rp_tz_from_local(tz, y, mo, d, h, mi, &ms));
    return ms;
}

static void from_local_plain(void **state)
{
    assert_int_equal(from_local("Asia/Kolkata", 1970, 1, 1, 5, 30), 0);
    assert_int_equal(from_local("Asia/Kolkata", 2026, 6, 15, 18, 4), 1781526840000LL);
    assert_int_equal(from_local("Europe/London", 2026, 3, 29, 0, 59), 1774745940000LL);
    assert_int_equal(from_local("UTC", 1582, 10, 10, 0, 0), -12219724800000LL);
}

/* Gap: the wall time moves forward by the length of the gap. */
static void from_local_gap(void **state)
{
    /* London 01:00-02:00 does not exist on 2026-03-29. */
    assert_int_equal(from_local("Europe/London", 2026, 3, 29, 1, 30), 1774747800000LL); /* 02:30 BST */
    assert_int_equal(from_local("Europe/London", 2026, 3, 29, 1, 0), 1774746000000LL);  /* 02:00 BST */
    assert_int_equal(from_local("Europe/London", 2026, 3, 29, 2, 0), 1774746000000LL);  /* first valid */
    /* New York 02:00-03:00 does not exist on 2026-03-08. */
    assert_int_equal(from_local("America/New_York", 2026, 3, 8, 2, 30), 1772955000000LL); /* 03:30 EDT */
    /* Lord Howe 02:00-02:30 does not exist on 2026-10-04: forward 30 min. */
    assert_int_equal(from_local("Australia/Lord_Howe", 2026, 10, 4, 2, 15), 1791042300000LL); /* 02:45 */
}

/* Overlap: the first (earlier, still-DST) instant. */
static void from_local_overlap(void **state)
{
    assert_int_equal(from_local("Europe/London", 2026, 10, 25, 1, 30), 1792888200000LL);   /* 00:30 UTC */
    assert_int_equal(from_local("America/New_York", 2026, 11, 1, 1, 30), 1793511000000LL); /* 05:30 UTC */
    assert_int_equal(from_local("Australia/Lord_Howe", 2026, 4, 5, 1, 45), 1775313900000LL); /* +11:00 */
}

/* Minute by minute for three hours either side of each transition above:
 * every instant maps to a wall time that maps back to it, except the second
 * pass through a fall-back overlap, which maps to the first pass. */
static void round_trip_near_transitions(void **state)
{
    int overlaps_seen = 0;
    for (size_t i = 0; i < sizeof LOCAL_CASES / sizeof LOCAL_CASES[0]; i++) {
        const local_case *c = &LOCAL_CASES[i];
        for (int64_t ms = c->utc_ms - 3 * 3600000LL; ms <= c->utc_ms + 3 * 3600000LL; ms += 60000) {
            rp_local_time t;
            assert_true(rp_tz_to_local(c->tz, ms, &t));
            int64_t minute_ms = ms - ms % 60000;
            int64_t back = from_local(c->tz, t.year, t.month, t.day, t.hour, t.minute);
            if (back == minute_ms)
                continue;
            /* The earlier instant with the same wall time, one DST step
             * (60 or 30 minutes) before. */
            rp_local_time first;
            assert_true(rp_tz_to_local(c->tz, back, &first));
            assert_int_equal(first.hour, t.hour);
            assert_int_equal(first.minute, t.minute);
            assert_int_equal(minute_ms - back, (int64_t)(first.utc_offset_s - t.utc_offset_s) * 1000);
            assert_true(first.utc_offset_s - t.utc_offset_s == 3600 ||
                        first.utc_offset_s - t.utc_offset_s == 1800);
            overlaps_seen++;
        }
    }
    /* London, New York (60 min each, seen from 2 cases) and Lord Howe (30). */
    assert_int_equal(overlaps_seen, 2 * 60 + 2 * 60 + 2 * 30);
}

static void invalid_zones(void **state)
{
    rp_local_time t = {.year = 42};
    int64_t ms = 42;
    const char *bad[] = {"Not/AZone", "Etc/Unknown", "", "europe/london", "GMT+05:00",
                         "Europe/London\n", "Europe/Lo\xffndon"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(rp_tz_is_valid(bad[i]));
        assert_false(rp_tz_to_local(bad[i], 0, &t));
        assert_false(rp_tz_from_local(bad[i], 2026, 1, 1, 0, 0, &ms));
    }
    assert_false(rp_tz_is_valid(NULL));
    assert_false(rp_tz_to_local(NULL, 0, &t));
    char long_name[300];
    memset(long_name, 'A', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_false(rp_tz_is_valid(long_name));
    /* Outputs untouched on failure. */
    assert_int_equal(t.year, 42);
    assert_int_equal(ms, 42);

    const char *good[] = {"Europe/London", "UTC", "Etc/UTC", "US/Eastern", "Asia/Calcutta",
                          "Australia/Lord_Howe"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(rp_tz_is_valid(good[i]));
}

static void invalid_wall_times(void **state)
{
    int64_t ms = 42;
    assert_false(rp_tz_from_local("Europe/London", 2026, 2, 29, 9, 0, &ms));  /* common year */
    assert_false(rp_tz_from_local("Europe/London", 2100, 2, 29, 9, 0, &ms));  /* not leap */
    assert_false(rp_tz_from_local("Europe/London", 2026, 4, 31, 9, 0, &ms));
    assert_false(rp_tz_from_local("Europe/London", 2026, 13, 1, 9, 0, &ms));
    assert_false(rp_tz_from_local("Europe/London", 2026, 0, 1, 9, 0, &ms));
    assert_false(rp_tz_from_local("Europe/London", 2026, 1, 0, 9, 0, &ms));
    assert_false(rp_tz_from_local("Europe/London", 2026, 1, 1, 24, 0, &ms));
    assert_false(rp_tz_from_local("Europe/London", 2026, 1, 1, -1, 0, &ms));
    assert_false(rp_tz_from_local("Europe/London", 2026, 1, 1, 9, 60, &ms));
    assert_int_equal(ms, 42);
    assert_int_equal(from_local("UTC", 2000, 2, 29, 12, 0), 951825600000LL);      /* 400-year leap */
    assert_int_equal(from_local("Europe/London", 2028, 2, 29, 9, 0), 1835427600000LL);
}

/* Several threads converting in different zones at once must each get
 * their own zone's answers (no shared calendar, no TZ variable). */
static void *convert_many(void *arg)
{
    const local_case *c = arg;
    for (int i = 0; i < 300; i++) {
        rp_local_time got;
        int64_t back;
        if (!rp_tz_to_local(c->tz, c->utc_ms, &got) || got.hour != c->want.hour ||
            got.utc_offset_s != c->want.utc_offset_s ||
            !rp_tz_from_local(c->tz, got.year, got.month, got.day, got.hour, got.minute, &back) ||
            back != c->utc_ms - c->utc_ms % 60000)
            return (void *)1;
    }
    return NULL;
}

static void concurrent_use(void **state)
{
    static const size_t picks[] = {1, 5, 8, 14};   /* one case per zone, none in an overlap */
    pthread_t threads[4];
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, convert_many, (void *)&LOCAL_CASES[picks[i]]), 0);
    for (size_t i = 0; i < 4; i++) {
        void *failed;
        assert_int_equal(pthread_join(threads[i], &failed), 0);
        assert_null(failed);
    }
}

/* Each thread keeps a few calendars open (16); a worker meeting more zones
 * than that, in any order, still gets every zone's own answer. Offsets at
 * 2024-07-01 12:00 UTC, from the tz database. */
static void more_zones_than_one_thread_keeps(void **state)
{
    static const struct { const char *tz; int offset_s; } zones[] = {
        {"Asia/Kolkata", 19800}, {"America/St_Johns", -9000}, {"Australia/Lord_Howe", 37800},
        {"Pacific/Chatham", 45900}, {"Asia/Kathmandu", 20700}, {"Europe/London", 3600},
        {"Europe/Paris", 7200}, {"America/New_York", -14400}, {"America/Los_Angeles", -25200},
        {"Asia/Shanghai", 28800}, {"Asia/Tokyo", 32400}, {"Australia/Sydney", 36000},
        {"Pacific/Auckland", 43200}, {"America/Sao_Paulo", -10800}, {"Africa/Nairobi", 10800},
        {"Europe/Moscow", 10800}, {"Asia/Dubai", 14400}, {"America/Anchorage", -28800},
        {"Pacific/Honolulu", -36000}, {"Atlantic/Azores", 0},
    };
    const size_t n = sizeof zones / sizeof zones[0];
    const int64_t instant = 1719835200000LL;   /* 2024-07-01 12:00:00 UTC */
    for (int pass = 0; pass < 3; pass++)
        for (size_t k = 0; k < n; k++) {
            size_t i = pass == 1 ? n - 1 - k : (k * 7) % n;   /* forwards-ish, backwards, scattered */
            rp_local_time got;
            int64_t back;
            assert_true(rp_tz_to_local(zones[i].tz, instant, &got));
            if (got.utc_offset_s != zones[i].offset_s)
                fail_msg("%s: offset %d, want %d (pass %d)", zones[i].tz, got.utc_offset_s,
                         zones[i].offset_s, pass);
            assert_true(rp_tz_from_local(zones[i].tz, got.year, got.month, got.day, got.hour, got.minute, &back));
            assert_int_equal(back, instant);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(to_local_across_dst),
        cmocka_unit_test(from_local_plain),
        cmocka_unit_test(from_local_gap),
        cmocka_unit_test(from_local_overlap),
        cmocka_unit_test(round_trip_near_transitions),
        cmocka_unit_test(invalid_zones),
        cmocka_unit_test(invalid_wall_times),
        cmocka_unit_test(concurrent_use),
        cmocka_unit_test(more_zones_than_one_thread_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
