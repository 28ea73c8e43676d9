/*
 * test_complaint.c - detractor -> complaint: which answers open one, under
 * which id and severity, and the deadlines it gets in business hours
 * (London, across the spring-forward weekend).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "complaint.h"
#include "localtime.h"

#define HOUR 3600000LL
#define TUESDAY_1PM 1773147600000LL     /* 2026-03-10 13:00Z (GMT) */
#define FRIDAY_3PM 1774623600000LL      /* 2026-03-27 15:00Z (GMT), clocks change on Sunday */

static const sv_answer_rules RULES = {6, 2, 9, 4};

static sv_calendar london(void)
{
    sv_calendar cal = {.tz = "Europe/London", .holidays = "UK", .to_local = rp_tz_to_local,
                       .from_local = rp_tz_from_local};
    assert_true(sv_parse_hours("09:00-17:00", &cal.open_minute, &cal.close_minute));
    assert_true(sv_parse_weekdays("mon,tue,wed,thu,fri", &cal.weekdays));
    return cal;
}

static void test_which_answers_open_a_complaint(void **state)
{
    (void)state;
    sv_detractor_plan plan;
    assert_true(sv_plan_detractor(&RULES, 3, SV_NO_SCORE, "purchase:c1:o1", SV_SEV_HIGH, &plan));
    assert_true(plan.opens);
    assert_string_equal(plan.complaint_id, "survey:purchase:c1:o1");
    assert_int_equal(plan.severity, SV_SEV_HIGH);
    sv_plan_free(&plan);
    assert_true(sv_plan_detractor(&RULES, 10, 2, "s2", SV_SEV_NORMAL, &plan));   /* CSAT alone suffices */
    assert_true(plan.opens);
    assert_string_equal(plan.complaint_id, "survey:s2");
    sv_plan_free(&plan);
    assert_true(sv_plan_detractor(&RULES, 7, 3, "s3", SV_SEV_HIGH, &plan));      /* a passive: listen, no complaint */
    assert_false(plan.opens);
    assert_null(plan.complaint_id);
    assert_true(sv_plan_detractor(&RULES, SV_NO_SCORE, SV_NO_SCORE, "s4", SV_SEV_HIGH, &plan));
    assert_false(plan.opens);
}

/* A survey id has no length limit (a 256-byte customer and a long order
 * id): the complaint id keeps all of it (it was cut at 559 bytes). */
static void test_long_survey_id(void **state)
{
    (void)state;
    char id[2001];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    sv_detractor_plan plan;
    assert_true(sv_plan_detractor(&RULES, 0, SV_NO_SCORE, id, SV_SEV_HIGH, &plan));
    assert_int_equal(strlen(plan.complaint_id), strlen("survey:") + 2000);
    assert_string_equal(plan.complaint_id + strlen("survey:"), id);
    sv_plan_free(&plan);
}

static void test_deadlines(void **state)
{
    (void)state;
    sv_calendar cal = london();
    sv_sla_table first, resolution;
    char err[128];
    assert_true(sv_sla_parse("low=24h,normal=8h,high=4h,critical=1h", &first, err, sizeof err));
    assert_true(sv_sla_parse("low=120h,normal=40h,high=16h,critical=8h", &resolution, err, sizeof err));
    sv_deadlines due;
    /* high on Tuesday 13:00: first response by 17:00; resolution 4h Tuesday
     * + 8h Wednesday + 4h Thursday -> Thursday 13:00 */
    assert_true(sv_complaint_deadlines(&cal, &first, &resolution, SV_SEV_HIGH, TUESDAY_1PM, &due));
    assert_int_equal(due.first_response_ms, TUESDAY_1PM + 4 * HOUR);
    assert_int_equal(due.resolution_ms, TUESDAY_1PM + 48 * HOUR);
    /* critical on Friday 15:00 GMT: first by 16:00 GMT; resolution 2h Friday
     * + 6h Monday from 09:00 BST -> 15:00 BST = 14:00Z, 71 hours later */
    assert_true(sv_complaint_deadlines(&cal, &first, &resolution, SV_SEV_CRITICAL, FRIDAY_3PM, &due));
    assert_int_equal(due.first_response_ms, FRIDAY_3PM + HOUR);
    assert_int_equal(due.resolution_ms, FRIDAY_3PM + 71 * HOUR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_which_answers_open_a_complaint),
        cmocka_unit_test(test_long_survey_id),
        cmocka_unit_test(test_deadlines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
