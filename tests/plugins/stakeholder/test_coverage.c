/*
 * test_coverage.c - coverage of hand-built orgs: every gap kind, threads,
 * single-threaded accounts, the score, and gap changes between evaluations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "coverage.h"

#define ADEQUATE 40.0
#define BIT(r) SH_ROLE_BIT(SH_ROLE_##r)
#define ALL_ROLES ((1u << SH_ROLE_COUNT) - 1)

static void empty_org_has_six_nobody_gaps(void **state)
{
    (void)state;
    sh_coverage c;
    sh_coverage_compute(NULL, 0, ADEQUATE, &c);
    for (int r = 0; r < SH_ROLE_COUNT; r++)
        assert_int_equal(c.gap[r], SH_GAP_NOBODY);
    assert_int_equal(c.score, 0);
    assert_int_equal(c.threads, 0);
    assert_false(c.single_threaded);
}

static void every_gap_kind(void **state)
{
    (void)state;
    const sh_member_view org[] = {
        {BIT(DECISION_MAKER), SH_ATTITUDE_OPPONENT, 90},       /* strong, but against us */
        {BIT(USER), SH_ATTITUDE_SUPPORTER, 39.9},               /* just below the threshold */
        {BIT(EXECUTOR), SH_ATTITUDE_OPPONENT, 80},              /* opponent and ... */
        {BIT(EXECUTOR), SH_ATTITUDE_NEUTRAL, 10},               /* ... a weak neutral */
        {BIT(INITIATOR_INTERNAL) | BIT(INFLUENCER_INTERNAL), SH_ATTITUDE_NEUTRAL, 40}, /* exactly */
    };
    sh_coverage c;
    sh_coverage_compute(org, 5, ADEQUATE, &c);
    assert_int_equal(c.gap[SH_ROLE_DECISION_MAKER], SH_GAP_ONLY_OPPONENTS);
    assert_int_equal(c.gap[SH_ROLE_USER], SH_GAP_ONLY_WEAK);
    assert_int_equal(c.gap[SH_ROLE_EXECUTOR], SH_GAP_ONLY_WEAK);
    assert_int_equal(c.gap[SH_ROLE_INFLUENCER_EXTERNAL], SH_GAP_NOBODY);
    assert_int_equal(c.gap[SH_ROLE_INITIATOR_INTERNAL], SH_GAP_NONE);
    assert_int_equal(c.gap[SH_ROLE_INFLUENCER_INTERNAL], SH_GAP_NONE);
    assert_int_equal(c.covered_roles, 2);
    assert_int_equal(c.score, 33);
    assert_int_equal(c.threads, 1);
    assert_true(c.single_threaded);
    assert_int_equal(c.members, 5);
}

static void one_person_carries_everything(void **state)
{
    (void)state;
    const sh_member_view org[] = {
        {ALL_ROLES, SH_ATTITUDE_SUPPORTER, 75},
        {BIT(USER), SH_ATTITUDE_NEUTRAL, 5},
    };
    sh_coverage c;
    sh_coverage_compute(org, 2, ADEQUATE, &c);
    assert_int_equal(c.covered_roles, 6);
    assert_int_equal(c.score, 100);
    assert_int_equal(c.threads, 1);
    assert_true(c.single_threaded);
}

static void two_threads(void **state)
{
    (void)state;
    const sh_member_view org[] = {
        {BIT(DECISION_MAKER), SH_ATTITUDE_SUPPORTER, 60},
        {BIT(USER), SH_ATTITUDE_NEUTRAL, 41},
    };
    sh_coverage c;
    sh_coverage_compute(org, 2, ADEQUATE, &c);
    assert_int_equal(c.covered_roles, 2);
    assert_int_equal(c.threads, 2);
    assert_false(c.single_threaded);
    assert_int_equal(c.score, 33);
    sh_coverage one;
    sh_coverage_compute(org, 1, ADEQUATE, &one);
    assert_int_equal(one.score, 17);   /* 100/6 rounded */
}

static void changes_between_evaluations(void **state)
{
    (void)state;
    const sh_gap_kind before[SH_ROLE_COUNT] = {SH_GAP_NOBODY, SH_GAP_NONE, SH_GAP_NOBODY,
                                               SH_GAP_ONLY_WEAK, SH_GAP_NONE, SH_GAP_NONE};
    const sh_gap_kind after[SH_ROLE_COUNT] = {SH_GAP_NONE, SH_GAP_NONE, SH_GAP_ONLY_WEAK,
                                              SH_GAP_ONLY_WEAK, SH_GAP_ONLY_OPPONENTS, SH_GAP_NONE};
    sh_gap_change ch[2 * SH_ROLE_COUNT];
    size_t n = sh_gap_changes(before, after, ch);
    assert_int_equal(n, 4);
    /* closings first, in role order */
    assert_int_equal(ch[0].role, SH_ROLE_INITIATOR_INTERNAL);
    assert_int_equal(ch[0].kind, SH_GAP_NOBODY);
    assert_false(ch[0].opened);
    assert_int_equal(ch[1].role, SH_ROLE_INFLUENCER_EXTERNAL);
    assert_int_equal(ch[1].kind, SH_GAP_NOBODY);
    assert_false(ch[1].opened);
    assert_int_equal(ch[2].role, SH_ROLE_INFLUENCER_EXTERNAL);
    assert_int_equal(ch[2].kind, SH_GAP_ONLY_WEAK);
    assert_true(ch[2].opened);
    assert_int_equal(ch[3].role, SH_ROLE_DECISION_MAKER);
    assert_int_equal(ch[3].kind, SH_GAP_ONLY_OPPONENTS);
    assert_true(ch[3].opened);
    assert_int_equal(sh_gap_changes(after, after, ch), 0);
}

static void gap_names(void **state)
{
    (void)state;
    sh_gap_kind k;
    assert_true(sh_gap_kind_parse("only_opponents", &k));
    assert_int_equal(k, SH_GAP_ONLY_OPPONENTS);
    assert_string_equal(sh_gap_kind_name(SH_GAP_ONLY_WEAK), "only_weak");
    assert_false(sh_gap_kind_parse("weak", &k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_org_has_six_nobody_gaps),
        cmocka_unit_test(every_gap_kind),
        cmocka_unit_test(one_person_carries_everything),
        cmocka_unit_test(two_threads),
        cmocka_unit_test(changes_between_evaluations),
        cmocka_unit_test(gap_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
