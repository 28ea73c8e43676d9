/*
 * test_sla.c - severities, per-severity allowances, and the escalation
 * ladder: owner -> manager -> director, then no further.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sla.h"

#define HOUR 3600000LL

static void test_severities(void **state)
{
    (void)state;
    sv_severity s;
    assert_true(sv_severity_parse("critical", &s));
    assert_int_equal(s, SV_SEV_CRITICAL);
    assert_false(sv_severity_parse("urgent", &s));
    assert_false(sv_severity_parse(NULL, &s));
    assert_string_equal(sv_severity_name(SV_SEV_LOW), "low");
}

static void test_allowances(void **state)
{
    (void)state;
    sv_sla_table t;
    char err[128];
    assert_true(sv_sla_parse("low=24h,normal=8h,high=4h,critical=90m", &t, err, sizeof err));
    assert_int_equal(t.ms[SV_SEV_LOW], 24 * HOUR);
    assert_int_equal(t.ms[SV_SEV_NORMAL], 8 * HOUR);
    assert_int_equal(t.ms[SV_SEV_HIGH], 4 * HOUR);
    assert_int_equal(t.ms[SV_SEV_CRITICAL], 90 * 60000LL);
    assert_false(sv_sla_parse("low=24h,normal=8h,high=4h", &t, err, sizeof err));
    assert_string_equal(err, "severity 'critical' has no allowance");
    assert_false(sv_sla_parse("low=24h,normal=8d,high=4h,critical=1h", &t, err, sizeof err));
    assert_string_equal(err, "entry 'normal=8d': expected low|normal|high|critical=N(h|m)");
    assert_false(sv_sla_parse("low", &t, err, sizeof err));
}

static void test_ladder(void **state)
{
    (void)state;
    sv_ladder l;
    char err[128];
    assert_true(sv_ladder_parse("owner,manager,director", &l, err, sizeof err));
    assert_int_equal(l.count, 3);
    /* a complaint starts with its owner and climbs one level per breach */
    assert_string_equal(sv_ladder_name(&l, 0), "owner");
    assert_int_equal(sv_ladder_next(&l, 0), 1);
    assert_string_equal(sv_ladder_name(&l, 1), "manager");
    assert_int_equal(sv_ladder_next(&l, 1), 2);
    assert_string_equal(sv_ladder_name(&l, 2), "director");
    /* at the top it stays */
    assert_int_equal(sv_ladder_next(&l, 2), -1);
    assert_string_equal(sv_ladder_name(&l, 7), "director");
    assert_false(sv_ladder_parse("owner", &l, err, sizeof err));
    assert_false(sv_ladder_parse("owner,,director", &l, err, sizeof err));
    assert_true(sv_ladder_parse("agent,lead,manager,vp,ceo", &l, err, sizeof err));
    assert_int_equal(sv_ladder_next(&l, 3), 4);
    assert_string_equal(sv_ladder_name(&l, 4), "ceo");
    /* the same from a list setting's items */
    static const char *const names[] = {"agent", "lead"};
    assert_true(sv_ladder_from_names(names, 2, &l, err, sizeof err));
    assert_int_equal(l.count, 2);
    assert_string_equal(sv_ladder_name(&l, 1), "lead");
    assert_false(sv_ladder_from_names(names, 1, &l, err, sizeof err));
    assert_string_equal(err, "expected at least two levels, e.g. owner,manager,director");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_severities),
        cmocka_unit_test(test_allowances),
        cmocka_unit_test(test_ladder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
