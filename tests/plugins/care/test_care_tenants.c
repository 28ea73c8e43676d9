/*
 * test_care_tenants.c - the care plugin with 120 tenants publishing
 * interleaved through a real rapportd on a real PostgreSQL, event clock:
 *   - every row (care_tasks, contact_ledger, care_customers, timers) and
 *     every derived event stays in its own tenant;
 *   - per-tenant overrides are honoured (due_time, purchase_offsets,
 *     budget, inbox_interval) and every other tenant, first seen at run
 *     time, follows the plugin-wide settings;
 *   - a care request of every tenant is taken within that tenant's inbox
 *     interval of engine time, while all of them keep publishing (ABI 1
 *     re-armed each tenant's inbox timer inbox_interval later whenever its
 *     settings fell out of a 32-slot cache, so with more than 32 active
 *     tenants no request was ever taken).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rp_test.h"

#define TENANTS 120
#define T0 1774612800000LL      /* Fri 2026-03-27 12:00 UTC = 12:00 GMT */
#define MINUTE 60000LL
#define ROUND (5 * MINUTE)
#define BATCH 200               /* events per request frame */

static void publish(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    if (strstr(reply, "rejected") || strstr(reply, "retry"))
        fail_msg("publish refused: %s", reply);
    free(reply);
}

/* Appends events to a JSON array and publishes every BATCH of them. */
typedef struct batch {
    const rp_test_daemon *d;
    char *json;
    size_t len, cap;
    int count;
} batch;

static void batch_flush(batch *b)
{
    if (b->count == 0)
        return;
    b->json[b->len] = ']';
    b->json[b->len + 1] = '\0';
    publish(b->d, b->json);
    b->len = 0;
    b->count = 0;
}

static void batch_add(batch *b, const char *event)
{
    size_t need = strlen(event) + 4;
    if (b->len + need >= b->cap) {
        b->cap = (b->len + need) * 2;
        b->json = realloc(b->json, b->cap);
        assert_non_null(b->json);
    }
    b->json[b->len++] = b->count ? ',' : '[';
    memcpy(b->json + b->len, event, strlen(event));
    b->len += strlen(event);
    if (++b->count == BATCH)
        batch_flush(b);
}

/* Round 0: both customers of every tenant say who they are, customer a
 * buys; tenant after tenant, so every batch mixes many tenants. */
static void first_round(batch *b)
{
    char ev[1024];
    for (int j = 0; j < 3 * TENANTS; j++) {
        int t = j % TENANTS, step = j / TENANTS;
        if (step < 2)
            snprintf(ev, sizeof ev,
                     "{\"id\":\"u-%c\",\"type\":\"customer.upsert\",\"ts\":%lld,\"tenant\":\"t%03d\","
                     "\"customer\":\"t%03d-%c\",\"data\":{\"timezone\":\"Europe/London\"}}",
                     "ab"[step], T0, t, t, "ab"[step]);
        else
            snprintf(ev, sizeof ev,
                     "{\"id\":\"p-a\",\"type\":\"purchase\",\"ts\":%lld,\"tenant\":\"t%03d\","
                     "\"customer\":\"t%03d-a\",\"data\":{\"order_id\":\"o-t%03d\",\"amount\":10,"
                     "\"currency\":\"GBP\"}}", T0, t, t, t);
        batch_add(b, ev);
    }
    batch_flush(b);
}

/* A contact of both customers of every tenant at T0 + round * 5 min: the
 * clocks of all their partitions move on together. */
static void contact_round(batch *b, PGconn *db, int round)
{
    char ev[512];
    for (int j = 0; j < 2 * TENANTS; j++) {
        int t = j % TENANTS;
        char who = "ab"[j / TENANTS];
        snprintf(ev, sizeof ev,
                 "{\"id\":\"k-%c-%d\",\"type\":\"contact\",\"ts\":%lld,\"tenant\":\"t%03d\","
                 "\"customer\":\"t%03d-%c\",\"data\":{\"channel\":\"phone\"}}",
                 who, round, T0 + round * ROUND, t, t, who);
        batch_add(b, ev);
    }
    batch_flush(b);
    rp_test_wait_idle(db, 60000);
}

/* A priority-1 request for customer b of every tenant, created at `at`. */
static void request_all(PGconn *db, int64_t at)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO care_requests (tenant, request_id, customer, kind, priority, due_ms,"
             " reason, source, created_ms)"
             " SELECT 't' || lpad(i::text, 3, '0'), 'r-1', 't' || lpad(i::text, 3, '0') || '-b',"
             " 'survey_follow_up', 1, %lld, 'Detractor follow-up', 'survey', %lld"
             " FROM generate_series(0, %d) i", (long long)at, (long long)at, TENANTS - 1);
    free(rp_test_sql(db, sql));
}

static void expect_zero(PGconn *db, const char *what, const char *sql)
{
    int64_t n = rp_test_sql_int(db, sql);
    if (n != 0)
        fail_msg("%s: %lld rows, want 0 (%s)", what, (long long)n, sql);
}

/* Every customer id is "<tenant>-a" or "<tenant>-b": a row or event whose
 * customer does not start with its own tenant crossed tenants. */
static void check_isolation(PGconn *db)
{
    expect_zero(db, "care_tasks", "SELECT count(*) FROM care_tasks WHERE customer NOT LIKE tenant || '-_'"
                                  " OR task_id NOT LIKE '%:' || tenant || '-_:%'");
    expect_zero(db, "contact_ledger", "SELECT count(*) FROM contact_ledger WHERE customer NOT LIKE tenant || '-_'");
    expect_zero(db, "care_customers", "SELECT count(*) FROM care_customers WHERE customer NOT LIKE tenant || '-_'");
    expect_zero(db, "timers", "SELECT count(*) FROM timers WHERE plugin = 'care' AND key <> 'inbox'"
                              " AND (customer NOT LIKE tenant || '-_' OR key NOT LIKE '%:' || tenant || '-_%')");
    expect_zero(db, "outbox", "SELECT count(*) FROM outbox WHERE plugin = 'care' AND (customer NOT LIKE tenant || '-_'"
                              " OR position(convert_to(':' || customer || ':', 'UTF8') IN frame) = 0)");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT tenant) FROM care_tasks"), TENANTS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT tenant) FROM care_customers"), TENANTS);
    /* one inbox timer and one registration per tenant */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'care' AND key = 'inbox'"),
                     TENANTS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tenants"), TENANTS);
    /* three follow-ups per purchase (t017: two) and the request's task; each announced once */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks"), 4 * TENANTS - 1);
    expect_zero(db, "care.task_created per task",
                "SELECT count(*) FROM care_tasks t WHERE (SELECT count(*) FROM outbox o"
                " WHERE o.type = 'care.task_created' AND o.tenant = t.tenant"
                " AND position(convert_to(t.task_id, 'UTF8') IN o.frame) > 0) <> 1");
    expect_zero(db, "dead letters", "SELECT count(*) FROM dead_letters");
}

static int64_t greeting_due(PGconn *db, int tenant)
{
    return rp_test_sql_intf(db, "SELECT due_ms FROM care_tasks WHERE task_id = 'greeting:t%03d-a:order:o-t%03d'",
                            tenant, tenant);
}

static void check_overrides(PGconn *db)
{
    /* Bought Fri 27 March 12:00 GMT: greeting Sun 29 March 10:00 BST (09:00 UTC)
     * for every tenant but t007 (due_time 11:00, 10:00 UTC) and t017
     * (greeting:1d: Sat 28 March 10:00 GMT) */
    assert_int_equal(greeting_due(db, 0), 1774774800000LL);
    assert_int_equal(greeting_due(db, 119), 1774774800000LL);
    assert_int_equal(greeting_due(db, 7), 1774778400000LL);
    assert_int_equal(greeting_due(db, 17), 1774692000000LL);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE due_ms = 1774774800000"),
                     TENANTS - 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE kind = 'usage_check'"
                                         " AND tenant <> 't017'"), TENANTS - 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE tenant = 't017'"
                                         " AND kind = 'usage_check'"), 0);
    /* t013's own budget: its own contact_budget rows; every other tenant
     * follows the plugin-wide rows of tenant '*' */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM contact_budget WHERE tenant = 't013'"
                                         " AND ((window_ms = 604800000 AND max_touches = 3)"
                                         " OR (window_ms = 2592000000 AND max_touches = 6))"), 12);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT tenant) FROM contact_budget"), 2);
}

/* Requests created at `at` are all taken within their tenant's interval
 * (t011: 5 min, everybody else the default 15 min): by the firing due next
 * after `at`, or by one due a little before that fired only after the
 * request was inserted (the test cannot wait for timers it cannot see). */
static void check_inbox(PGconn *db, int64_t at)
{
    rp_test_wait_sql_int(db, "SELECT count(*) FROM care_requests WHERE taken_ms IS NULL", 0, 60000);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM care_requests WHERE abs(taken_ms - %lld)"
             " > CASE tenant WHEN 't011' THEN 300000 ELSE 900000 END", (long long)at);
    expect_zero(db, "requests taken outside the inbox interval", sql);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE kind = 'survey_follow_up'"
                                         " AND priority = 1 AND customer = tenant || '-b'"), TENANTS);
}

static void test_hundred_tenants_interleaved(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_care_tenants");
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", "--clock=event",
                          "--plugin.care.t007.due_time=11:00",
                          "--plugin.care.t011.inbox_interval=5m",
                          "--plugin.care.t013.budget=7d:3,30d:6",
                          "--plugin.care.t017.purchase_offsets=see_off:0d,greeting:1d", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    batch b = {.d = d};
    first_round(&b);
    rp_test_wait_idle(db, 60000);
    for (int round = 1; round <= 6; round++)
        contact_round(&b, db, round);
    int64_t at = T0 + 6 * ROUND;
    request_all(db, at);
    for (int round = 7; round <= 11; round++)
        contact_round(&b, db, round);
    check_inbox(db, at);
    check_isolation(db);
    check_overrides(db);
    free(b.json);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hundred_tenants_interleaved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
