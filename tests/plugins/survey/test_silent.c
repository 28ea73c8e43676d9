/*
 * test_silent.c - the silent-churn rule: satisfied words, behaviour fallen
 * to factor x its value at the answer (either measure), unknowns ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "silent.h"

static void test_rule(void **state)
{
    (void)state;
    /* p_alive halved exactly: flagged (at or below) */
    assert_int_equal(sv_silent_check(0.8, 0.4, 2.0, 1.9, 0.5), SV_SILENT_P_ALIVE);
    assert_int_equal(sv_silent_check(0.8, 0.41, 2.0, 1.9, 0.5), SV_SILENT_NONE);
    assert_int_equal(sv_silent_check(0.8, 0.7, 2.0, 0.6, 0.5), SV_SILENT_PURCHASES);
    assert_int_equal(sv_silent_check(0.8, 0.1, 2.0, 0.2, 0.5), SV_SILENT_BOTH);
    /* a stricter factor needs a deeper fall */
    assert_int_equal(sv_silent_check(0.8, 0.3, 2.0, 2.0, 0.25), SV_SILENT_NONE);
    assert_int_equal(sv_silent_check(0.8, 0.2, 2.0, 2.0, 0.25), SV_SILENT_P_ALIVE);
    /* behaviour that grew is never churn */
    assert_int_equal(sv_silent_check(0.5, 0.9, 1.0, 3.0, 0.5), SV_SILENT_NONE);
}

static void test_unknowns(void **state)
{
    (void)state;
    /* no baseline for p_alive (scoring had not fitted yet): only purchases count */
    assert_int_equal(sv_silent_check(SV_UNKNOWN, 0.0, 2.0, 0.5, 0.5), SV_SILENT_PURCHASES);
    /* unknown now: no judgement */
    assert_int_equal(sv_silent_check(0.8, SV_UNKNOWN, 2.0, SV_UNKNOWN, 0.5), SV_SILENT_NONE);
    /* zero at answer time cannot fall */
    assert_int_equal(sv_silent_check(0.0, 0.0, 0.0, 0.0, 0.5), SV_SILENT_NONE);
    assert_true(sv_silent_watchable(0.8, SV_UNKNOWN));
    assert_true(sv_silent_watchable(SV_UNKNOWN, 1.0));
    assert_false(sv_silent_watchable(SV_UNKNOWN, SV_UNKNOWN));
    assert_false(sv_silent_watchable(0.0, 0.0));
    assert_string_equal(sv_silent_reason_name(SV_SILENT_BOTH), "p_alive,expected_purchases");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_unknowns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
