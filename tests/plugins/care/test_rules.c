/*
 * test_rules.c - kinds, channels and gestures by tier, the sales-care alert
 * rule, and deterministic (idempotent) task ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rules.h"
#include "taskid.h"

static void test_gestures_by_tier(void **state)
{
    (void)state;
    const char *channel, *gesture;
    cr_pick_channel("birthday", "vip", "email", &channel, &gesture);
    assert_string_equal(channel, "phone");
    assert_string_equal(gesture, "phone call plus flowers or a cake");
    cr_pick_channel("birthday", "ordinary", NULL, &channel, &gesture);
    assert_string_equal(channel, "sms");
    assert_string_equal(gesture, "");
    cr_pick_channel("birthday", "ordinary", "email", &channel, &gesture);
    assert_string_equal(channel, "email");                   /* preferred channel wins */
    cr_pick_channel("campaign", "key", NULL, &channel, &gesture);
    assert_string_equal(gesture, "personal invitation call");
    cr_pick_channel("see_off", "small", "email", &channel, &gesture);
    assert_string_equal(channel, "visit");                   /* in person at the till */
    cr_pick_channel("survey_follow_up", NULL, NULL, &channel, &gesture);
    assert_string_equal(channel, "phone");
}

static void test_kind_rules(void **state)
{
    (void)state;
    assert_true(cr_kind_rule_of("regular")->marketing);
    assert_true(cr_kind_rule_of("campaign")->marketing);
    assert_false(cr_kind_rule_of("birthday")->marketing);
    assert_int_equal(cr_kind_rule_of("stop_loss")->priority, 1);
    assert_false(cr_kind_rule_of("see_off")->needs_contact);
    assert_string_equal(cr_kind_rule_of("anything")->kind, "other");
    assert_true(cr_tier_is_close("key"));
    assert_false(cr_tier_is_close("ordinary"));
    assert_false(cr_tier_is_close(NULL));
}

static void test_price_alert(void **state)
{
    (void)state;
    assert_string_equal(cr_price_alert(90, 90, 120), "stop_loss");
    assert_string_equal(cr_price_alert(121, 90, 120), "take_profit");
    assert_null(cr_price_alert(100, 90, 120));
    assert_null(cr_price_alert(5, 0, 0));                  /* no range set */
}

static void test_task_ids_are_deterministic(void **state)
{
    (void)state;
    char a[CR_TASK_ID_MAX], b[CR_TASK_ID_MAX];
    cr_task_id(a, "greeting", "c42", "order:o-1");
    assert_string_equal(a, "greeting:c42:order:o-1");
    cr_task_id(b, "greeting", "c42", "order:o-1");            /* duplicate trigger */
    assert_string_equal(a, b);
    cr_task_id(b, "greeting", "c42", "order:o-2");
    assert_string_not_equal(a, b);
    char longref[400];
    memset(longref, 'x', sizeof longref - 1);
    longref[sizeof longref - 1] = '\0';
    cr_task_id(a, "campaign", "c42", longref);
    cr_task_id(b, "campaign", "c42", longref);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), strlen("campaign:h") + 16);
    assert_int_equal(strncmp(a, "campaign:h", 10), 0);
    assert_true(cr_fnv1a64("") == 0xcbf29ce484222325ULL);
    assert_true(cr_fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gestures_by_tier),
        cmocka_unit_test(test_kind_rules),
        cmocka_unit_test(test_price_alert),
        cmocka_unit_test(test_task_ids_are_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
