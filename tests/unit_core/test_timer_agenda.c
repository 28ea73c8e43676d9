/*
 * test_timer_agenda.c - the timer agenda of a plugin transaction
 * (txn_effects.h): timers set, re-set, cancelled, loaded from the database
 * and fired, found by (tenant, key) through its index, however many there
 * are, and forgotten by rp_fx_reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "txn_effects.h"

#define MANY 3000

static void set(rp_txn_effects *fx, const char *tenant, const char *key, int64_t due)
{
    assert_true(rp_fx_timer_set(fx, tenant, key, 1, due, NULL, NULL, (const uint8_t *)"p", 1));
}

static void keys_are_per_tenant_and_set_once(void **state)
{
    (void)state;
    rp_txn_effects fx = {0};
    char key[32];
    for (int i = 0; i < MANY; i++) {
        snprintf(key, sizeof key, "k%d", i);
        set(&fx, "a", key, 1000 + i);
        set(&fx, "b", key, 5000 + i);       /* same key, other tenant: another timer */
    }
    assert_int_equal(fx.timer_count, 2 * MANY);
    for (int i = 0; i < MANY; i += 7) {     /* re-arming keeps one entry per key */
        snprintf(key, sizeof key, "k%d", i);
        set(&fx, "a", key, 10 + i);
    }
    assert_int_equal(fx.timer_count, 2 * MANY);
    /* a timer loaded from the database for a key already on the agenda is ignored */
    assert_true(rp_fx_timer_loaded(&fx, "a", "k7", 1, 999999, NULL, NULL, (const uint8_t *)"x", 1));
    assert_int_equal(fx.timer_count, 2 * MANY);
    rp_timer_entry *first = rp_fx_next_due(&fx, 1, INT64_MAX);
    assert_non_null(first);
    assert_string_equal(first->tenant, "a");
    assert_string_equal(first->key, "k0");
    assert_int_equal(first->due_ms, 10);
    rp_fx_timer_fired(first);
    assert_int_equal(rp_fx_next_due(&fx, 1, INT64_MAX)->due_ms, 17);   /* k7, re-armed at 10 + 7 */
    rp_fx_free(&fx);
}

static void cancel_and_reset(void **state)
{
    (void)state;
    rp_txn_effects fx = {0};
    set(&fx, "a", "x", 5);
    assert_true(rp_fx_timer_cancel(&fx, "a", "x"));
    assert_true(rp_fx_timer_cancel(&fx, "a", "never-loaded"));   /* may be in the database */
    assert_int_equal(fx.timer_count, 2);
    assert_null(rp_fx_next_due(&fx, 1, INT64_MAX));
    set(&fx, "a", "x", 6);                                     /* armed again */
    assert_int_equal(fx.timer_count, 2);
    assert_int_equal(rp_fx_next_due(&fx, 1, INT64_MAX)->due_ms, 6);
    rp_fx_reset(&fx);                                          /* a new transaction */
    assert_int_equal(fx.timer_count, 0);
    assert_null(rp_fx_next_due(&fx, 1, INT64_MAX));
    set(&fx, "a", "x", 7);
    assert_int_equal(fx.timer_count, 1);
    assert_int_equal(rp_fx_next_due(&fx, 1, INT64_MAX)->due_ms, 7);
    rp_fx_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_are_per_tenant_and_set_once),
        cmocka_unit_test(cancel_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
