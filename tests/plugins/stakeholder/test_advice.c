/*
 * test_advice.c - the static advice of seed 004 (role tactics, style
 * approaches), the names of roles/attitudes/styles, the stored form of a
 * person's roles, and the champion rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "advice.h"

static void style_advice_lookup(void **state)
{
    (void)state;
    sh_style s;
    assert_true(sh_style_parse("analytical", &s));
    assert_int_equal(s, SH_STYLE_ANALYTICAL);
    assert_non_null(strstr(sh_style_advice(s), "pros and cons"));
    assert_non_null(strstr(sh_style_advice(s), "evidence"));
    assert_true(sh_style_parse("dominant", &s));
    assert_non_null(strstr(sh_style_advice(s), "let them decide"));
    assert_true(sh_style_parse("amiable", &s));
    assert_non_null(strstr(sh_style_advice(s), "visit often"));
    assert_true(sh_style_parse("expressive", &s));
    assert_non_null(strstr(sh_style_advice(s), "talk about success"));
    assert_false(sh_style_parse("unknown", &s));
    assert_false(sh_style_parse(NULL, &s));
    assert_non_null(strstr(sh_style_advice(SH_STYLE_UNKNOWN), "observe"));
    assert_string_equal(sh_style_name(SH_STYLE_UNKNOWN), "unknown");
}

static void role_actions(void **state)
{
    (void)state;
    assert_non_null(strstr(sh_role_action(SH_ROLE_INITIATOR_INTERNAL), "activate the initiator"));
    assert_non_null(strstr(sh_role_action(SH_ROLE_INFLUENCER_INTERNAL), "win over"));
    assert_non_null(strstr(sh_role_action(SH_ROLE_INFLUENCER_EXTERNAL), "win over"));
    assert_non_null(strstr(sh_role_action(SH_ROLE_EXECUTOR), "acknowledge the executor"));
    assert_non_null(strstr(sh_role_action(SH_ROLE_DECISION_MAKER), "respect the decision maker"));
    assert_non_null(strstr(sh_role_action(SH_ROLE_USER), "serve the users"));
    assert_non_null(strstr(sh_general_action(), "client's gain"));
    assert_null(sh_attitude_action(SH_ATTITUDE_NEUTRAL));
    assert_non_null(sh_attitude_action(SH_ATTITUDE_OPPONENT));
}

static void roles_round_trip(void **state)
{
    (void)state;
    unsigned roles = SH_ROLE_BIT(SH_ROLE_DECISION_MAKER) | SH_ROLE_BIT(SH_ROLE_INITIATOR_INTERNAL);
    char buf[128];
    assert_true(sh_roles_to_array_literal(roles, buf, sizeof buf));
    assert_string_equal(buf, "{initiator_internal,decision_maker}");
    assert_int_equal(sh_roles_from_array_literal(buf), roles);
    assert_true(sh_roles_to_array_literal(0, buf, sizeof buf));
    assert_string_equal(buf, "{}");
    assert_int_equal(sh_roles_from_array_literal("{}"), 0);
    assert_int_equal(sh_roles_from_array_literal("{user,somebody}"), SH_ROLE_BIT(SH_ROLE_USER));
    assert_false(sh_roles_to_array_literal(roles, buf, 10));
    sh_role r;
    assert_true(sh_role_parse("influencer_external", &r));
    assert_int_equal(r, SH_ROLE_INFLUENCER_EXTERNAL);
    assert_false(sh_role_parse("boss", &r));
}

static void champion_rule(void **state)
{
    (void)state;
    unsigned dm = SH_ROLE_BIT(SH_ROLE_DECISION_MAKER), init = SH_ROLE_BIT(SH_ROLE_INITIATOR_INTERNAL);
    unsigned user = SH_ROLE_BIT(SH_ROLE_USER);
    assert_true(sh_is_champion(dm, SH_ATTITUDE_SUPPORTER));
    assert_true(sh_is_champion(init | user, SH_ATTITUDE_SUPPORTER));
    assert_false(sh_is_champion(user, SH_ATTITUDE_SUPPORTER));
    assert_false(sh_is_champion(dm, SH_ATTITUDE_NEUTRAL));
    assert_false(sh_is_champion(dm | init, SH_ATTITUDE_OPPONENT));
    sh_attitude a;
    assert_true(sh_attitude_parse("supporter", &a));
    assert_int_equal(a, SH_ATTITUDE_SUPPORTER);
    assert_false(sh_attitude_parse("fan", &a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(style_advice_lookup),
        cmocka_unit_test(role_actions),
        cmocka_unit_test(roles_round_trip),
        cmocka_unit_test(champion_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
