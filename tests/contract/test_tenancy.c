/*
 * test_tenancy.c - ABI 2: one tenant per call, with that tenant's settings
 * (rapport/plugin.h, "What the host owns"), against a real rapportd,
 * PostgreSQL and the contract plugins counter.so and counter_span.so
 * (tests/contract/plugins/counter.c).
 *
 * counter fails any call holding an event or timer of another tenant than
 * call->tenant (so a mixed call shows as a dead letter), and logs with every
 * event and timer the settings it was called with, rendered as
 * "label|weight|flag|wait_ms|level|names|shared|sleep_ms".
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

enum { TENANTS = 120, EVENTS = 1000 };

/* Events e0000..e0999 of tenants t000..t119 in turn (so every stretch of
 * the batch changes tenant), and the newcomer "fresh" every 50th; every
 * 10th arms a timer that is already due. One request, one batch. */
static char *interleaved_batch(void)
{
    size_t size = (size_t)EVENTS * 200, len = 0;
    char *json = malloc(size);
    assert_non_null(json);
    json[len++] = '[';
    for (int i = 0; i < EVENTS; i++) {
        char tenant[16];
        if (i % 50 == 49)
            snprintf(tenant, sizeof tenant, "fresh");
        else
            snprintf(tenant, sizeof tenant, "t%03d", i % TENANTS);
        len += (size_t)snprintf(json + len, size - len,
            "%s{\"id\":\"e%04d\",\"tenant\":\"%s\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c%d\","
            "\"data\":{\"channel\":\"phone\"%s}}",
            i ? "," : "", i, tenant, 1700000000000LL + i, i % 7, i % 10 == 0 ? ",\"timer_in_ms\":0" : "");
    }
    snprintf(json + len, size - len, "]");
    return json;
}

/* Rows of plugin and kind whose settings are not want, for tenant (or for
 * every tenant but t010 and t040 when tenant is NULL). */
static int64_t settings_other_than(PGconn *db, const char *plugin, const char *kind, const char *tenant,
                                   const char *want)
{
    if (tenant)
        return rp_test_sql_intf(db, "SELECT count(*) FROM counter_log WHERE plugin = '%s' AND kind = '%s'"
                                    " AND tenant = '%s' AND settings IS DISTINCT FROM '%s'",
                                plugin, kind, tenant, want);
    return rp_test_sql_intf(db, "SELECT count(*) FROM counter_log WHERE plugin = '%s' AND kind = '%s'"
                                " AND tenant NOT IN ('t010', 't040') AND settings IS DISTINCT FROM '%s'",
                            plugin, kind, want);
}

static void expect_settings(PGconn *db, const char *plugin, const char *tenant, const char *want)
{
    const char *kinds[] = {"event", "timer"};
    for (int k = 0; k < 2; k++) {
        int64_t wrong = settings_other_than(db, plugin, kinds[k], tenant, want);
        if (wrong != 0)
            fail_msg("%s: %lld %s rows of %s without settings \"%s\"", plugin, (long long)wrong, kinds[k],
                     tenant ? tenant : "run-time tenants", want);
    }
}

/* 120 tenants (and one first seen at run time) interleaved in one batch:
 * every on_events and on_timers call of both plugins holds one tenant, with
 * that tenant's settings; a tenant without overrides has the plugin-wide
 * values; an override replaces only its own key. Every row and derived
 * event stays in its tenant. */
static void interleaved_tenants_get_one_call_each_with_their_settings(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_contract_tenancy");
    const char *args[] = {
        "--plugins=" CONTRACT_PLUGIN_DIR "/counter.so," CONTRACT_PLUGIN_DIR "/counter_span.so",
        "--plugin.counter.label=wide", "--plugin.counter.weight=2.5", "--plugin.counter.shared=7",
        "--plugin.counter.t010.label=ten", "--plugin.counter.t010.level=high",
        "--plugin.counter.t010.names=a, b",
        "--plugin.counter.t040.flag=yes", "--plugin.counter.t040.label=forty",
        "--plugin.counter.t040.wait=90s",
        "--plugin.counter_span.t010.label=span-ten",
        NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    char *json = interleaved_batch();
    char *reply = rp_test_publish_json(d, json);
    free(json);
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    rp_test_wait_idle(db, 60000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 2 * EVENTS / 10, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"), 2 * EVENTS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT tenant) FROM counter_log"), TENANTS + 1);
    /* one tenant per call, events and timers, both plugins */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM (SELECT 1 FROM counter_log WHERE kind IN ('event', 'timer')"
        " GROUP BY plugin, kind, call HAVING count(DISTINCT tenant) > 1) x"), 0);
    /* each tenant's settings: plugin-wide + its own overrides */
    expect_settings(db, "counter", NULL, "wide|2.5|false|0|low||7|0");
    expect_settings(db, "counter", "fresh", "wide|2.5|false|0|low||7|0");
    expect_settings(db, "counter", "t010", "ten|2.5|false|0|high|a+b|7|0");
    expect_settings(db, "counter", "t040", "forty|2.5|true|90000|low||7|0");
    expect_settings(db, "counter_span", NULL, "|1.5|false|0|low||0|0");
    expect_settings(db, "counter_span", "t010", "span-ten|1.5|false|0|low||0|0");
    /* the overridden tenants' timers fired too (every 10th event arms one) */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'"
                                         " AND tenant IN ('t010', 't040')"), 2 * (9 + 8));
    /* rows and derived events stay in their tenant */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM counter_log l JOIN events e ON e.id = l.id WHERE l.tenant <> e.tenant"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox o JOIN events e ON e.id = o.cause"
                                         " WHERE o.type = 'counter.seen' AND o.tenant = e.tenant"), 2 * EVENTS);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interleaved_tenants_get_one_call_each_with_their_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
