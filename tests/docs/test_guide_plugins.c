/*
 * test_guide_plugins.c - the plugins docs/plugin-guide.md builds do what the
 * guide says, in a real rapportd on a real PostgreSQL.
 *
 * The build extracts them from the guide itself (check_guide_blocks.py
 * --extract): bigbuy (section 3) and followup (sections 4 to 12), so this
 * test fails as soon as the guide's code or the host stops matching the
 * guide's words:
 *  - bigbuy honours a tenant's big_amount override and only that tenant's;
 *  - followup arms and fires its steps per tenant (acme overrides steps and
 *    channel), with due times counted from the purchase, for a tenant,
 *    customer and event id of the longest lengths the wire allows, and its
 *    two migrations are recorded;
 *  - the refusals section 4 quotes are rapportd's words for those values;
 *  - winback (section 13) without scoring is refused as section 13 quotes.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rp_test.h"

#define BIGBUY_SO GUIDE_PLUGIN_DIR "/guide_bigbuy.so"
#define FOLLOWUP_SO GUIDE_PLUGIN_DIR "/guide_followup.so"
#define WINBACK_SO GUIDE_PLUGIN_DIR "/guide_winback.so"

#define T0 1700000000000LL   /* 2023-11-14 22:13:20 UTC */
#define DAY 86400000LL

static void publish(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    if (!reply || strstr(reply, "rejected") || strstr(reply, "retry") || strstr(reply, "duplicate"))
        fail_msg("not accepted: %s -> %s", json, reply ? reply : "(no reply)");
    free(reply);
}

static void purchase(const rp_test_daemon *d, const char *tenant, const char *id, const char *customer,
                     long long ts, const char *amount)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"id\":\"%s\",\"tenant\":\"%s\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"%s\","
             "\"data\":{\"order_id\":\"o-%s\",\"amount\":%s,\"currency\":\"GBP\"}}",
             id, tenant, ts, customer, id, amount);
    publish(d, json);
}

/* A later event of the same customer moves its partition's event-time clock
 * past the follow-ups' due times, so they fire. */
static void later_contact(const rp_test_daemon *d, const char *tenant, const char *customer, long long ts)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"id\":\"later\",\"tenant\":\"%s\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"%s\","
             "\"data\":{\"channel\":\"email\",\"direction\":\"outbound\"}}", tenant, ts, customer);
    publish(d, json);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        fail_msg("out of memory");
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void bigbuy_honours_a_tenants_override(void **unused)
{
    (void)unused;
    char *db = rp_test_create_db("guide_bigbuy");
    PGconn *conn = rp_test_connect(db);
    const char *args[] = {"--plugins=" BIGBUY_SO, "--clock=event", "--plugin.bigbuy.acme.big_amount=2000", NULL};
    rp_test_daemon *d = rp_test_daemon_start(db, args);
    purchase(d, "default", "p1", "c", T0, "1500");   /* big: the plugin-wide 1000 */
    purchase(d, "acme", "p1", "c", T0, "1500");      /* not big: acme's 2000 */
    purchase(d, "acme", "p2", "c", T0 + 1, "2500");  /* big for acme */
    rp_test_wait_idle(conn, 30000);
    assert_int_equal(rp_test_sql_int(conn, "SELECT n FROM bigbuy WHERE tenant = 'default' AND customer = 'c'"), 1);
    assert_int_equal(rp_test_sql_int(conn, "SELECT n FROM bigbuy WHERE tenant = 'acme' AND customer = 'c'"), 1);
    assert_int_equal(rp_test_sql_int(conn, "SELECT count(*) FROM outbox WHERE type = 'bigbuy.seen'"), 2);
    assert_int_equal(rp_test_sql_int(conn, "SELECT count(*) FROM outbox WHERE tenant = 'acme' AND cause = 'p2'"), 1);
    rp_test_daemon_stop(d, SIGTERM);
    PQfinish(conn);
    free(db);
}

/* Default steps 3d, 14d and channel email; acme 1d, 2d by phone. */
static void followup_fires_each_tenants_steps(void **unused)
{
    (void)unused;
    char *db = rp_test_create_db("guide_followup");
    PGconn *conn = rp_test_connect(db);
    const char *args[] = {"--plugins=" FOLLOWUP_SO, "--clock=event", "--plugin.followup.acme.steps=1d, 2d",
                          "--plugin.followup.acme.channel=phone", NULL};
    rp_test_daemon *d = rp_test_daemon_start(db, args);
    char *tenant = repeat('t', 256), *customer = repeat('c', 256), *id = repeat('e', 128);
    purchase(d, "default", "p1", "c1", T0, "50");
    purchase(d, "acme", "p1", "c1", T0, "50");
    purchase(d, tenant, id, customer, T0, "50");
    rp_test_wait_idle(conn, 30000);
    later_contact(d, "default", "c1", T0 + 30 * DAY);
    later_contact(d, "acme", "c1", T0 + 30 * DAY);
    later_contact(d, tenant, customer, T0 + 30 * DAY);
    rp_test_wait_sql_int(conn, "SELECT count(*) FROM outbox WHERE type = 'followup.due'", 6, 30000);

    char query[2048];
    const struct { const char *tenant; long long due1, due2; } want[] = {
        {"default", T0 + 3 * DAY, T0 + 14 * DAY}, {"acme", T0 + DAY, T0 + 2 * DAY}, {tenant, T0 + 3 * DAY, T0 + 14 * DAY},
    };
    for (size_t i = 0; i < 3; i++) {
        snprintf(query, sizeof query,
                 "SELECT count(*) FROM outbox WHERE type = 'followup.due' AND tenant = '%s' AND ts_ms IN (%lld, %lld)",
                 want[i].tenant, want[i].due1, want[i].due2);
        assert_int_equal(rp_test_sql_int(conn, query), 2);
    }
    snprintf(query, sizeof query, "SELECT count(*) FROM followup_last WHERE tenant = '%s' AND customer = '%s' "
             "AND order_id = 'o-%s'", tenant, customer, id);
    assert_int_equal(rp_test_sql_int(conn, query), 1);
    assert_int_equal(rp_test_sql_int(conn, "SELECT count(*) FROM plugin_migrations WHERE plugin = 'followup'"), 2);

    char *derived = rp_test_replay_json(d, 1, 100);
    const char *by_phone = strstr(derived, "\"channel\":\"phone\"");
    assert_non_null(by_phone);
    assert_non_null(strstr(by_phone + 1, "\"channel\":\"phone\""));
    assert_non_null(strstr(derived, "\"channel\":\"email\""));
    free(derived);
    free(tenant);
    free(customer);
    free(id);
    rp_test_daemon_stop(d, SIGTERM);
    PQfinish(conn);
    free(db);
}

/* rapportd with plugin and flag must exit 1 saying `words`. */
static void expect_refusal(const char *conninfo, const char *plugin, const char *flag, const char *words)
{
    char command[4096];
    snprintf(command, sizeof command, "timeout 60 '%s' '--database=%s' '--plugins=%s' --http= %s%s%s 2>&1",
             rp_test_rapportd_path(), conninfo, plugin, flag ? "'" : "", flag ? flag : "", flag ? "'" : "");
    int rc;
    char *out = rp_test_command(command, &rc);
    if (rc != 1 || !strstr(out, words))
        fail_msg("%s: expected exit 1 saying\n  %s\ngot exit %d:\n%s", flag ? flag : plugin, words, rc, out);
    free(out);
}

static void refusals_are_the_guides_words(void **unused)
{
    (void)unused;
    char *db = rp_test_create_db("guide_refusals");
    /* docs/plugin-guide.md section 4, word for word */
    expect_refusal(db, FOLLOWUP_SO, "--plugin.followup.acme.min_amount=lots",
                   "plugin followup: tenant acme: setting min_amount = \"lots\" must be a finite number");
    expect_refusal(db, FOLLOWUP_SO, "--plugin.followup.acme.steps=3x",
                   "plugin followup: tenant acme: steps = \"3x\": must be positive durations such as 3d, 12h");
    expect_refusal(db, FOLLOWUP_SO, "--plugin.followup.acme.priority=2",
                   "plugin followup: tenant acme: setting priority cannot be set per tenant; set it for the "
                   "whole plugin (see rapportd --help-plugin followup)");
    /* section 13 */
    expect_refusal(db, WINBACK_SO, NULL,
                   "plugin winback requires plugin scoring (it reads scoring's tables), which is neither loaded "
                   "here (--plugins) nor installed in this database by another rapportd");
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bigbuy_honours_a_tenants_override),
        cmocka_unit_test(followup_fires_each_tenants_steps),
        cmocka_unit_test(refusals_are_the_guides_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
