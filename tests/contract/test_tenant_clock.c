/*
 * test_tenant_clock.c - the tenant clock (ABI 2.1 tenant_timer_set) and
 * event_lateness_ms, against a real rapportd, PostgreSQL and the contract
 * plugin counter.so (tests/contract/plugins/counter.c: data
 * "tenant_timer_at" arms a tenant-clock timer that logs, when it fires, how
 * many of its tenant's events the plugin had handled).
 *
 * docs/architecture.md "Tenant clock" is the rule these tests hold the host
 * to: in event time a tenant-clock timer sees every partition at one
 * instant (every event before it, none at or after it), whatever the
 * partition count; in wall-clock time it fires once the worker has caught
 * up on every partition; event_lateness_ms keeps a partition's timers back
 * so that events arriving that much out of order still precede them.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "rp_test.h"

#define BASE_MS 1700000000000LL
#define MINUTE_MS 60000LL

enum { TENANTS = 101, PER_TENANT = 30, CUSTOMERS = 10, REQUEST_EVENTS = 500 };

/* The two sweeps every tenant arms: between its 11th and 12th event, and
 * between its 21st and 22nd. */
static const int64_t SWEEP_A = BASE_MS + 10 * MINUTE_MS + 30000;
static const int64_t SWEEP_B = BASE_MS + 20 * MINUTE_MS + 30000;

/* A fresh database with rapportd on it and a connection to it. */
typedef struct broker_run {
    char *conninfo;
    rp_test_daemon *daemon;
    PGconn *db;
} broker_run;

static broker_run start_run(const char *db_name, const char *const *args)
{
    broker_run run = {.conninfo = rp_test_create_db(db_name)};
    run.daemon = rp_test_daemon_start(run.conninfo, args);
    run.db = rp_test_connect(run.conninfo);
    return run;
}

/* rapportd must stop cleanly on SIGTERM. */
static void stop_run(broker_run *run)
{
    assert_int_equal(rp_test_daemon_stop(run->daemon, SIGTERM), 0);
    PQfinish(run->db);
    free(run->conninfo);
}

/* Tenant i's id: t000..t099, and one of 256 bytes (the wire's limit). */
static void tenant_id(int i, char *out, size_t size)
{
    if (i < TENANTS - 1) {
        snprintf(out, size, "t%03d", i);
        return;
    }
    memset(out, 'T', 256);
    out[256] = '\0';
}

/* Customer ids: short, or of 256 bytes for the long tenant. */
static void customer_id(int tenant, int k, char *out, size_t size)
{
    if (tenant < TENANTS - 1) {
        snprintf(out, size, "c%d", k % CUSTOMERS);
        return;
    }
    memset(out, 'C', 256);
    snprintf(out + 250, size - 250, "%06d", k % CUSTOMERS);
}

/* Event k of tenant i, as a JSON object: at BASE + k minutes + i ms (so the
 * tenants interleave in time), ids at the wire's limit for the long tenant;
 * events 0 and 1 arm the tenant's two sweeps. */
static size_t event_json(int i, int k, char *out, size_t size)
{
    char tenant[300], customer[300], id[160];
    tenant_id(i, tenant, sizeof tenant);
    customer_id(i, k, customer, sizeof customer);
    if (i < TENANTS - 1)
        snprintf(id, sizeof id, "e%03d-%02d", i, k);
    else {
        memset(id, 'E', 128);
        snprintf(id + 122, sizeof id - 122, "%06d", k);
    }
    char extra[64] = "";
    if (k < 2)
        snprintf(extra, sizeof extra, ",\"tenant_timer_at\":%lld", (long long)(k == 0 ? SWEEP_A : SWEEP_B));
    return (size_t)snprintf(out, size,
        "{\"id\":\"%s\",\"tenant\":\"%s\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"%s\","
        "\"data\":{\"channel\":\"phone\"%s}}",
        id, tenant, (long long)(BASE_MS + k * MINUTE_MS + i), customer, extra);
}

/* Every tenant's events in time order, tenants interleaved, in requests of
 * REQUEST_EVENTS. */
static void publish_tenants(const rp_test_daemon *d)
{
    size_t size = (size_t)REQUEST_EVENTS * 1024, len = 0;
    char *json = malloc(size);
    assert_non_null(json);
    int in_request = 0;
    for (int k = 0; k < PER_TENANT; k++)
        for (int i = 0; i < TENANTS; i++) {
            len += (size_t)snprintf(json + len, size - len, "%s", in_request ? "," : "[");
            len += event_json(i, k, json + len, size - len);
            bool last = k == PER_TENANT - 1 && i == TENANTS - 1;
            if (++in_request < REQUEST_EVENTS && !last)
                continue;
            snprintf(json + len, size - len, "]");
            char *reply = rp_test_publish_json(d, json);
            assert_non_null(reply);
            if (strstr(reply, "rejected"))
                fail_msg("a request was rejected: %.300s", reply);
            free(reply);
            len = 0;
            in_request = 0;
        }
    free(json);
}

/* Partitions 1, 8 and 64: each sweep saw exactly its tenant's events before
 * it (11 and 21), and in the derived events every counter.seen before a
 * sweep's time precedes the sweep and every one at or after follows it. */
static void sweeps_see_every_partition_at_one_instant(void **state)
{
    (void)state;
    const char *partitions[] = {"--partitions=1", "--partitions=8", "--partitions=64"};
    for (int run = 0; run < 3; run++) {
        char name[64];
        snprintf(name, sizeof name, "rp_contract_tenant_clock_%d", run);
        const char *args[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/counter.so", "--clock=event", partitions[run], NULL};
        broker_run broker = start_run(name, args);
        rp_test_daemon *d = broker.daemon;
        PGconn *db = broker.db;
        publish_tenants(d);
        rp_test_wait_idle(db, 120000);
        rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'sweep'", 2 * TENANTS, 60000);
        assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM counter_log WHERE kind = 'sweep' AND note::int <> "
                 "CASE id WHEN 'sweep:%lld' THEN 11 WHEN 'sweep:%lld' THEN 21 END",
                 (long long)SWEEP_A, (long long)SWEEP_B);
        int64_t wrong = rp_test_sql_int(db, sql);
        if (wrong != 0)
            fail_msg("%s: %lld sweeps saw another number of events than those before them (%s)", partitions[run],
                     (long long)wrong,
                     rp_test_sql(db, "SELECT string_agg(left(tenant, 8) || ' ' || id || '=' || note, ', ') "
                                     "FROM (SELECT * FROM counter_log WHERE kind = 'sweep' LIMIT 6) x"));
        assert_int_equal(rp_test_sql_int(db,
            "SELECT count(*) FROM outbox s JOIN outbox e ON e.tenant = s.tenant AND e.type = 'counter.seen' "
            "WHERE s.type = 'counter.sweep' AND (e.ts_ms >= s.ts_ms) <> (e.seq > s.seq)"), 0);
        assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'counter.sweep'"),
                         2 * TENANTS);
        stop_run(&broker);
    }
}

/* Wall clock: a sweep that is due at once, armed by the first of 1,000
 * events of 200 customers committed together, fires only after every
 * partition has handled all of them (more than one batch's worth per
 * partition for some of the 64). */
static void wall_clock_sweep_waits_until_every_partition_caught_up(void **state)
{
    (void)state;
    const char *args[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/counter.so", "--clock=fixed:1800000000000",
                          "--limits.plugin_batch_events=200", NULL};
    broker_run broker = start_run("rp_contract_tenant_clock_wall", args);
    rp_test_daemon *d = broker.daemon;
    PGconn *db = broker.db;
    size_t size = 1000 * 200, len = 0;
    char *json = malloc(size);
    assert_non_null(json);
    for (int k = 0; k < 1000; k++)
        len += (size_t)snprintf(json + len, size - len,
            "%s{\"id\":\"w%04d\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c%d\","
            "\"data\":{\"channel\":\"phone\"%s}}",
            k ? "," : "[", k, (long long)(BASE_MS + k), k % 200, k == 0 ? ",\"tenant_timer_at\":0" : "");
    snprintf(json + len, size - len, "]");
    char *reply = rp_test_publish_json(d, json);
    free(json);
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    rp_test_wait_idle(db, 120000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'sweep'", 1, 60000);
    char *seen = rp_test_sql(db, "SELECT note FROM counter_log WHERE kind = 'sweep'");
    assert_string_equal(seen, "1000");
    free(seen);
    stop_run(&broker);
}

/* While its only work is a timer held back by the lateness horizon, the
 * worker waits like an idle one (a poll every idle_poll_ms, 200 ms) and
 * does not fetch and commit the same batch again and again: the database
 * sees a few dozen transactions in 3 s, where a spinning worker made
 * thousands (a slower machine only makes fewer). */
static void expect_no_spin(PGconn *db)
{
    const char *sql = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()";
    int64_t before = rp_test_sql_int(db, sql);
    struct timespec pause = {3, 0};
    nanosleep(&pause, NULL);
    int64_t during = rp_test_sql_int(db, sql) - before;
    if (during > 300)
        fail_msg("%lld transactions in 3 s while every timer was held back: the worker spins", (long long)during);
}

/* One partition; customer A's first event arms a timer 50 s later; then
 * another customer's event 60 s in; once those are handled, A's event at
 * 30 s arrives (out of order by 30 s), then one far later. With
 * event_lateness_ms 100000 A's late event still precedes A's timer; with 0
 * it is late: the timer fired at the end of the first batch. */
static void lateness_keeps_timers_behind_out_of_order_events(void **state)
{
    (void)state;
    const char *lateness[] = {"--event_lateness_ms=100000", "--event_lateness_ms=0"};
    for (int run = 0; run < 2; run++) {
        char name[64];
        snprintf(name, sizeof name, "rp_contract_lateness_%d", run);
        const char *args[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/counter.so", "--clock=event", "--partitions=1",
                              lateness[run], NULL};
        broker_run broker = start_run(name, args);
        rp_test_daemon *d = broker.daemon;
        PGconn *db = broker.db;
        char json[1024];
        snprintf(json, sizeof json,
                 "[{\"id\":\"a1\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"A\","
                 "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":50000}},"
                 "{\"id\":\"c1\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"C\","
                 "\"data\":{\"channel\":\"phone\"}}]",
                 BASE_MS, BASE_MS + 60000);
        free(rp_test_publish_json(d, json));
        rp_test_wait_idle(db, 60000);
        if (run == 0)
            expect_no_spin(db);
        snprintf(json, sizeof json,
                 "[{\"id\":\"a2\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"A\","
                 "\"data\":{\"channel\":\"phone\"}},"
                 "{\"id\":\"z1\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"Z\","
                 "\"data\":{\"channel\":\"phone\"}}]",
                 BASE_MS + 30000, BASE_MS + 500000);
        free(rp_test_publish_json(d, json));
        rp_test_wait_idle(db, 60000);
        rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 1, 60000);
        int64_t late_first = rp_test_sql_int(db,
            "SELECT ((SELECT n FROM counter_log WHERE id = 'a2' AND kind = 'event') < "
            "(SELECT n FROM counter_log WHERE id = 't:a1' AND kind = 'timer'))::int");
        assert_int_equal(late_first, run == 0 ? 1 : 0);
        stop_run(&broker);
    }
}

/* A customer's timers due at one instant fire in (tenant, key) byte order,
 * not in the order they were set or the database returned them: "k-b" was
 * set before "k-a" and both are loaded from the table when they fall due. */
static void timers_due_at_one_instant_fire_in_key_order(void **state)
{
    (void)state;
    const char *args[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/counter.so", "--clock=event", NULL};
    broker_run broker = start_run("rp_contract_timer_ties", args);
    rp_test_daemon *d = broker.daemon;
    PGconn *db = broker.db;
    char json[1024];
    snprintf(json, sizeof json,
             "[{\"id\":\"b1\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"A\","
             "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":1000,\"timer_key\":\"k-b\"}},"
             "{\"id\":\"a1\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"A\","
             "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":1000,\"timer_key\":\"k-a\"}}]",
             BASE_MS, BASE_MS);
    free(rp_test_publish_json(d, json));
    rp_test_wait_idle(db, 60000);
    snprintf(json, sizeof json,
             "{\"id\":\"z1\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"Z\","
             "\"data\":{\"channel\":\"phone\"}}", BASE_MS + 5000);
    free(rp_test_publish_json(d, json));
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 2, 60000);
    char *order = rp_test_sql(db, "SELECT string_agg(id, ',' ORDER BY n) FROM counter_log WHERE kind = 'timer'");
    assert_string_equal(order, "k-a,k-b");
    free(order);
    stop_run(&broker);
}

/* A tenant-clock timer armed inside a call: e0 arms a sweep at 30 s, and the
 * same request holds the tenant's events at 10, 20, ... 90 s of other
 * customers (one partition, so one run without the flag). With
 * RP_PLUGIN_TENANT_CLOCK (counter_clock.so) e0 is handed alone and the
 * sweep sees exactly e0-e2; without it (counter.so) the whole run was
 * handed before the sweep existed (the documented limit). */
static void first_tenant_clock_timer_holds_back_the_same_request(void **state)
{
    (void)state;
    const char *plugins[] = {"counter_clock", "counter"};
    const char *want[] = {"3", "10"};
    for (int run = 0; run < 2; run++) {
        char name[64], plugin_arg[256];
        snprintf(name, sizeof name, "rp_contract_first_sweep_%d", run);
        snprintf(plugin_arg, sizeof plugin_arg, "--plugins=" CONTRACT_PLUGIN_DIR "/%s.so", plugins[run]);
        const char *args[] = {plugin_arg, "--clock=event", "--partitions=1", NULL};
        broker_run broker = start_run(name, args);
        rp_test_daemon *d = broker.daemon;
        PGconn *db = broker.db;
        char json[4096];
        size_t len = 0;
        for (int k = 0; k < 10; k++)
            len += (size_t)snprintf(json + len, sizeof json - len,
                "%s{\"id\":\"e%d\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,"
                "\"customer\":\"c%d\",\"data\":{\"channel\":\"phone\"%s}}",
                k ? "," : "[", k, BASE_MS + k * 10000LL, k, k == 0 ? ",\"tenant_timer_at\":1700000030000" : "");
        snprintf(json + len, sizeof json - len, "]");
        free(rp_test_publish_json(d, json));
        rp_test_wait_idle(db, 60000);
        rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'sweep'", 1, 60000);
        char *seen = rp_test_sql(db, "SELECT note FROM counter_log WHERE kind = 'sweep'");
        if (strcmp(seen, want[run]) != 0)
            fail_msg("%s: the sweep at 30 s saw %s events, want %s", plugins[run], seen, want[run]);
        free(seen);
        stop_run(&broker);
    }
}

/* More due timers than one transaction loads (limits.plugin_batch_events
 * 20): 30 customers' timers fall due after the sweep, and when the second
 * request's events (all after both) arrive, one load takes the sweep and 19
 * of them, so the batch holds back every event behind the last loaded
 * timer. Partitions whose events are all held must still count as having
 * reached the sweep: they hung it (the sweep never fired, nor the timers
 * after it). */
static void sweep_waits_through_more_timers_than_one_load(void **state)
{
    (void)state;
    const char *args[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/counter_clock.so", "--clock=event",
                          "--limits.plugin_batch_events=20", NULL};
    broker_run broker = start_run("rp_contract_tenant_clock_load", args);
    rp_test_daemon *d = broker.daemon;
    PGconn *db = broker.db;
    for (int request = 0; request < 2; request++) {
        char json[64 * 256];
        size_t len = 0;
        for (int k = 0; k < 30; k++)
            len += (size_t)snprintf(json + len, sizeof json - len,
                "%s{\"id\":\"%c%02d\",\"tenant\":\"acme\",\"type\":\"contact\",\"ts\":%lld,"
                "\"customer\":\"c%d\",\"data\":{\"channel\":\"phone\"%s%s}}",
                k ? "," : "[", request ? 'n' : 'm', k, BASE_MS + request * 300000LL + k * 1000LL, k,
                request ? "" : ",\"timer_in_ms\":250000",
                request == 0 && k == 0 ? ",\"tenant_timer_at\":1700000200000" : "");
        snprintf(json + len, sizeof json - len, "]");
        free(rp_test_publish_json(d, json));
        rp_test_wait_idle(db, 60000);
    }
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 31, 60000);
    char *seen = rp_test_sql(db, "SELECT note FROM counter_log WHERE kind = 'sweep'");
    assert_string_equal(seen, "30");
    free(seen);
    stop_run(&broker);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweeps_see_every_partition_at_one_instant),
        cmocka_unit_test(wall_clock_sweep_waits_until_every_partition_caught_up),
        cmocka_unit_test(lateness_keeps_timers_behind_out_of_order_events),
        cmocka_unit_test(timers_due_at_one_instant_fire_in_key_order),
        cmocka_unit_test(first_tenant_clock_timer_holds_back_the_same_request),
        cmocka_unit_test(sweep_waits_through_more_timers_than_one_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
