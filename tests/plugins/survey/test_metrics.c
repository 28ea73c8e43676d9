/*
 * test_metrics.c - NPS classes and score, mean CSAT, response rate, and the
 * detractor and satisfied rules at their configurable boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "metrics.h"

static const sv_answer_rules DEFAULTS = {6, 2, 9, 4};

static void test_nps_classes(void **state)
{
    (void)state;
    assert_int_equal(sv_nps_classify(0), SV_NPS_DETRACTOR);
    assert_int_equal(sv_nps_classify(6), SV_NPS_DETRACTOR);
    assert_int_equal(sv_nps_classify(7), SV_NPS_PASSIVE);
    assert_int_equal(sv_nps_classify(8), SV_NPS_PASSIVE);
    assert_int_equal(sv_nps_classify(9), SV_NPS_PROMOTER);
    assert_int_equal(sv_nps_classify(10), SV_NPS_PROMOTER);
    assert_int_equal(sv_nps_classify(SV_NO_SCORE), SV_NPS_NONE);
    assert_int_equal(sv_nps_classify(11), SV_NPS_NONE);
}

static void test_nps_score(void **state)
{
    (void)state;
    /* 5 promoters, 3 passives, 2 detractors: 50% - 20% = 30 */
    assert_float_equal(sv_nps_score(5, 2, 10), 30.0, 1e-12);
    assert_float_equal(sv_nps_score(0, 4, 4), -100.0, 1e-12);
    assert_float_equal(sv_nps_score(3, 0, 3), 100.0, 1e-12);
    assert_float_equal(sv_nps_score(1, 2, 3), -100.0 / 3.0, 1e-12);
    assert_float_equal(sv_nps_score(0, 0, 0), 0.0, 1e-12);
}

static void test_csat_and_rate(void **state)
{
    (void)state;
    assert_float_equal(sv_csat_mean(4 + 5 + 2, 3), 11.0 / 3.0, 1e-12);
    assert_float_equal(sv_csat_mean(0, 0), -1.0, 1e-12);
    assert_float_equal(sv_response_rate(3, 12), 0.25, 1e-12);
    assert_float_equal(sv_response_rate(0, 0), -1.0, 1e-12);
}

static void test_detractor_rule(void **state)
{
    (void)state;
    assert_true(sv_is_detractor(&DEFAULTS, 6, SV_NO_SCORE));
    assert_false(sv_is_detractor(&DEFAULTS, 7, SV_NO_SCORE));
    assert_true(sv_is_detractor(&DEFAULTS, SV_NO_SCORE, 2));
    assert_false(sv_is_detractor(&DEFAULTS, SV_NO_SCORE, 3));
    /* either score suffices */
    assert_true(sv_is_detractor(&DEFAULTS, 10, 1));
    assert_true(sv_is_detractor(&DEFAULTS, 0, 5));
    assert_false(sv_is_detractor(&DEFAULTS, SV_NO_SCORE, SV_NO_SCORE));
    /* configurable: only the angriest */
    sv_answer_rules strict = {3, 1, 9, 4};
    assert_false(sv_is_detractor(&strict, 4, 2));
    assert_true(sv_is_detractor(&strict, 3, SV_NO_SCORE));
    assert_true(sv_is_detractor(&strict, SV_NO_SCORE, 1));
}

static void test_satisfied_rule(void **state)
{
    (void)state;
    assert_true(sv_is_satisfied(&DEFAULTS, 9, SV_NO_SCORE));
    assert_true(sv_is_satisfied(&DEFAULTS, SV_NO_SCORE, 4));
    assert_true(sv_is_satisfied(&DEFAULTS, 10, 5));
    assert_false(sv_is_satisfied(&DEFAULTS, 8, 5));      /* a passive is not satisfied */
    assert_false(sv_is_satisfied(&DEFAULTS, 10, 3));
    assert_false(sv_is_satisfied(&DEFAULTS, 10, 2));     /* a detractor by CSAT */
    assert_false(sv_is_satisfied(&DEFAULTS, SV_NO_SCORE, SV_NO_SCORE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nps_classes),
        cmocka_unit_test(test_nps_score),
        cmocka_unit_test(test_csat_and_rate),
        cmocka_unit_test(test_detractor_rule),
        cmocka_unit_test(test_satisfied_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
