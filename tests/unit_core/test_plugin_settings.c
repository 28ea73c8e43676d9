/*
 * test_plugin_settings.c - a plugin's typed settings table parsed into its
 * structs: every type, ranges, defaults, per-tenant overrides, the
 * plugin-wide struct for tenants first seen at run time, settings_check and
 * release, and the exact refusal messages. Also the stable ordering of a
 * call's items by tenant (plugin_call.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugin_call.h"
#include "plugin_settings.h"
#include "setting_parse.h"

typedef struct demo_settings {
    const char *label;
    int64_t limit;
    double ratio;
    bool loud;
    int64_t delay_ms;
    int mode;
    rp_list tags;
    const char *zone;
    int checked;          /* set by check: not in the table */
} demo_settings;

static const char *const modes[] = {"off", "soft", "hard", NULL};
static int releases;

static const rp_setting table[] = {
    {"label", RP_SETTING_STRING, offsetof(demo_settings, label), "plain", 0, 0, NULL, RP_SETTING_PER_TENANT, "a label"},
    {"limit", RP_SETTING_INT, offsetof(demo_settings, limit), "10", 1, 100, NULL, RP_SETTING_PER_TENANT, "a count"},
    {"ratio", RP_SETTING_DOUBLE, offsetof(demo_settings, ratio), "0.5", 0, 1, NULL, 0, "a share"},
    {"loud", RP_SETTING_BOOL, offsetof(demo_settings, loud), "no", 0, 0, NULL, RP_SETTING_PER_TENANT, "a switch"},
    {"delay", RP_SETTING_DURATION, offsetof(demo_settings, delay_ms), "15m", 60000, 86400000, NULL,
     RP_SETTING_PER_TENANT, "a wait"},
    {"mode", RP_SETTING_ENUM, offsetof(demo_settings, mode), "soft", 0, 0, modes, RP_SETTING_PER_TENANT, "a mode"},
    {"tags", RP_SETTING_LIST, offsetof(demo_settings, tags), "a, b", 0, 3, NULL, RP_SETTING_PER_TENANT, "labels"},
    {"zone", RP_SETTING_TIMEZONE, offsetof(demo_settings, zone), "UTC", 0, 0, NULL, RP_SETTING_PER_TENANT, "a zone"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* Cross-key rule: a loud setting needs a limit of at least 5. */
static int check(void *settings, const char *tenant, char *err, size_t errlen)
{
    demo_settings *s = settings;
    (void)tenant;
    if (s->loud && s->limit < 5) {
        snprintf(err, errlen, "loud needs limit >= 5 (limit = %lld)", (long long)s->limit);
        return RP_ERROR;
    }
    s->checked = 1;
    return RP_OK;
}

static void release(void *settings)
{
    (void)settings;
    releases++;
}

static const rp_plugin demo = {
    RP_PLUGIN_INIT_HEADER,
    .name = "demo",
    .settings = table,
    .settings_size = sizeof(demo_settings),
    .settings_check = check,
    .settings_release = release,
};

static rp_config config_with(rp_plugin_setting *settings, size_t count)
{
    rp_config cfg = {0};
    cfg.plugin_settings = settings;
    cfg.plugin_settings_count = count;
    return cfg;
}

#define SETTING(k, v) {.plugin = "demo", .key = (char *)(k), .value = (char *)(v)}

static void test_defaults_fill_every_type(void **unused)
{
    (void)unused;
    char err[512] = "";
    rp_config cfg = config_with(NULL, 0);
    rp_settings_store *store = rp_settings_build(&demo, &cfg, err, sizeof err);
    assert_non_null(store);
    const demo_settings *s = rp_settings_plugin_wide(store);
    assert_string_equal(s->label, "plain");
    assert_int_equal(s->limit, 10);
    assert_true(s->ratio == 0.5);
    assert_false(s->loud);
    assert_int_equal(s->delay_ms, 900000);
    assert_int_equal(s->mode, 1);
    assert_int_equal(s->tags.count, 2);
    assert_string_equal(s->tags.items[0], "a");
    assert_string_equal(s->tags.items[1], "b");
    assert_string_equal(s->zone, "UTC");
    assert_int_equal(s->checked, 1);
    assert_ptr_equal(rp_settings_for(store, "anyone"), s);
    releases = 0;
    rp_settings_free(store);
    assert_int_equal(releases, 1);
}

static void test_tenant_overrides_and_runtime_tenants(void **unused)
{
    (void)unused;
    rp_plugin_setting settings[] = {
        SETTING("limit", "20"), SETTING("acme.limit", "30"), SETTING("acme.mode", "hard"),
        SETTING("a.b.c.tags", ""), SETTING("zeta.loud", "yes"), SETTING("zeta.zone", "Europe/London"),
    };
    rp_config cfg = config_with(settings, 6);
    char err[512] = "";
    rp_settings_store *store = rp_settings_build(&demo, &cfg, err, sizeof err);
    assert_non_null(store);
    assert_int_equal(rp_settings_tenant_count(store), 3);
    const demo_settings *wide = rp_settings_plugin_wide(store);
    const demo_settings *acme = rp_settings_for(store, "acme");
    const demo_settings *dotted = rp_settings_for(store, "a.b.c");
    const demo_settings *zeta = rp_settings_for(store, "zeta");
    assert_int_equal(wide->limit, 20);
    assert_int_equal(acme->limit, 30);
    assert_int_equal(acme->mode, 2);
    assert_int_equal(dotted->limit, 20);       /* plugin-wide value, not the default */
    assert_int_equal(dotted->tags.count, 0);
    assert_true(zeta->loud);
    assert_string_equal(zeta->zone, "Europe/London");
    assert_string_equal(acme->zone, "UTC");
    assert_ptr_equal(rp_settings_for(store, "newcomer"), wide);
    assert_ptr_equal(rp_settings_for(store, NULL), wide);
    releases = 0;
    rp_settings_free(store);
    assert_int_equal(releases, 4);
}

static void expect_refusal(rp_plugin_setting *settings, size_t count, const char *message)
{
    rp_config cfg = config_with(settings, count);
    char err[512] = "";
    releases = 0;
    rp_settings_store *store = rp_settings_build(&demo, &cfg, err, sizeof err);
    assert_null(store);
    assert_string_equal(err, message);
}

static void test_bad_values_name_plugin_tenant_key_value(void **unused)
{
    (void)unused;
    rp_plugin_setting s1[] = {SETTING("acme.delay", "15x")};
    expect_refusal(s1, 1, "plugin demo: tenant acme: setting delay = \"15x\" must be a duration such as "
                          "500ms, 30s, 15m, 2h, 7d, 2w");
    rp_plugin_setting s2[] = {SETTING("limit", "101")};
    expect_refusal(s2, 1, "plugin demo: setting limit = \"101\" must be in 1..100");
    rp_plugin_setting s3[] = {SETTING("acme.limit", "ten")};
    expect_refusal(s3, 1, "plugin demo: tenant acme: setting limit = \"ten\" must be an integer");
    rp_plugin_setting s4[] = {SETTING("ratio", "NaN")};
    expect_refusal(s4, 1, "plugin demo: setting ratio = \"NaN\" must be a finite number");
    rp_plugin_setting s5[] = {SETTING("acme.loud", "maybe")};
    expect_refusal(s5, 1, "plugin demo: tenant acme: setting loud = \"maybe\" must be true/false/yes/no/on/off/1/0");
    rp_plugin_setting s6[] = {SETTING("acme.mode", "medium")};
    expect_refusal(s6, 1, "plugin demo: tenant acme: setting mode = \"medium\" must be one of off|soft|hard");
    rp_plugin_setting s7[] = {SETTING("acme.tags", "a,b,c,d")};
    expect_refusal(s7, 1, "plugin demo: tenant acme: setting tags = \"a,b,c,d\" must hold 0..3 items (it holds 4)");
    rp_plugin_setting s8[] = {SETTING("delay", "30s")};
    expect_refusal(s8, 1, "plugin demo: setting delay = \"30s\" must be in 1m..1d");
    rp_plugin_setting s10[] = {SETTING("acme.zone", "Mars/Olympus")};
    expect_refusal(s10, 1, "plugin demo: tenant acme: setting zone = \"Mars/Olympus\" must be an IANA time zone "
                           "such as Europe/London or UTC");
    rp_plugin_setting s9[] = {SETTING("tags", "a,,b")};
    expect_refusal(s9, 1, "plugin demo: setting tags = \"a,,b\" must be a comma-separated list without empty items");
}

static void test_structure_refusals(void **unused)
{
    (void)unused;
    rp_plugin_setting s1[] = {SETTING("acme.ratio", "0.2")};
    expect_refusal(s1, 1, "plugin demo: tenant acme: setting ratio cannot be set per tenant; set it for the whole "
                          "plugin (see rapportd --help-plugin demo)");
    rp_plugin_setting s2[] = {SETTING("colour", "red")};
    expect_refusal(s2, 1, "plugin demo: unknown setting \"colour\" (see rapportd --help-plugin demo)");
    rp_plugin_setting s3[] = {SETTING("acme.colour", "red")};
    expect_refusal(s3, 1, "plugin demo: tenant acme: unknown setting \"colour\" (see rapportd --help-plugin demo)");
    rp_plugin_setting s4[] = {SETTING("acme.loud", "on"), SETTING("acme.limit", "3")};
    expect_refusal(s4, 2, "plugin demo: tenant acme: loud needs limit >= 5 (limit = 3)");
    /* The plugin-wide struct was checked before the tenant's failed: both released. */
    assert_int_equal(releases, 2);
}

static void test_long_tenant_names(void **unused)
{
    (void)unused;
    char key[300], tenant[257];
    memset(tenant, 't', 256);
    tenant[256] = '\0';
    snprintf(key, sizeof key, "%s.limit", tenant);
    rp_plugin_setting ok[] = {SETTING(key, "42")};
    rp_config cfg = config_with(ok, 1);
    char err[512] = "";
    rp_settings_store *store = rp_settings_build(&demo, &cfg, err, sizeof err);
    assert_non_null(store);
    assert_int_equal(((const demo_settings *)rp_settings_for(store, tenant))->limit, 42);
    rp_settings_free(store);
    char long_key[300];
    snprintf(long_key, sizeof long_key, "x%s.limit", tenant);
    rp_plugin_setting too_long[] = {SETTING(long_key, "42")};
    cfg = config_with(too_long, 1);
    assert_null(rp_settings_build(&demo, &cfg, err, sizeof err));
    assert_non_null(strstr(err, "must have 1..256 bytes"));
}

static void test_bad_tables_are_refused(void **unused)
{
    (void)unused;
    static const rp_setting outside[] = {
        {"big", RP_SETTING_INT, sizeof(demo_settings) - 4, "1", 0, 0, NULL, 0, ""},
        {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
    };
    rp_plugin bad = demo;
    bad.settings = outside;
    rp_config cfg = config_with(NULL, 0);
    char err[512] = "";
    assert_null(rp_settings_build(&bad, &cfg, err, sizeof err));
    char expected[200];
    snprintf(expected, sizeof expected, "plugin demo: settings table entry 1: setting big: offset %zu does not hold "
             "its value inside settings_size %zu", sizeof(demo_settings) - 4, sizeof(demo_settings));
    assert_string_equal(err, expected);
    static const rp_setting no_choices[] = {
        {"mode", RP_SETTING_ENUM, 0, "a", 0, 0, NULL, 0, ""},
        {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
    };
    bad.settings = no_choices;
    assert_null(rp_settings_build(&bad, &cfg, err, sizeof err));
    assert_string_equal(err, "plugin demo: settings table entry 1: setting mode: an enum needs choices");
}

static void test_durations(void **unused)
{
    (void)unused;
    int64_t ms = 0;
    assert_true(rp_setting_parse_duration("500ms", &ms));
    assert_int_equal(ms, 500);
    assert_true(rp_setting_parse_duration("1.5h", &ms));
    assert_int_equal(ms, 5400000);
    assert_true(rp_setting_parse_duration("2w", &ms));
    assert_int_equal(ms, 1209600000);
    assert_false(rp_setting_parse_duration("15", &ms));
    assert_false(rp_setting_parse_duration("-1s", &ms));
    assert_false(rp_setting_parse_duration(" 1s", &ms));
    assert_false(rp_setting_parse_duration("1e300d", &ms));
}

static void test_tenant_order_is_stable(void **unused)
{
    (void)unused;
    const char *tenants[] = {"b", "a", "b", "c", "a", "b"};
    size_t perm[6];
    assert_true(rp_tenant_order(tenants, 6, perm));
    size_t expected[] = {1, 4, 0, 2, 5, 3};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(perm[i], expected[i]);
    const char *ordered[6];
    for (size_t i = 0; i < 6; i++)
        ordered[i] = tenants[perm[i]];
    assert_int_equal(rp_tenant_stretch(ordered, 6), 2);
    assert_int_equal(rp_tenant_stretch(ordered + 2, 4), 3);
    assert_int_equal(rp_tenant_stretch(ordered + 5, 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_fill_every_type),
        cmocka_unit_test(test_tenant_overrides_and_runtime_tenants),
        cmocka_unit_test(test_bad_values_name_plugin_tenant_key_value),
        cmocka_unit_test(test_structure_refusals),
        cmocka_unit_test(test_long_tenant_names),
        cmocka_unit_test(test_bad_tables_are_refused),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_tenant_order_is_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
