/*
 * test_late.c - the event-time rules of plugins/survey/late.h with exact
 * values: which of two events comes first (ties by event id, unknowns), when
 * a complaint's clock ran out unmet at its due time whatever was handled
 * first, when a survey takes over an answer recorded as unsolicited, and
 * the monthly counts of an answer replaced by a late earlier one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "late.h"

static void precedes_by_time_then_id(void **state)
{
    (void)state;
    assert_true(sv_precedes(100, "z", 200, "a"));
    assert_false(sv_precedes(200, "a", 100, "z"));
    assert_true(sv_precedes(100, "e1", 100, "e2"));
    assert_false(sv_precedes(100, "e2", 100, "e1"));
    assert_false(sv_precedes(100, "e1", 100, "e1"));    /* the same event is not before itself */
    /* bytewise, as PostgreSQL's COLLATE "C": "E" < "e", "e10" < "e9" */
    assert_true(sv_precedes(5, "E1", 5, "e1"));
    assert_true(sv_precedes(5, "e10", 5, "e9"));
}

static void precedes_unknowns(void **state)
{
    (void)state;
    assert_true(sv_precedes(0, "a", -1, NULL));          /* nothing recorded yet */
    assert_true(sv_precedes(900, NULL, -1, NULL));
    assert_false(sv_precedes(-1, NULL, -1, NULL));
    /* a row written before ids were kept: an equal time breaks no tie */
    assert_false(sv_precedes(100, "a", 100, NULL));
    assert_false(sv_precedes(100, NULL, 100, "a"));
    assert_true(sv_precedes(99, "z", 100, NULL));
}

static void clock_unmet_by_event_time(void **state)
{
    (void)state;
    const int64_t due = 1000;
    /* first-response clock */
    assert_true(sv_clock_unmet(true, -1, -1, due));
    assert_false(sv_clock_unmet(true, 999, -1, due));
    assert_true(sv_clock_unmet(true, 1000, -1, due));    /* at the deadline is late */
    assert_true(sv_clock_unmet(true, 1500, -1, due));    /* handled first, still a breach */
    assert_false(sv_clock_unmet(true, -1, 400, due));    /* resolved in time answers it */
    assert_true(sv_clock_unmet(true, 1200, 1300, due));
    /* resolution clock: a response does not stop it */
    assert_true(sv_clock_unmet(false, 10, -1, due));
    assert_false(sv_clock_unmet(false, 10, 999, due));
    assert_true(sv_clock_unmet(false, 10, 1000, due));
    assert_true(sv_clock_unmet(false, -1, 4000, due));
}

static void adoption(void **state)
{
    (void)state;
    assert_true(sv_adopts_answer(true, 5000, 5000));
    assert_true(sv_adopts_answer(true, 5001, 5000));
    assert_false(sv_adopts_answer(true, 4999, 5000));    /* answered before the send: a survey of its own */
    assert_false(sv_adopts_answer(false, 6000, 5000));   /* a survey already sent */
    assert_false(sv_adopts_answer(true, -1, 5000));
}

static void counts_of_answers(void **state)
{
    (void)state;
    sv_answer_counts promoter = sv_answer_counts_of(10, 5);
    assert_int_equal(promoter.nps_answers, 1);
    assert_int_equal(promoter.promoters, 1);
    assert_int_equal(promoter.passives, 0);
    assert_int_equal(promoter.detractors, 0);
    assert_int_equal(promoter.csat_answers, 1);
    assert_int_equal(promoter.csat_sum, 5);

    sv_answer_counts detractor = sv_answer_counts_of(5, SV_NO_SCORE);
    assert_int_equal(detractor.nps_answers, 1);
    assert_int_equal(detractor.detractors, 1);
    assert_int_equal(detractor.csat_answers, 0);
    assert_int_equal(detractor.csat_sum, 0);

    /* the promoter replaced by the earlier detractor */
    sv_answer_counts d = sv_answer_counts_delta(promoter, detractor);
    assert_int_equal(d.nps_answers, 0);
    assert_int_equal(d.promoters, -1);
    assert_int_equal(d.passives, 0);
    assert_int_equal(d.detractors, 1);
    assert_int_equal(d.csat_answers, -1);
    assert_int_equal(d.csat_sum, -5);

    sv_answer_counts passive = sv_answer_counts_of(8, 3);
    sv_answer_counts n = sv_answer_counts_negate(passive);
    assert_int_equal(n.nps_answers, -1);
    assert_int_equal(n.passives, -1);
    assert_int_equal(n.promoters, 0);
    assert_int_equal(n.csat_answers, -1);
    assert_int_equal(n.csat_sum, -3);

    sv_answer_counts none = sv_answer_counts_of(SV_NO_SCORE, SV_NO_SCORE);
    assert_int_equal(none.nps_answers + none.promoters + none.passives + none.detractors + none.csat_answers
                         + none.csat_sum,
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(precedes_by_time_then_id),
        cmocka_unit_test(precedes_unknowns),
        cmocka_unit_test(clock_unmet_by_event_time),
        cmocka_unit_test(adoption),
        cmocka_unit_test(counts_of_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
