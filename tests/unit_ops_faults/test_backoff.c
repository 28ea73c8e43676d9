/*
 * test_backoff.c - reconnect back-off (backoff.h) with an explicit clock:
 * exact delays, the cap, the reset, and one log-worthy change per outage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backoff.h"

static void delays_double_up_to_the_cap(void **state)
{
    rp_backoff bo;
    rp_backoff_init(&bo, 100, 5000);
    int64_t now = 1000;
    assert_true(rp_backoff_due(&bo, now));
    const int64_t want[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        rp_backoff_failed(&bo, now);
        assert_int_equal(bo.delay_ms, want[i]);
        assert_int_equal(rp_backoff_wait_ms(&bo, now), want[i]);
        assert_false(rp_backoff_due(&bo, now + want[i] - 1));
        assert_true(rp_backoff_due(&bo, now + want[i]));
        now += want[i];
    }
    assert_int_equal(bo.failures, 9);
}

/* The publisher's loop asks every 20-100 ms; during 21 s of outage it may
 * try only as often as the back-off allows (the issue saw 201 tries). */
static void a_polling_loop_tries_rarely(void **state)
{
    rp_backoff bo;
    rp_backoff_init(&bo, 100, 5000);
    int tries = 0, logged = 0;
    for (int64_t now = 0; now < 21000; now += 20)
        if (rp_backoff_due(&bo, now)) {
            tries++;
            logged += rp_backoff_failed(&bo, now);
        }
    /* at 0, 100, 300, 700, 1500, 3100, 6300, 11300, 16300 */
    assert_int_equal(tries, 9);
    assert_int_equal(logged, 1);
}

static void success_ends_the_outage_once(void **state)
{
    rp_backoff bo;
    rp_backoff_init(&bo, 50, 400);
    assert_false(rp_backoff_succeeded(&bo));      /* no outage: nothing to log */
    assert_true(rp_backoff_failed(&bo, 10));      /* the outage begins */
    assert_int_equal(bo.down_since_ms, 10);
    assert_false(rp_backoff_failed(&bo, 60));     /* it goes on: quiet */
    assert_int_equal(bo.delay_ms, 100);
    assert_true(rp_backoff_succeeded(&bo));       /* it ends */
    assert_false(rp_backoff_succeeded(&bo));
    assert_true(rp_backoff_due(&bo, 0));
    assert_true(rp_backoff_failed(&bo, 1000));    /* a new outage starts from min again */
    assert_int_equal(bo.delay_ms, 50);
}

static void bad_bounds_are_tamed(void **state)
{
    rp_backoff bo;
    rp_backoff_init(&bo, 0, -5);
    rp_backoff_failed(&bo, 0);
    assert_int_equal(bo.delay_ms, 1);
    rp_backoff_failed(&bo, 1);
    assert_int_equal(bo.delay_ms, 1);
    rp_backoff_init(&bo, INT64_MAX / 2 + 1, INT64_MAX);
    rp_backoff_failed(&bo, 0);
    rp_backoff_failed(&bo, 0);                    /* doubling must not overflow */
    assert_int_equal(bo.delay_ms, INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delays_double_up_to_the_cap),
        cmocka_unit_test(a_polling_loop_tries_rarely),
        cmocka_unit_test(success_ends_the_outage_once),
        cmocka_unit_test(bad_bounds_are_tamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
