/*
 * test_settings.c - ABI 2: the host parses and checks every setting of a
 * plugin's typed table (rp_setting), plugin-wide and as TENANT.KEY
 * overrides, from the flags and from the file, before anything runs, and
 * refuses to start on a bad one with a message naming the plugin, the key,
 * the tenant and the value (rapport/plugin.h, "Settings").
 *
 * The plugin is tests/contract/plugins/counter.c, which declares one key of
 * each type: sleep_ms INT 0..600000, label STRING, weight DOUBLE 0..100,
 * flag BOOL, wait DURATION 0..7d, level ENUM low/mid/high, names LIST of at
 * most 3 (all per tenant) and shared INT (plugin-wide only); its
 * settings_check refuses flag = true without a label. No database is given:
 * a refusal must come before the host connects to one. Messages are checked
 * for the facts they must carry, not word for word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rp_test.h"

#define COUNTER_SO CONTRACT_PLUGIN_DIR "/counter.so"

/* rapportd with the plugins and more arguments (flags, or "--config=FILE";
 * NULL-terminated), which must refuse to start (exit 1) with an output
 * (stdout and stderr) naming every fact. */
static void expect_plugin_refused(const char *plugins, const char *const *args, const char *const *facts)
{
    char plugins_flag[4096];
    const char *all[16] = {plugins_flag};
    size_t n = 1;
    snprintf(plugins_flag, sizeof plugins_flag, "--plugins=%s", plugins);
    for (const char *const *a = args; *a && n < 15; a++)
        all[n++] = *a;
    all[n] = NULL;
    rp_test_expect_refusal(all, facts);
}

/* The same with counter.so and one argument. */
static void expect_refused(const char *arg, const char *const *facts)
{
    const char *args[] = {arg, NULL};
    expect_plugin_refused(COUNTER_SO, args, facts);
}

typedef struct bad_value {
    const char *key;
    const char *value;
    const char *why;
} bad_value;

/* One bad value of each type, and values out of each kind of range. */
static const bad_value bad_values[] = {
    {"sleep_ms", "soon", "INT: not a number"},
    {"sleep_ms", "12abc", "INT: trailing text"},
    {"sleep_ms", "2.5", "INT: not an integer"},
    {"sleep_ms", "600001", "INT: above max"},
    {"sleep_ms", "-1", "INT: below min"},
    {"weight", "heavy", "DOUBLE: not a number"},
    {"weight", "inf", "DOUBLE: not finite"},
    {"weight", "100.5", "DOUBLE: above max"},
    {"flag", "maybe", "BOOL: not a truth value"},
    {"wait", "15x", "DURATION: unknown unit"},
    {"wait", "8d", "DURATION: above max"},
    {"level", "extreme", "ENUM: not a choice"},
    {"names", "a,b,c,d", "LIST: more items than max"},
};

static void bad_plugin_wide_value_of_each_type_refuses_the_start(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        const bad_value *b = &bad_values[i];
        char arg[256];
        snprintf(arg, sizeof arg, "--plugin.counter.%s=%s", b->key, b->value);
        const char *facts[] = {"counter", b->key, b->value, NULL};
        print_message("%s (%s)\n", arg, b->why);
        expect_refused(arg, facts);
    }
}

static void bad_tenant_override_of_each_type_refuses_the_start(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        const bad_value *b = &bad_values[i];
        char arg[256];
        snprintf(arg, sizeof arg, "--plugin.counter.acme.%s=%s", b->key, b->value);
        const char *facts[] = {"counter", b->key, "acme", b->value, NULL};
        print_message("%s (%s)\n", arg, b->why);
        expect_refused(arg, facts);
    }
}

/* A tenant of the longest valid id (256 bytes) is named whole. */
static void bad_override_of_a_longest_tenant_names_it_whole(void **state)
{
    (void)state;
    char tenant[257], arg[512];
    memset(tenant, 't', 255);
    tenant[255] = 'Z';
    tenant[256] = '\0';
    snprintf(arg, sizeof arg, "--plugin.counter.%s.wait=15x", tenant);
    const char *facts[] = {"counter", "wait", tenant, "15x", NULL};
    expect_refused(arg, facts);
}

/* shared has no RP_SETTING_PER_TENANT: a tenant may not override it. */
static void override_of_a_plugin_wide_only_key_refuses_the_start(void **state)
{
    (void)state;
    const char *facts[] = {"counter", "shared", "acme", NULL};
    expect_refused("--plugin.counter.acme.shared=1", facts);
}

static void unknown_key_refuses_the_start(void **state)
{
    (void)state;
    const char *facts[] = {"counter", "sleeep_ms", NULL};
    expect_refused("--plugin.counter.sleeep_ms=5", facts);
    expect_refused("--plugin.counter.acme.sleeep_ms=5", facts);
}

/* counter's settings_check: flag = true needs a label. Its message reaches
 * the operator with the plugin (and the tenant) added by the host. */
static void settings_check_error_refuses_the_start(void **state)
{
    (void)state;
    const char *wide[] = {"counter", "flag = true needs a non-empty label", NULL};
    expect_refused("--plugin.counter.flag=true", wide);
    const char *tenant[] = {"counter", "acme", "flag = true needs a non-empty label", NULL};
    expect_refused("--plugin.counter.acme.flag=true", tenant);
}

/* The same checks apply to [plugin.NAME] of the file. */
static void bad_override_in_the_file_refuses_the_start(void **state)
{
    (void)state;
    char path[] = "/tmp/rp_contract_settings_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char conf[] = "[plugin.counter]\nlabel = fine\nacme.wait = 15x\n";
    assert_int_equal(write(fd, conf, sizeof conf - 1), (ssize_t)(sizeof conf - 1));
    close(fd);
    char arg[300];
    snprintf(arg, sizeof arg, "--config=%s", path);
    const char *facts[] = {"counter", "wait", "acme", "15x", NULL};
    expect_refused(arg, facts);
    unlink(path);
}

/* The example plugin (the template authors copy) checks across keys that
 * its follow-ups end within a year, and keeps first_seen plugin-wide. */
static void example_plugin_refuses_its_own_bad_settings(void **state)
{
    (void)state;
    const char *too_long[] = {"--plugin.example.acme.follow_up=90d", "--plugin.example.acme.follow_ups=5", NULL};
    const char *too_long_facts[] = {"example", "acme", "follow_up", "follow_ups", NULL};
    expect_plugin_refused("example", too_long, too_long_facts);
    const char *per_tenant[] = {"--plugin.example.acme.first_seen=off", NULL};
    const char *per_tenant_facts[] = {"example", "acme", "first_seen", NULL};
    expect_plugin_refused("example", per_tenant, per_tenant_facts);
    const char *bad_enum[] = {"--plugin.example.first_seen=sometimes", NULL};
    const char *bad_enum_facts[] = {"example", "first_seen", "sometimes", NULL};
    expect_plugin_refused("example", bad_enum, bad_enum_facts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_plugin_wide_value_of_each_type_refuses_the_start),
        cmocka_unit_test(bad_tenant_override_of_each_type_refuses_the_start),
        cmocka_unit_test(bad_override_of_a_longest_tenant_names_it_whole),
        cmocka_unit_test(override_of_a_plugin_wide_only_key_refuses_the_start),
        cmocka_unit_test(unknown_key_refuses_the_start),
        cmocka_unit_test(settings_check_error_refuses_the_start),
        cmocka_unit_test(bad_override_in_the_file_refuses_the_start),
        cmocka_unit_test(example_plugin_refuses_its_own_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
