/*
 * test_budget.c - the fatigue limit and the contact budget: which
 * contact_budget rows apply (tenant, then tier, else defaults), and the
 * earliest instant a touch fits every window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "budget.h"

#define DAY 86400000LL
#define T0 1772812800000LL

static void test_fatigue(void **state)
{
    (void)state;
    assert_true(sv_fatigue_allows(-1, T0, 30 * DAY));
    assert_false(sv_fatigue_allows(T0 - 29 * DAY, T0, 30 * DAY));
    assert_false(sv_fatigue_allows(T0 - 30 * DAY + 1, T0, 30 * DAY));
    assert_true(sv_fatigue_allows(T0 - 30 * DAY, T0, 30 * DAY));
    assert_true(sv_fatigue_allows(T0, T0, 0));
}

static const sv_budget_row ROWS[] = {
    {"*", "*", 7 * DAY, 1},
    {"*", "*", 30 * DAY, 4},
    {"acme", "*", 7 * DAY, 2},
    {"acme", "vip", 7 * DAY, 3},
};

static void test_select_rows(void **state)
{
    (void)state;
    sv_budget_rule out[SV_BUDGET_MAX_RULES];
    size_t n = sv_budget_select(ROWS, 4, "acme", "vip", out, SV_BUDGET_MAX_RULES);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].window_ms, 7 * DAY);
    assert_int_equal(out[0].max_touches, 3);
    n = sv_budget_select(ROWS, 4, "acme", "key", out, SV_BUDGET_MAX_RULES);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].max_touches, 2);
    n = sv_budget_select(ROWS, 4, "other", "vip", out, SV_BUDGET_MAX_RULES);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].window_ms, 7 * DAY);
    assert_int_equal(out[0].max_touches, 1);
    assert_int_equal(out[1].window_ms, 30 * DAY);
    assert_int_equal(out[1].max_touches, 4);
}

static void test_defaults_without_rows(void **state)
{
    (void)state;
    sv_budget_rule out[SV_BUDGET_MAX_RULES];
    size_t n = sv_budget_select(NULL, 0, "acme", "vip", out, SV_BUDGET_MAX_RULES);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].window_ms, 7 * DAY);
    assert_int_equal(out[0].max_touches, 1);
    assert_int_equal(out[1].window_ms, 30 * DAY);
    assert_int_equal(out[1].max_touches, 4);
}

static const sv_budget_rule DEFAULT_RULES[] = {{7 * DAY, 1}, {30 * DAY, 4}};

static void test_next_free(void **state)
{
    (void)state;
    assert_int_equal(sv_budget_next_free(DEFAULT_RULES, 2, NULL, 0, T0), T0);
    /* a care task three days ago fills the weekly window until day 4 */
    int64_t recent[] = {T0 - 3 * DAY};
    assert_int_equal(sv_budget_next_free(DEFAULT_RULES, 2, recent, 1, T0), T0 + 4 * DAY);
    /* exactly a week ago has left the window (it ends at the touch) */
    int64_t week[] = {T0 - 7 * DAY};
    assert_int_equal(sv_budget_next_free(DEFAULT_RULES, 2, week, 1, T0), T0);
    /* four touches in the month (none this week): the oldest must leave */
    int64_t month[] = {T0 - 8 * DAY, T0 - 20 * DAY, T0 - 10 * DAY, T0 - 15 * DAY};
    assert_int_equal(sv_budget_next_free(DEFAULT_RULES, 2, month, 4, T0), T0 + 10 * DAY);
    /* a future touch (a scheduled care task) counts where it falls */
    int64_t future[] = {T0 + 2 * DAY};
    assert_int_equal(sv_budget_next_free(DEFAULT_RULES, 2, future, 1, T0), T0);
}

static void test_next_free_across_rules(void **state)
{
    (void)state;
    /* Leaving the weekly window lands in a month that is full: wait for both. */
    sv_budget_rule rules[] = {{7 * DAY, 1}, {30 * DAY, 2}};
    int64_t touches[] = {T0 - 1 * DAY, T0 - 20 * DAY, T0 + 5 * DAY};
    /* At T0 the week is full until T0+6d and the month (T0-20d, T0-1d) until
     * T0-20d leaves at T0+10d. At T0+10d the week holds T0+5d (until
     * T0+12d) and the month T0-1d and T0+5d (until T0-1d leaves at T0+29d).
     * At T0+29d the week is empty and the month holds only T0+5d. */
    assert_int_equal(sv_budget_next_free(rules, 2, touches, 3, T0), T0 + 29 * DAY);
    sv_budget_rule none[] = {{7 * DAY, 0}};
    assert_int_equal(sv_budget_next_free(none, 1, NULL, 0, T0), INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fatigue),
        cmocka_unit_test(test_select_rows),
        cmocka_unit_test(test_defaults_without_rows),
        cmocka_unit_test(test_next_free),
        cmocka_unit_test(test_next_free_across_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
