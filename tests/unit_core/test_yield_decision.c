/*
 * test_yield_decision.c - when plugin workers pause for a busy ingest: the
 * committer's busy share, waiting requests, an idle committer, the settle
 * sample after idle, and the bounded pause, at pinned monotonic times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest_yield.h"

/* The committer in a transaction (idle_ms 0), busy_us microseconds in all. */
static rp_ingest_view committing(int64_t busy_us)
{
    return (rp_ingest_view){.busy_us = busy_us};
}

/* The first look only takes a sample: nothing is known about the past. */
static void first_sample_is_not_busy(void **state)
{
    (void)state;
    rp_ingest_sample s = {0};
    rp_ingest_view c = committing(123456);
    assert_false(rp_ingest_busy(&s, 5000, &c));
    assert_true(s.taken);
    assert_int_equal(s.at_ms, 5000);
    assert_int_equal(s.busy_us, 123456);
}

static bool busy_at(rp_ingest_sample *s, int64_t now_ms, int64_t busy_us)
{
    rp_ingest_view c = committing(busy_us);
    return rp_ingest_busy(s, now_ms, &c);
}

static void busy_share_decides_after_a_full_sample(void **state)
{
    (void)state;
    rp_ingest_sample s = {0};
    busy_at(&s, 1000, 0);
    /* 99 ms later: too short a sample, the old verdict stands. */
    assert_false(busy_at(&s, 1099, 99000));
    assert_int_equal(s.at_ms, 1000);
    /* 100 ms with 60 ms committing: busy. */
    assert_true(busy_at(&s, 1100, 60000));
    assert_int_equal(s.at_ms, 1100);
    /* Within the next sample the verdict is kept. */
    assert_true(busy_at(&s, 1150, 60000));
    /* 200 ms with 80 ms committing (40 %): not busy. */
    assert_false(busy_at(&s, 1300, 140000));
    /* Exactly half is busy. */
    assert_true(busy_at(&s, 1400, 190000));
    /* A long stretch with little committing averages a short burst away. */
    assert_false(busy_at(&s, 11400, 290000));
}

/* Waiting requests are a backlog whatever the share says. */
static void waiting_requests_are_busy(void **state)
{
    (void)state;
    rp_ingest_sample s = {0};
    busy_at(&s, 1000, 0);
    rp_ingest_view c = {.busy_us = 0, .requests_waiting = true, .idle_ms = 500};
    assert_true(rp_ingest_busy(&s, 1001, &c));
    assert_int_equal(s.at_ms, 1000);   /* the sample goes on */
}

/* A committer waiting for work long enough ends a busy verdict at once and
 * starts a new sample; a shorter wait (the acks' round trip) does not. */
static void idle_committer_ends_busy(void **state)
{
    (void)state;
    rp_ingest_sample s = {0};
    busy_at(&s, 1000, 0);
    assert_true(busy_at(&s, 1100, 100000));
    rp_ingest_view between_groups = {.busy_us = 100000, .idle_ms = RP_INGEST_IDLE_ENDS_MS - 1};
    assert_true(rp_ingest_busy(&s, 1110, &between_groups));
    rp_ingest_view waiting = {.busy_us = 100000, .idle_ms = RP_INGEST_IDLE_ENDS_MS};
    assert_false(rp_ingest_busy(&s, 1120, &waiting));
    assert_int_equal(s.at_ms, 1120);
    assert_false(s.busy);
}

/* After idle, a short settle sample decides: RP_INGEST_SETTLE_MS of a
 * committer in transactions is a burst. */
static void settle_sample_decides_early(void **state)
{
    (void)state;
    rp_ingest_sample s = {0};
    rp_ingest_restart(&s, 2000, 500000, RP_INGEST_SETTLE_MS);
    assert_false(busy_at(&s, 2000 + RP_INGEST_SETTLE_MS - 1, 500000 + 19000));
    assert_true(busy_at(&s, 2000 + RP_INGEST_SETTLE_MS, 500000 + 19000));
    /* The next verdict takes a full sample again. */
    assert_int_equal(s.window_ms, 0);
    assert_true(busy_at(&s, 2000 + RP_INGEST_SETTLE_MS + RP_INGEST_SAMPLE_MS - 1, 519000));
    assert_false(busy_at(&s, 2000 + RP_INGEST_SETTLE_MS + RP_INGEST_SAMPLE_MS, 519000));
}

static void no_pause_when_turned_off_or_ingest_is_idle(void **state)
{
    (void)state;
    rp_yield_state y = {0};
    assert_false(rp_yield_should_pause(&y, 1000, true, 0));
    assert_false(rp_yield_should_pause(&y, 1000, false, 3000));
    assert_false(y.pausing);
}

/* Pauses at most max_pause_ms in a row, then works as long again. */
static void pause_is_bounded_then_work_as_long(void **state)
{
    (void)state;
    rp_yield_state y = {0};
    assert_true(rp_yield_should_pause(&y, 1000, true, 3000));
    assert_true(rp_yield_should_pause(&y, 2500, true, 3000));
    assert_true(rp_yield_should_pause(&y, 3999, true, 3000));
    assert_false(rp_yield_should_pause(&y, 4000, true, 3000));
    assert_int_equal(y.work_until_ms, 7000);
    assert_false(rp_yield_should_pause(&y, 5000, true, 3000));
    assert_false(rp_yield_should_pause(&y, 6999, true, 3000));
    /* The owed work is done: a busy ingest starts a new pause. */
    assert_true(rp_yield_should_pause(&y, 7000, true, 3000));
    assert_int_equal(y.pause_started_ms, 7000);
}

/* A pause ends as soon as ingest is idle, and the next one starts afresh. */
static void idle_ingest_ends_a_pause(void **state)
{
    (void)state;
    rp_yield_state y = {0};
    assert_true(rp_yield_should_pause(&y, 1000, true, 3000));
    assert_false(rp_yield_should_pause(&y, 2000, false, 3000));
    assert_false(y.pausing);
    assert_int_equal(y.work_until_ms, 0);
    assert_true(rp_yield_should_pause(&y, 2010, true, 3000));
    assert_true(rp_yield_should_pause(&y, 5009, true, 3000));
    assert_false(rp_yield_should_pause(&y, 5010, true, 3000));
    assert_int_equal(y.work_until_ms, 8010);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_sample_is_not_busy),
        cmocka_unit_test(busy_share_decides_after_a_full_sample),
        cmocka_unit_test(waiting_requests_are_busy),
        cmocka_unit_test(idle_committer_ends_busy),
        cmocka_unit_test(settle_sample_decides_early),
        cmocka_unit_test(no_pause_when_turned_off_or_ingest_is_idle),
        cmocka_unit_test(pause_is_bounded_then_work_as_long),
        cmocka_unit_test(idle_ingest_ends_a_pause),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
