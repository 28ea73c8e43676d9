/*
 * test_rules.c - kinds, channels and gestures by tier, the sales-care alert
 * rule, and deterministic (idempotent) task ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rules.h"
#include "taskid.h"

#define SHA_OF_GREETING_C1_200O "2d4e0c3b8f1327dc8cefb1a5a48fb63eb4e27be21e1bfaad22a14721ab8a6179"

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
    assert_true(cr_task_id(a, "campaign", "c42", longref));
    assert_true(cr_task_id(b, "campaign", "c42", longref));
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), strlen("campaign:h") + 64);    /* SHA-256 in hex */
    assert_int_equal(strncmp(a, "campaign:h", 10), 0);
}

/* SHA-256 of each part after its 8-byte big-endian length: the exact
 * digest (computed independently with Python's hashlib), and parts that
 * join to the same text give different ids. */
static void test_long_task_ids_are_hashed_without_collisions(void **state)
{
    (void)state;
    char a[CR_TASK_ID_MAX], b[CR_TASK_ID_MAX], ref[210];
    memset(ref, 'o', 200);
    ref[200] = '\0';
    assert_true(cr_task_id(a, "greeting", "c1", ref));
    assert_string_equal(a, "greeting:h" SHA_OF_GREETING_C1_200O);
    /* "c1" + ":" + "x..." and "c1:" + "x...": the same joined text */
    char ref2[210];
    snprintf(ref2, sizeof ref2, ":%s", ref);
    assert_true(cr_task_id(a, "greeting", "c1", ref2));
    assert_true(cr_task_id(b, "greeting", "c1:", ref));
    assert_string_not_equal(a, b);
    /* a 256-byte customer: hashed; the id fits with room to spare */
    char customer[257];
    memset(customer, 'c', 256);
    customer[256] = '\0';
    assert_true(cr_task_id(a, "usage_check", customer, "order:o-1"));
    assert_true(cr_task_id(b, "usage_check", customer, "order:o-2"));
    assert_string_not_equal(a, b);
    assert_true(strlen(a) < CR_TASK_ID_MAX);
    /* a kind longer than 64 bytes is cut at a character boundary: "k" and 33
     * two-byte characters; byte 64 ends inside the 32nd, so 63 are kept */
    char kind[80] = "k";
    for (int i = 0; i < 33; i++)
        strcat(kind, "\xc3\xa9");
    assert_true(cr_task_id(a, kind, "c1", ref));
    assert_int_equal(strchr(a, ':') - a, 63);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gestures_by_tier),
        cmocka_unit_test(test_kind_rules),
        cmocka_unit_test(test_price_alert),
        cmocka_unit_test(test_task_ids_are_deterministic),
        cmocka_unit_test(test_long_task_ids_are_hashed_without_collisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
