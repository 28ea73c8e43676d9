/*
 * test_budget.c - contact-budget decisions with the default budget (1 touch
 * per 7 days, 4 per 30 days): placing, deferral to the exact instant a
 * window frees up, merging by priority both ways, exemptions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "budget.h"

#define DAY 86400000LL
#define T0 1774612800000LL

static const cr_budget_policy policy = {
    .windows = {{7 * DAY, 1}, {30 * DAY, 4}},
    .count = 2,
    .merge_window_ms = 3 * DAY,
    .exempt_priority = 1,
};

static void test_empty_history_places(void **state)
{
    (void)state;
    cr_decision d = cr_budget_decide(&policy, NULL, 0, T0, 4, false);
    assert_int_equal(d.action, CR_PLACE);
    assert_int_equal(d.due_ms, T0);
    assert_false(d.over_budget);
}

static void test_defer_to_when_window_frees(void **state)
{
    (void)state;
    /* A survey (another plugin's touch, not mergeable) two days earlier. */
    cr_touch touches[] = {{T0 - 2 * DAY, 0, NULL}};
    cr_decision d = cr_budget_decide(&policy, touches, 1, T0, 4, false);
    assert_int_equal(d.action, CR_DEFER);
    assert_int_equal(d.due_ms, T0 + 5 * DAY);          /* the survey is 7 days old */
    /* A later touch blocks too: the window ending at it must stay within. */
    cr_touch later[] = {{T0 + 3 * DAY, 0, NULL}};
    assert_false(cr_budget_fits(&policy, later, 1, T0));
    d = cr_budget_decide(&policy, later, 1, T0, 4, false);
    assert_int_equal(d.action, CR_DEFER);
    assert_int_equal(d.due_ms, T0 + 10 * DAY);
}

static void test_thirty_day_window(void **state)
{
    (void)state;
    /* Four touches a week apart fill the 30-day window although each 7-day
     * window has room. */
    cr_touch touches[] = {{T0 - 28 * DAY, 0, NULL}, {T0 - 21 * DAY, 0, NULL},
                          {T0 - 14 * DAY, 0, NULL}, {T0 - 7 * DAY, 0, NULL}};
    assert_false(cr_budget_fits(&policy, touches, 4, T0));
    cr_decision d = cr_budget_decide(&policy, touches, 4, T0, 3, false);
    assert_int_equal(d.action, CR_DEFER);
    assert_int_equal(d.due_ms, T0 + 2 * DAY);          /* the first leaves the 30-day window */
}

static void test_merge_into_more_important(void **state)
{
    (void)state;
    /* A birthday call (priority 2) tomorrow; a newsletter (4) today rides along. */
    cr_touch touches[] = {{T0 + DAY, 2, "birthday:c1:2026-03-28"}};
    cr_decision d = cr_budget_decide(&policy, touches, 1, T0, 4, false);
    assert_int_equal(d.action, CR_MERGE);
    assert_int_equal(d.merge_with, 0);
    /* Same priority merges too. */
    d = cr_budget_decide(&policy, touches, 1, T0, 2, false);
    assert_int_equal(d.action, CR_MERGE);
    /* Beyond the merge window it is deferred instead. */
    cr_touch far[] = {{T0 - 4 * DAY, 2, "birthday:c1:2026-03-23"}};
    d = cr_budget_decide(&policy, far, 1, T0, 4, false);
    assert_int_equal(d.action, CR_DEFER);
    assert_int_equal(d.due_ms, T0 + 3 * DAY);
}

static void test_more_important_absorbs(void **state)
{
    (void)state;
    /* A regular contact (4) planned yesterday; a key-event follow-up (2) today
     * absorbs it and takes its place. */
    cr_touch touches[] = {{T0 - DAY, 4, "regular:c1:2026-03-26"}};
    cr_decision d = cr_budget_decide(&policy, touches, 1, T0, 2, false);
    assert_int_equal(d.action, CR_ABSORB);
    assert_int_equal(d.merge_with, 0);
    assert_int_equal(d.due_ms, T0);
    /* When removing it is not enough (a survey also counts), defer. */
    cr_touch two[] = {{T0 - DAY, 4, "regular:c1:2026-03-26"}, {T0 - 2 * DAY, 0, NULL}};
    d = cr_budget_decide(&policy, two, 2, T0, 2, false);
    assert_int_equal(d.action, CR_DEFER);
    assert_int_equal(d.due_ms, T0 + 6 * DAY);
}

static void test_exempt_never_held_back(void **state)
{
    (void)state;
    cr_touch touches[] = {{T0 - DAY, 0, NULL}};
    cr_decision d = cr_budget_decide(&policy, touches, 1, T0, 1, false);   /* stop-loss alert */
    assert_int_equal(d.action, CR_PLACE);
    assert_true(d.over_budget);
    d = cr_budget_decide(&policy, touches, 1, T0, 3, true);                /* exempt kind */
    assert_int_equal(d.action, CR_PLACE);
    assert_true(d.over_budget);
    /* A window that allows nothing keeps the task, flagged, at its time. */
    const cr_budget_policy none = {.windows = {{7 * DAY, 0}}, .count = 1};
    d = cr_budget_decide(&none, NULL, 0, T0, 4, false);
    assert_int_equal(d.action, CR_PLACE);
    assert_true(d.over_budget);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_history_places),
        cmocka_unit_test(test_defer_to_when_window_frees),
        cmocka_unit_test(test_thirty_day_window),
        cmocka_unit_test(test_merge_into_more_important),
        cmocka_unit_test(test_more_important_absorbs),
        cmocka_unit_test(test_exempt_never_held_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
