/*
 * test_member.c - the membership fold (member.h): each rule of an upsert
 * and a left, a left of a non-member, the state as of an instant, and the
 * same state whatever order the entries arrived in (sorted by event time,
 * ties by event id).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "member.h"

#define BIT(r) SH_ROLE_BIT(SH_ROLE_##r)

static sh_member_entry upsert(int64_t ts, const char *id, unsigned roles)
{
    return (sh_member_entry){.ts_ms = ts, .event_id = id, .roles = roles};
}

static sh_member_entry left(int64_t ts, const char *id, const char *reason)
{
    return (sh_member_entry){.ts_ms = ts, .event_id = id, .left = true, .reason = reason};
}

static void upsert_rules(void **state)
{
    (void)state;
    sh_member_entry e[3] = {upsert(10, "a", BIT(USER)), upsert(20, "b", BIT(EXECUTOR)),
                            upsert(30, "c", BIT(USER) | BIT(EXECUTOR))};
    e[0].has_attitude = true;
    e[0].attitude = SH_ATTITUDE_SUPPORTER;
    e[0].title = "CFO";
    e[1].has_influence = true;
    e[1].influence = 5;
    e[2].interests_personal = "golf";
    sh_member_state s;
    sh_member_fold(e, 1, &s);
    assert_true(s.joined && s.active);
    assert_int_equal(s.influence, 3);                 /* the default at first */
    assert_int_equal(s.attitude, SH_ATTITUDE_SUPPORTER);
    sh_member_fold(e, 3, &s);
    assert_int_equal(s.roles, BIT(USER) | BIT(EXECUTOR));   /* replaced */
    assert_int_equal(s.attitude, SH_ATTITUDE_SUPPORTER);    /* kept while active */
    assert_int_equal(s.influence, 5);
    assert_string_equal(s.title, "CFO");
    assert_string_equal(s.interests_personal, "golf");
    assert_int_equal(s.joined_ms, 10);
    assert_int_equal(s.updated_ms, 30);
    assert_int_equal(s.left_ms, -1);
}

static void left_and_rejoin(void **state)
{
    (void)state;
    sh_member_entry e[4] = {upsert(10, "a", BIT(DECISION_MAKER)), left(20, "b", "moved on"),
                            left(25, "c", "again"), upsert(40, "d", BIT(USER))};
    e[0].has_attitude = true;
    e[0].attitude = SH_ATTITUDE_SUPPORTER;
    sh_member_state s;
    sh_member_fold(e, 3, &s);
    assert_false(s.active);
    assert_int_equal(s.left_ms, 20);                  /* the second left is a no-op */
    assert_string_equal(s.left_reason, "moved on");
    assert_int_equal(s.updated_ms, 20);
    sh_member_fold(e, 4, &s);
    assert_true(s.active);
    assert_int_equal(s.attitude, SH_ATTITUDE_NEUTRAL);    /* rejoined without one */
    assert_int_equal(s.joined_ms, 40);
    assert_int_equal(s.left_ms, -1);
    assert_null(s.left_reason);
    /* a left alone: never a member */
    sh_member_entry only = left(5, "z", NULL);
    sh_member_fold(&only, 1, &s);
    assert_false(s.joined || s.active);
}

static void as_of_an_instant(void **state)
{
    (void)state;
    sh_member_entry e[3] = {upsert(10, "a", BIT(USER)), left(20, "b", NULL), upsert(20, "c", BIT(EXECUTOR))};
    assert_int_equal(sh_member_before(e, 3, 10), 0);
    assert_int_equal(sh_member_before(e, 3, 11), 1);
    assert_int_equal(sh_member_before(e, 3, 20), 1);  /* the instant's own facts count after it */
    assert_int_equal(sh_member_before(e, 3, 21), 3);
}

static void arrival_order_does_not_matter(void **state)
{
    (void)state;
    const sh_member_entry in_order[5] = {upsert(10, "a", BIT(USER)), left(20, "b", "x"),
                                         upsert(30, "c", BIT(EXECUTOR)), left(30, "d", "y"),
                                         upsert(30, "e", BIT(INITIATOR_INTERNAL))};
    sh_member_state want;
    sh_member_fold(in_order, 5, &want);
    assert_true(want.active);                            /* e after d at the same instant */
    assert_int_equal(want.roles, BIT(INITIATOR_INTERNAL));
    assert_int_equal(want.joined_ms, 30);
    static const int perms[][5] = {{4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}, {3, 4, 0, 2, 1}};
    for (size_t p = 0; p < sizeof perms / sizeof perms[0]; p++) {
        sh_member_entry arrived[5];
        for (int i = 0; i < 5; i++)
            arrived[i] = in_order[perms[p][i]];
        qsort(arrived, 5, sizeof arrived[0], sh_member_entry_cmp);
        sh_member_state got;
        sh_member_fold(arrived, 5, &got);
        assert_memory_equal(&got, &want, sizeof got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upsert_rules),
        cmocka_unit_test(left_and_rejoin),
        cmocka_unit_test(as_of_an_instant),
        cmocka_unit_test(arrival_order_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
