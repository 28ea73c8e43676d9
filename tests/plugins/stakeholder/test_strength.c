/*
 * test_strength.c - relationship strength: exact values of the decayed sum
 * and of its 0..100 map, order independence, no extrapolation backwards,
 * and the instant a tie becomes weak.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "strength.h"

#define T0 1700000000000LL
#define DAY 86400000LL

static const sh_strength_params params = {.half_life_ms = 30 * DAY, .scale = 2};

static void one_contact_halves_every_half_life(void **state)
{
    (void)state;
    sh_strength s = {0};
    sh_strength_add(&s, T0, 1, &params);
    assert_float_equal(sh_strength_raw_at(&s, T0, &params), 1.0, 1e-12);
    assert_float_equal(sh_strength_at(&s, T0, &params), 100.0 / 3.0, 1e-9);
    assert_float_equal(sh_strength_raw_at(&s, T0 + 30 * DAY, &params), 0.5, 1e-12);
    assert_float_equal(sh_strength_at(&s, T0 + 30 * DAY, &params), 20.0, 1e-9);
    assert_float_equal(sh_strength_at(&s, T0 + 60 * DAY, &params), 100.0 / 9.0, 1e-9);
}

static void sum_of_interactions(void **state)
{
    (void)state;
    sh_strength s = {0};
    sh_strength_add(&s, T0, 1, &params);
    sh_strength_add(&s, T0, 1, &params);
    assert_float_equal(sh_strength_at(&s, T0, &params), 50.0, 1e-9);   /* raw == scale */
    sh_strength t = {0};
    sh_strength_add(&t, T0, 1, &params);
    sh_strength_add(&t, T0 + 30 * DAY, 1, &params);
    assert_int_equal(t.ref_ms, T0 + 30 * DAY);
    assert_float_equal(t.raw, 1.5, 1e-12);
    assert_float_equal(sh_strength_at(&t, T0 + 30 * DAY, &params), 300.0 / 7.0, 1e-9);
}

static void order_does_not_matter(void **state)
{
    (void)state;
    sh_strength late = {0};
    sh_strength_add(&late, T0 + 30 * DAY, 1, &params);
    sh_strength_add(&late, T0, 1, &params);          /* the older one arrives second */
    assert_int_equal(late.ref_ms, T0 + 30 * DAY);
    assert_float_equal(late.raw, 1.5, 1e-12);
    sh_strength weighted = {0};
    sh_strength_add(&weighted, T0 + 60 * DAY, 2, &params);
    sh_strength_add(&weighted, T0, 4, &params);      /* 4 * 1/4 */
    assert_float_equal(weighted.raw, 3.0, 1e-12);
}

static void never_grows_backwards(void **state)
{
    (void)state;
    sh_strength s = {0};
    sh_strength_add(&s, T0, 1, &params);
    assert_float_equal(sh_strength_raw_at(&s, T0 - 90 * DAY, &params), 1.0, 1e-12);
    sh_strength none = {0};
    assert_float_equal(sh_strength_at(&none, T0, &params), 0.0, 0);
}

static void instant_a_tie_becomes_weak(void **state)
{
    (void)state;
    sh_strength s = {.raw = 1.5, .ref_ms = T0};
    /* strength 40 <=> raw 4/3; 1.5 * 2^(-dt/30d) = 4/3 at dt = 30d * log2(1.125) */
    int64_t t = sh_strength_falls_below(&s, 40, &params);
    assert_int_equal(t, T0 + 440445604LL);
    assert_true(sh_strength_at(&s, t - 1, &params) >= 40.0);
    assert_true(sh_strength_at(&s, t, &params) < 40.0);
    sh_strength weak = {.raw = 1.0, .ref_ms = T0};   /* 33.3: already weak */
    assert_int_equal(sh_strength_falls_below(&weak, 40, &params), INT64_MAX);
    assert_int_equal(sh_strength_falls_below(&s, 0, &params), INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_contact_halves_every_half_life),
        cmocka_unit_test(sum_of_interactions),
        cmocka_unit_test(order_does_not_matter),
        cmocka_unit_test(never_grows_backwards),
        cmocka_unit_test(instant_a_tie_becomes_weak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
