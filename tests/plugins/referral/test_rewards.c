/*
 * test_rewards.c - reward rules (parsing and errors), each earned reward
 * exactly once under repeated evaluation and replay, held rewards, the fraud
 * guards, and revenue attribution up the chain.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attribution.h"
#include "fraud.h"
#include "keyset.h"
#include "rewards.h"

#define assert_exact(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9)
#define DAY 86400000LL

static const char *const RULES = "conversion:both:10, spend>=500:referrer:50,referrals>=2:referrer:100";

static void test_parse_rules(void **state)
{
    (void)state;
    rf_reward_rules r;
    char err[256];
    assert_true(rf_rewards_parse(RULES, &r, err, sizeof err));
    assert_int_equal(r.count, 3);
    assert_string_equal(r.rule[0].name, "conversion");
    assert_int_equal(r.rule[0].trigger, RF_TRIGGER_CONVERSION);
    assert_int_equal(r.rule[0].sides, RF_SIDE_REFERRER | RF_SIDE_REFEREE);
    assert_exact(r.rule[0].amount, 10);
    assert_string_equal(r.rule[1].name, "spend>=500");
    assert_exact(r.rule[1].threshold, 500);
    assert_int_equal(r.rule[1].sides, RF_SIDE_REFERRER);
    assert_string_equal(r.rule[2].name, "referrals>=2");
    assert_int_equal(r.rule[2].trigger, RF_TRIGGER_REFERRALS);
    assert_true(rf_rewards_parse("", &r, err, sizeof err));
    assert_int_equal(r.count, 0);
    assert_true(rf_rewards_parse(NULL, &r, err, sizeof err));
}

static void test_parse_errors(void **state)
{
    (void)state;
    rf_reward_rules r;
    char err[256];
    assert_false(rf_rewards_parse("conversion:both", &r, err, sizeof err));
    assert_string_equal(err, "reward rule 'conversion:both': expected TRIGGER:SIDES:AMOUNT");
    assert_false(rf_rewards_parse("signup:both:5", &r, err, sizeof err));
    assert_string_equal(err, "reward rule trigger 'signup': expected conversion, spend>=X "
                             "or referrals>=N (N a whole number >= 1)");
    assert_false(rf_rewards_parse("referrals>=2.5:referrer:5", &r, err, sizeof err));
    assert_false(rf_rewards_parse("referrals>=3:both:5", &r, err, sizeof err));
    assert_string_equal(err, "reward rule 'referrals>=3' sides 'both': expected referrer, referee "
                             "or both (referrals>=N: referrer only)");
    assert_false(rf_rewards_parse("conversion:friend:5", &r, err, sizeof err));
    assert_false(rf_rewards_parse("spend>=100:referee:-1", &r, err, sizeof err));
    assert_string_equal(err, "reward rule 'spend>=100' amount '-1': expected a number >= 0");
    assert_false(rf_rewards_parse("conversion:both:1,conversion:referee:2", &r, err, sizeof err));
    assert_string_equal(err, "reward rule 'conversion' appears twice");
}

/* The ledger the plugin keeps in referral_rewards (unique key). */
typedef struct ledger {
    char keys[32][128];
    int n;
} ledger;

static bool claim(ledger *l, const rf_reward *r)
{
    char key[128];
    assert_true(rf_reward_key(r, key, sizeof key) < (int)sizeof key);
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->keys[i], key) == 0)
            return false;
    snprintf(l->keys[l->n++], sizeof l->keys[0], "%s", key);
    return true;
}

/* Evaluates and returns the rewards newly earned, as "rule/side/beneficiary" lines. */
static int evaluate(const rf_reward_rules *rules, const rf_reward_facts *facts, ledger *l,
                    char out[][64])
{
    rf_reward due[16];
    size_t n = rf_rewards_due(rules, facts, due, 16);
    assert_true(n <= 16);
    int fresh = 0;
    for (size_t i = 0; i < n; i++)
        if (claim(l, &due[i]))
            snprintf(out[fresh++], 64, "%s/%s/%s%s", due[i].rule->name, rf_side_name(due[i].side),
                     due[i].beneficiary, due[i].held ? "/held" : "");
    return fresh;
}

static void test_each_reward_exactly_once(void **state)
{
    (void)state;
    rf_reward_rules rules;
    char err[256], got[16][64];
    assert_true(rf_rewards_parse(RULES, &rules, err, sizeof err));
    ledger l = {.n = 0};

    rf_reward_facts f = {.referrer = "ann", .referee = "bob"};
    assert_int_equal(evaluate(&rules, &f, &l, got), 0); /* not converted yet */

    f.converted = true;
    f.referee_spend = 200;
    f.referrer_converted = 1;
    assert_int_equal(evaluate(&rules, &f, &l, got), 2);
    assert_string_equal(got[0], "conversion/referrer/ann");
    assert_string_equal(got[1], "conversion/referee/bob");
    assert_int_equal(evaluate(&rules, &f, &l, got), 0); /* replay */

    f.referee_spend = 500; /* threshold reached exactly */
    assert_int_equal(evaluate(&rules, &f, &l, got), 1);
    assert_string_equal(got[0], "spend>=500/referrer/ann");
    f.referee_spend = 900;
    assert_int_equal(evaluate(&rules, &f, &l, got), 0);

    /* a second converted referral: the referrer's tier reward, once */
    rf_reward_facts g = {.referrer = "ann", .referee = "cy", .converted = true,
                         .referee_spend = 0, .referrer_converted = 2};
    assert_int_equal(evaluate(&rules, &g, &l, got), 3);
    assert_string_equal(got[0], "conversion/referrer/ann");
    assert_string_equal(got[1], "conversion/referee/cy");
    assert_string_equal(got[2], "referrals>=2/referrer/ann");
    f.referrer_converted = 2;
    assert_int_equal(evaluate(&rules, &f, &l, got), 0);
    assert_int_equal(l.n, 6);
}

static void test_held_referral(void **state)
{
    (void)state;
    rf_reward_rules rules;
    char err[256], got[16][64];
    assert_true(rf_rewards_parse(RULES, &rules, err, sizeof err));
    ledger l = {.n = 0};
    rf_reward_facts f = {.referrer = "ann", .referee = "ann2", .converted = true,
                         .referee_spend = 600, .referrer_converted = 2, .held = true};
    assert_int_equal(evaluate(&rules, &f, &l, got), 4);
    assert_string_equal(got[0], "conversion/referrer/ann/held");
    assert_string_equal(got[1], "conversion/referee/ann2/held");
    assert_string_equal(got[2], "spend>=500/referrer/ann/held");
    /* counts only unflagged referrals, so never held for this one */
    assert_string_equal(got[3], "referrals>=2/referrer/ann");
    f.held = false; /* a later release cannot pay twice */
    assert_int_equal(evaluate(&rules, &f, &l, got), 0);
}

static void test_reward_key_unambiguous(void **state)
{
    (void)state;
    rf_reward_rule rule = {.name = "conversion"};
    rf_reward a = {.rule = &rule, .side = RF_SIDE_REFERRER, .referrer = "a|1", .referee = "b"};
    rf_reward b = {.rule = &rule, .side = RF_SIDE_REFERRER, .referrer = "a", .referee = "1|b"};
    char ka[64], kb[64];
    rf_reward_key(&a, ka, sizeof ka);
    rf_reward_key(&b, kb, sizeof kb);
    assert_string_equal(ka, "conversion|referrer|3:a|1|1:b");
    assert_string_equal(kb, "conversion|referrer|1:a|3:1|b");
}

static void test_contact_hashes(void **state)
{
    (void)state;
    assert_true(rf_email_hash(" Ann@Example.COM ") == rf_email_hash("ann@example.com"));
    assert_true(rf_email_hash("ann@example.com") != rf_email_hash("ann@example.org"));
    assert_true(rf_email_hash("not-an-address") == 0);
    assert_true(rf_email_hash("") == 0);
    assert_true(rf_email_hash(NULL) == 0);
    assert_true(rf_phone_hash("+44 20 7946-0958") == rf_phone_hash("442079460958"));
    assert_true(rf_phone_hash("+44 20 7946-0959") != rf_phone_hash("442079460958"));
    assert_true(rf_phone_hash("12345") == 0); /* too short to identify anyone */
    assert_true(rf_phone_hash("123456") != 0);
}

static void test_fraud_flags(void **state)
{
    (void)state;
    rf_fraud_rules rules = {.burst_max = 3, .burst_window_ms = DAY};
    int64_t t = 100 * DAY;
    int64_t earlier[] = {t - DAY, t - DAY + 1, t - 5, t - 1};
    rf_fraud_input in = {
        .referrer_email = rf_email_hash("a@x.com"), .referee_email = rf_email_hash("A@X.com"),
        .referrer_phone = rf_phone_hash("0123456789"), .referee_phone = rf_phone_hash("0999999999"),
        .earlier_ms = earlier, .nearlier = 2, .referred_ms = t,
    };
    /* (t - 1d, t]: t-1d+1 and this one */
    assert_int_equal(rf_burst_count(earlier, 2, t, DAY), 2);
    assert_int_equal(rf_fraud_assess(&rules, &in), RF_FLAG_SAME_EMAIL);
    in.nearlier = 3; /* third in the window: still allowed */
    assert_int_equal(rf_burst_count(earlier, 3, t, DAY), 3);
    assert_int_equal(rf_fraud_assess(&rules, &in), RF_FLAG_SAME_EMAIL);
    in.nearlier = 4; /* fourth: beyond burst_max */
    in.referee_phone = in.referrer_phone;
    unsigned flags = rf_fraud_assess(&rules, &in);
    assert_int_equal(flags, RF_FLAG_SAME_EMAIL | RF_FLAG_SAME_PHONE | RF_FLAG_BURST);
    char names[64];
    assert_string_equal(rf_flag_names(flags, names, sizeof names), "same_email,same_phone,burst");
    assert_string_equal(rf_flag_names(0, names, sizeof names), "");
    rules.burst_max = 0; /* disabled */
    in.referrer_email = in.referee_email = 0; /* unknown never matches */
    in.referee_phone = 0;
    assert_int_equal(rf_fraud_assess(&rules, &in), 0);
}

/* The burst flag of each referral from the set of times, in any order: a
 * referral learnt late flags the later ones it crowds, as if it had come in
 * time. burst_max 2, window 1 day. */
static void test_burst_flags_from_times(void **state)
{
    (void)state;
    rf_fraud_rules rules = {.burst_max = 2, .burst_window_ms = DAY};
    int64_t t = 100 * DAY;
    /* g1 t, g2 t+1m, g3 t+2m (the third within a day: flagged), g4 t+1d (g1
     * has left its window, (t, t+1d] holds g2 g3 g4: flagged), g5 t+3d */
    int64_t times[5] = {t + 2 * 60000, t + DAY, t, t + 3 * DAY, t + 60000};
    bool want[5] = {true, true, false, false, false};
    bool got[5];
    assert_true(rf_burst_flags(&rules, times, 5, got));
    for (int k = 0; k < 5; k++)
        assert_int_equal(got[k], want[k]);
    /* the first two alone: none flagged, whatever their order */
    int64_t two[2] = {t + 60000, t};
    assert_true(rf_burst_flags(&rules, two, 2, got));
    assert_false(got[0] || got[1]);
    /* the same instant counts both ways */
    int64_t same[3] = {t, t, t};
    assert_true(rf_burst_flags(&rules, same, 3, got));
    assert_true(got[0] && got[1] && got[2]);
    rules.burst_max = 0;   /* off */
    assert_true(rf_burst_flags(&rules, same, 3, got));
    assert_false(got[0] || got[1] || got[2]);
    assert_true(rf_burst_flags(&rules, NULL, 0, got));
}

static void test_attribution(void **state)
{
    (void)state;
    double shares[4];
    rf_attribution_rule direct = {.mode = RF_ATTR_DIRECT, .decay = 0.5, .levels = 3};
    assert_int_equal(rf_attribute(&direct, 700, 3, shares), 1);
    assert_exact(shares[0], 700);
    assert_int_equal(rf_attribute(&direct, 700, 0, shares), 0);

    rf_attribution_rule decay = {.mode = RF_ATTR_DECAY, .decay = 0.5, .levels = 3};
    /* weights 1, 0.5, 0.25 -> 4/7, 2/7, 1/7 */
    assert_int_equal(rf_attribute(&decay, 700, 5, shares), 3);
    assert_exact(shares[0], 400);
    assert_exact(shares[1], 200);
    assert_exact(shares[2], 100);
    /* a chain of two shares among two: 2/3, 1/3 */
    assert_int_equal(rf_attribute(&decay, 300, 2, shares), 2);
    assert_exact(shares[0], 200);
    assert_exact(shares[1], 100);
    /* refunds attribute negatively the same way */
    assert_int_equal(rf_attribute(&decay, -70, 3, shares), 3);
    assert_exact(shares[0], -40);

    rf_attribution_mode m;
    assert_true(rf_attribution_mode_parse("decay", &m));
    assert_int_equal(m, RF_ATTR_DECAY);
    assert_true(rf_attribution_mode_parse("direct", &m));
    assert_int_equal(m, RF_ATTR_DIRECT);
    assert_false(rf_attribution_mode_parse("all", &m));
    assert_false(rf_attribution_mode_parse(NULL, &m));
}

/* The run's set of known ledger keys: each key is new once, whatever the
 * number of keys (growth keeps every earlier key). */
static void test_keyset(void **state)
{
    (void)state;
    rf_keyset set = {0};
    bool added;
    assert_false(rf_keyset_contains(&set, "conversion|referrer|3:ann|3:bob"));
    assert_true(rf_keyset_add(&set, "conversion|referrer|3:ann|3:bob", &added));
    assert_true(added);
    assert_true(rf_keyset_add(&set, "conversion|referrer|3:ann|3:bob", &added));
    assert_false(added);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_true(rf_keyset_add(&set, key, &added));
        assert_true(added);
    }
    assert_int_equal(set.count, 1001);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_true(rf_keyset_contains(&set, key));
    }
    assert_true(rf_keyset_contains(&set, "conversion|referrer|3:ann|3:bob"));
    assert_false(rf_keyset_contains(&set, "k1000"));
    rf_keyset_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_rules),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_each_reward_exactly_once),
        cmocka_unit_test(test_held_referral),
        cmocka_unit_test(test_reward_key_unambiguous),
        cmocka_unit_test(test_contact_hashes),
        cmocka_unit_test(test_fraud_flags),
        cmocka_unit_test(test_burst_flags_from_times),
        cmocka_unit_test(test_attribution),
        cmocka_unit_test(test_keyset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
