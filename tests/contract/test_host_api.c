/*
 * test_host_api.c - host functions a plugin reaches through rp_host_api,
 * used by a real plugin .so (tests/contract/plugins/counter.c) in a real
 * rapportd on a real PostgreSQL.
 *
 * view_iter_init / view_iter_next walk an array's items and a map's keys
 * and values in one pass. The counter plugin joins data.tags (array) and
 * data.attrs (map) with them and logs the result.
 *
 * ABI 2: timer keys are stored in full up to limits.timer_key_max_bytes
 * (1024 by default), under tenants of the longest valid id (256 bytes); a
 * longer key fails the callback naming the limit.
 *
 * The example plugin, the reference every plugin author copies, passes a
 * run's columns to one upsert as array literals: long keys full of quotes
 * and backslashes arrive whole (its fixed buffers used to cut them short
 * silently); its follow-ups follow each tenant's settings.
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

#define COUNTER "--plugins=" CONTRACT_PLUGIN_DIR "/counter.so"

static void note_of(PGconn *db, const char *id, const char *kind, const char *want)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT note FROM counter_log WHERE id = '%s' AND kind = '%s'", id, kind);
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s %s: note \"%s\", want \"%s\"", id, kind, got ? got : "(null)", want);
    free(got);
}

static void view_iter_walks_arrays_and_maps(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_host_api_iter");
    const char *args[] = {COUNTER, NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    char *reply = rp_test_publish_json(d,
        "[{\"id\":\"i1\",\"type\":\"contact\",\"ts\":1700000000000,\"customer\":\"c1\","
        "  \"data\":{\"channel\":\"phone\",\"tags\":[\"a\",\"bb\",\"ccc\"],\"attrs\":{\"x\":\"1\",\"y\":\"2\"}}},"
        " {\"id\":\"i2\",\"type\":\"contact\",\"ts\":1700000000001,\"customer\":\"c1\","
        "  \"data\":{\"channel\":\"phone\",\"tags\":[],\"attrs\":{}}},"
        " {\"id\":\"i3\",\"type\":\"contact\",\"ts\":1700000000002,\"customer\":\"c1\","
        "  \"data\":{\"channel\":\"phone\",\"tags\":\"not an array\",\"attrs\":[\"p\",1,\"q\"]}}]");
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    rp_test_wait_idle(db, 30000);
    note_of(db, "i1", "tags", "a|bb|ccc");
    note_of(db, "i1", "attrs", "x=1,y=2");
    note_of(db, "i2", "tags", "");
    note_of(db, "i2", "attrs", "");
    note_of(db, "i3", "tags", "");            /* a string: init is false, nothing to walk */
    note_of(db, "i3", "attrs", "p|q");        /* an array; the integer is skipped */
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* n copies of c, then last: a key that differs from its siblings only in
 * its last byte, so a key cut short anywhere would collide. */
static char *long_text(size_t n, char c, char last)
{
    char *s = malloc(n + 2);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = last;
    s[n + 1] = '\0';
    return s;
}

static void publish_ok(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
}

/* counter.c: data.timer_key arms a timer under that key (in full),
 * data.cancel_key cancels one. Keys of 1024 bytes under a tenant of 256
 * bytes (with a per-tenant setting) are set, fired and cancelled; keys
 * sharing their first 1023 bytes stay distinct; a key of 1025 bytes fails
 * the event with a message naming the limit. */
static void timer_keys_of_the_limit_under_the_longest_tenant(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_host_api_timer_keys");
    char *tenant = long_text(255, 't', 'Z');
    char *k1 = long_text(1023, 'k', '1'), *k2 = long_text(1023, 'k', '2'), *k3 = long_text(1023, 'k', '3');
    char *over = long_text(1024, 'k', 'x');
    char label[512];
    snprintf(label, sizeof label, "--plugin.counter.%s.label=long", tenant);
    const char *args[] = {COUNTER, "--max_tries=1", label, NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    size_t size = 8 * 1024 + 4 * 1100;
    char *json = malloc(size);
    assert_non_null(json);
    /* k1 due at once; k2 and k3 due in ten years */
    snprintf(json, size,
        "[{\"id\":\"a1\",\"tenant\":\"%s\",\"type\":\"contact\",\"ts\":1700000000000,\"customer\":\"c1\","
        "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":0,\"timer_key\":\"%s\"}},"
        "{\"id\":\"b1\",\"tenant\":\"%s\",\"type\":\"contact\",\"ts\":1700000000001,\"customer\":\"c1\","
        "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":315360000000,\"timer_key\":\"%s\"}},"
        "{\"id\":\"c1\",\"tenant\":\"%s\",\"type\":\"contact\",\"ts\":1700000000002,\"customer\":\"c2\","
        "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":315360000000,\"timer_key\":\"%s\"}}]",
        tenant, k1, tenant, k2, tenant, k3);
    publish_ok(d, json);
    rp_test_wait_idle(db, 30000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 1, 30000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer' AND tenant = '%s'"
                                          " AND id = '%s' AND settings LIKE 'long|%%'", tenant, k1), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'counter' AND tenant = '%s'"
                                          " AND key IN ('%s', '%s') AND length(key) = 1024", tenant, k2, k3), 2);
    /* cancel k2 (k3 stays); a key over the limit fails its event */
    snprintf(json, size,
        "[{\"id\":\"d1\",\"tenant\":\"%s\",\"type\":\"contact\",\"ts\":1700000000003,\"customer\":\"c1\","
        "\"data\":{\"channel\":\"phone\",\"cancel_key\":\"%s\"}},"
        "{\"id\":\"x1\",\"tenant\":\"%s\",\"type\":\"contact\",\"ts\":1700000000004,\"customer\":\"c3\","
        "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":0,\"timer_key\":\"%s\"}}]",
        tenant, k2, tenant, over);
    publish_ok(d, json);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM dead_letters", 1, 30000);
    rp_test_wait_idle(db, 30000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'counter' AND key = '%s'", k2), 0);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'counter' AND key = '%s'", k3), 1);
    char *error = rp_test_sql(db, "SELECT error FROM dead_letters WHERE event_id = 'x1'");
    if (!error || !strstr(error, "1024") || !strstr(error, "key"))
        fail_msg("the dead letter of a 1025-byte timer key does not name the limit: \"%s\"", error ? error : "(null)");
    free(error);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE id = 'x1'"), 0);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM outbox WHERE type = 'counter.seen' AND tenant = '%s'",
                                      tenant), 4);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(json);
    free(tenant);
    free(k1);
    free(k2);
    free(k3);
    free(over);
    free(conninfo);
}

/* scope_event with an event of another tenant fails the call, naming both
 * tenants: nothing of it is emitted, in that tenant or any other. */
static void scope_of_another_tenant_fails_the_call(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_host_api_scope_tenant");
    const char *args[] = {COUNTER, "--max_tries=1", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    publish_ok(d, "[{\"id\":\"s1\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":1700000000000,"
                  "\"customer\":\"c1\",\"data\":{\"channel\":\"phone\",\"scope_other_tenant\":true}}]");
    rp_test_wait_sql_int(db, "SELECT count(*) FROM dead_letters", 1, 30000);
    rp_test_wait_idle(db, 30000);
    char *error = rp_test_sql(db, "SELECT error FROM dead_letters WHERE event_id = 's1'");
    if (!error || !strstr(error, "someone-else") || !strstr(error, "acme"))
        fail_msg("the dead letter does not name both tenants: \"%s\"", error ? error : "(null)");
    free(error);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'counter.seen'"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

static void example_plugin_keeps_long_keys_whole(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_host_api_example");
    const char *args[] = {"--plugins=example", "--partitions=1", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    enum { EVENTS = 1000, CUSTOMERS = 250 };
    size_t size = (size_t)EVENTS * 400, len = 0;
    char *json = malloc(size);
    assert_non_null(json);
    json[len++] = '[';
    for (int i = 0; i < EVENTS; i++) {
        /* 120 bytes: a JSON-escaped quote and backslash, then padding */
        len += (size_t)snprintf(json + len, size - len,
            "%s{\"id\":\"e%d\",\"type\":\"contact\",\"ts\":%d,\"customer\":"
            "\"q\\\"b\\\\%03d%0113d\",\"data\":{\"channel\":\"phone\"}}",
            i ? "," : "", i, 1700000000 + i, i % CUSTOMERS, 0);
    }
    snprintf(json + len, size - len, "]");
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    free(json);
    rp_test_wait_idle(db, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM example_counts"), CUSTOMERS);
    assert_int_equal(rp_test_sql_int(db, "SELECT sum(count) FROM example_counts"), EVENTS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM example_counts"
                                         " WHERE length(customer) = 120 AND customer LIKE 'q\"b\\\\%'"), CUSTOMERS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'example.first_seen'"), CUSTOMERS);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* The example plugin's follow-ups are per tenant: acme has two an hour
 * apart (its timer re-arms itself), beta none (the plugin-wide 0s); with
 * first_seen = purchase only a customer's first purchase is news. Events of
 * 2023 on the wall clock: every timer is due at once. */
static void example_plugin_follows_each_tenants_settings(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_host_api_example_tenants");
    const char *args[] = {"--plugins=example", "--plugin.example.first_seen=purchase",
                          "--plugin.example.acme.follow_up=1h", "--plugin.example.acme.follow_ups=2", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    publish_ok(d,
        "[{\"id\":\"p1\",\"tenant\":\"acme\",\"type\":\"purchase\",\"ts\":1700000000000,\"customer\":\"c1\","
        "  \"data\":{\"order_id\":\"o1\",\"amount\":10,\"currency\":\"EUR\"}},"
        " {\"id\":\"k1\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":1700000000001,\"customer\":\"c2\","
        "  \"data\":{\"channel\":\"phone\"}},"
        " {\"id\":\"p1\",\"tenant\":\"beta\",\"type\":\"purchase\",\"ts\":1700000000002,\"customer\":\"c1\","
        "  \"data\":{\"order_id\":\"o1\",\"amount\":10,\"currency\":\"EUR\"}},"
        " {\"id\":\"k2\",\"tenant\":\"beta\",\"type\":\"contact\",\"ts\":1700000000003,\"customer\":\"c3\","
        "  \"data\":{\"channel\":\"phone\"}}]");
    rp_test_wait_idle(db, 30000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'example.follow_up'", 2, 30000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'example'", 0, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'example.follow_up'"
                                         " AND tenant = 'acme' AND customer = 'c1' AND cause = 'timer:follow_up:p1'"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'example.first_seen'"
                                         " AND customer = 'c1'"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'example.first_seen'"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM example_counts"), 4);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM plugin_migrations WHERE plugin = 'example'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(view_iter_walks_arrays_and_maps),
        cmocka_unit_test(timer_keys_of_the_limit_under_the_longest_tenant),
        cmocka_unit_test(scope_of_another_tenant_fails_the_call),
        cmocka_unit_test(example_plugin_keeps_long_keys_whole),
        cmocka_unit_test(example_plugin_follows_each_tenants_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
