/* How care cuts an on_timers call into groups (plugins/care/timerbatch.h):
 * exact group boundaries for mixed kinds and owners. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "timerbatch.h"

static rp_timer timer(const char *tenant, const char *key, const char *customer, const char *org)
{
    return (rp_timer){.struct_size = sizeof(rp_timer), .tenant = tenant, .key = key,
                      .customer = customer, .org = org};
}

/* Walks the whole call and checks each group end in turn. */
static void expect_groups(const rp_timer *timers, size_t n, const size_t *ends, size_t groups)
{
    const rp_timer *ptrs[16];
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &timers[i];
    size_t found = 0;
    for (size_t i = 0; i < n; found++) {
        size_t end = cr_timer_group_end(ptrs, i, n);
        assert_true(found < groups);
        assert_int_equal(end, ends[found]);
        i = end;
    }
    assert_int_equal(found, groups);
}

static void kinds_are_told_apart(void **state)
{
    (void)state;
    assert_int_equal(cr_timer_kind_of("inbox"), CR_TIMER_INBOX);
    assert_int_equal(cr_timer_kind_of("plan:c1"), CR_TIMER_PLAN);
    assert_int_equal(cr_timer_kind_of("due:c1:birthday:2026"), CR_TIMER_LIFECYCLE);
    assert_int_equal(cr_timer_kind_of("overdue:c1:birthday:2026"), CR_TIMER_LIFECYCLE);
    assert_int_equal(cr_timer_kind_of("campaign:camp1"), CR_TIMER_CAMPAIGN);
    assert_int_equal(cr_timer_kind_of("price:m1"), CR_TIMER_PRICE);
    /* a campaign's task has a due timer like any task */
    assert_int_equal(cr_timer_kind_of("due:campaign:c1:spring"), CR_TIMER_LIFECYCLE);
    assert_int_equal(cr_timer_kind_of("inboxes"), CR_TIMER_UNKNOWN);
    assert_int_equal(cr_timer_kind_of("planned"), CR_TIMER_UNKNOWN);
}

static void different_customers_share_one_group(void **state)
{
    (void)state;
    const rp_timer t[] = {
        timer("default", "due:a", "c1", NULL), timer("default", "plan:c2", "c2", NULL),
        timer("default", "overdue:b", "c3", NULL), timer("default", "plan:c4", "c4", NULL),
    };
    const size_t ends[] = {4};
    expect_groups(t, 4, ends, 1);
}

static void one_customers_tasks_share_a_group_but_not_with_a_replan(void **state)
{
    (void)state;
    const rp_timer t[] = {
        timer("default", "due:a", "c1", NULL), timer("default", "due:b", "c1", NULL),
        timer("default", "overdue:c", "c1", NULL), timer("default", "plan:c1", "c1", NULL),
        timer("default", "due:d", "c1", NULL), timer("default", "due:e", "c2", NULL),
    };
    /* the re-plan waits for c1's tasks; c1's next task waits for the re-plan */
    const size_t ends[] = {3, 4, 6};
    expect_groups(t, 6, ends, 3);
}

static void accounts_are_owners_too(void **state)
{
    (void)state;
    const rp_timer t[] = {
        timer("default", "plan:acme", NULL, "acme"), timer("default", "due:x", NULL, "acme"),
        timer("default", "due:y", NULL, "globex"),
    };
    const size_t ends[] = {1, 3};
    expect_groups(t, 3, ends, 2);
}

/* The host hands over one tenant's timers per call (ABI 2): only the inbox
 * stands apart. */
static void the_inbox_stands_apart(void **state)
{
    (void)state;
    const rp_timer t[] = {
        timer("default", "due:a", "c1", NULL), timer("default", "inbox", NULL, NULL),
        timer("default", "due:b", "c2", NULL), timer("default", "due:c", "c3", NULL),
        timer("default", "plan:c4", "c4", NULL), timer("default", "plan:c5", "c5", NULL),
    };
    const size_t ends[] = {1, 2, 6};
    expect_groups(t, 6, ends, 3);
}

/* Campaigns and price moves run on the tenant clock and read many
 * customers' tasks: each stands apart like the inbox, also from another. */
static void tenant_clock_timers_stand_apart(void **state)
{
    (void)state;
    const rp_timer t[] = {
        timer("default", "due:a", "c1", NULL), timer("default", "campaign:e1", NULL, NULL),
        timer("default", "price:e2", NULL, NULL), timer("default", "price:e3", NULL, NULL),
        timer("default", "due:b", "c2", NULL), timer("default", "plan:c3", "c3", NULL),
    };
    const size_t ends[] = {1, 2, 3, 4, 6};
    expect_groups(t, 6, ends, 5);
    assert_true(cr_timer_tenant_wide(CR_TIMER_INBOX));
    assert_true(cr_timer_tenant_wide(CR_TIMER_CAMPAIGN));
    assert_true(cr_timer_tenant_wide(CR_TIMER_PRICE));
    assert_false(cr_timer_tenant_wide(CR_TIMER_PLAN));
    assert_false(cr_timer_tenant_wide(CR_TIMER_LIFECYCLE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kinds_are_told_apart),
        cmocka_unit_test(different_customers_share_one_group),
        cmocka_unit_test(one_customers_tasks_share_a_group_but_not_with_a_replan),
        cmocka_unit_test(accounts_are_owners_too),
        cmocka_unit_test(the_inbox_stands_apart),
        cmocka_unit_test(tenant_clock_timers_stand_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
