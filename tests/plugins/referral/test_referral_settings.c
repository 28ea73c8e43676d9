/*
 * test_referral_settings.c - a bad per-tenant value of the referral plugin
 * refuses the start, naming the key, the tenant and the value: one of each
 * kind the host parses from the typed table (duration, integer, number,
 * enum, list length, time zone) and each compound value the plugin's
 * settings_check parses (reward rules, affinity pairs, the open lower bound
 * of a decay), for a short tenant and for a 256-byte one.
 * Under ABI 1 these were parsed at the tenant's first event, so rapportd
 * started and then dead-lettered the tenant's events.
 *
 * No database is given to the refused starts: the refusal must come before
 * the host connects. The valid values start a daemon on a real database.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "referral_test.h"

/* The wire contract's longest ids, in bytes (proto/README.md). */
enum { TENANT_MAX = 256, CUSTOMER_MAX = 256, EVENT_ID_MAX = 128 };

typedef struct bad_value {
    const char *key;
    const char *value;
    const char *why;
} bad_value;

static const bad_value bad_values[] = {
    {"conversion_window", "15x", "DURATION: unknown unit"},
    {"burst_window", "400d", "DURATION: above max"},
    {"max_depth", "0", "INT: below min"},
    {"key_people_top", "ten", "INT: not a number"},
    {"influence_revenue_weight", "-1", "DOUBLE: below min"},
    {"attribution", "chain", "ENUM: not a choice"},
    {"influence_decay", "0", "check: open lower bound"},
    {"attribution_decay", "0", "check: open lower bound"},
    {"reward_rules", "conversion:friend:5", "check: reward rule sides"},
    {"reward_rules", "bonus:both:5", "check: reward rule trigger"},
    {"affinity_pairs", "lawyer:lawyer", "check: pair of one term"},
    {"default_timezone", "Mars/Base", "TIMEZONE: not a zone"},
};

static void expect_refused(const char *tenant, const bad_value *b)
{
    char *flag;
    assert_true(asprintf(&flag, "--plugin.referral.%s.%s=%s", tenant, b->key, b->value) > 0);
    printf("%s (%s)\n", flag, b->why);
    const char *args[] = {"--plugins=referral", flag, NULL};
    const char *facts[] = {"referral", tenant, b->key, b->value, NULL};
    rp_test_expect_refusal(args, facts);
    free(flag);
}

static void bad_tenant_value_refuses_the_start(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++)
        expect_refused("acme", &bad_values[i]);
}

static void bad_value_of_a_256_byte_tenant_refuses_the_start(void **state)
{
    (void)state;
    char *tenant = rf_long_id("tenant-", 't', TENANT_MAX, '9');
    expect_refused(tenant, &bad_values[0]);
    expect_refused(tenant, &bad_values[8]);
    free(tenant);
}

/* The same keys with valid values, per tenant (a 256-byte one too): the
 * daemon starts and stops cleanly, so the refusals above are about the
 * values. */
static void valid_tenant_values_start(void **state)
{
    (void)state;
    char *tenant = rf_long_id("tenant-", 't', TENANT_MAX, '9'), *long_rules;
    assert_true(asprintf(&long_rules, "--plugin.referral.%s.reward_rules=conversion:both:5", tenant) > 0);
    const char *args[] = {
        "--plugins=referral",
        "--plugin.referral.acme.conversion_window=15d",
        "--plugin.referral.acme.max_depth=5",
        "--plugin.referral.acme.reward_rules=conversion:both:5, spend>=100:referrer:1",
        "--plugin.referral.acme.affinity_pairs=lawyer:notary",
        "--plugin.referral.beta.affinity_pairs=",
        "--plugin.referral.acme.default_timezone=Asia/Shanghai",
        "--plugin.referral.acme.attribution=decay",
        "--plugin.referral.acme.influence_decay=1",
        long_rules,
        NULL,
    };
    char *conninfo = rp_test_create_db("rp_referral_settings");
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
    free(long_rules);
    free(tenant);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_tenant_value_refuses_the_start),
        cmocka_unit_test(bad_value_of_a_256_byte_tenant_refuses_the_start),
        cmocka_unit_test(valid_tenant_values_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
