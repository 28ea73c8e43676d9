/*
 * test_care_long_ids.c - the longest ids the wire allows through the care
 * plugin in a real rapportd on a real PostgreSQL, event clock: a 256-byte
 * tenant (with a per-tenant override), two 256-byte customers that share
 * all but their last bytes, 128-byte event ids, order ids of 150 and 300
 * bytes (two of them sharing 297 bytes) and a 300-byte request id. Every
 * event is processed (ABI 1 dead-lettered the 150-byte order id), every
 * task has its own id (hashed, taskid.h) and its own timers, the plan
 * timers keep the customers' ids in full, a contact naming a hashed id
 * closes that task, and every row and derived event carries the full
 * tenant and customer.
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

#define T0 1774612800000LL      /* Fri 2026-03-27 12:00 UTC = 12:00 GMT */
#define MINUTE 60000LL

static char tenant[257], cust[2][257], order150[151], order300[2][301], request[301];

/* `len` bytes: `fill` repeated, then `tail`. */
static void make_id(char *out, size_t len, char fill, const char *tail)
{
    size_t t = strlen(tail);
    memset(out, fill, len - t);
    memcpy(out + len - t, tail, t + 1);
}

static void make_ids(void)
{
    make_id(tenant, 256, 'T', "-tenant");
    make_id(cust[0], 256, 'c', "-01");
    make_id(cust[1], 256, 'c', "-02");
    make_id(order150, 150, 'o', "-150");
    make_id(order300[0], 300, 'o', "-01");
    make_id(order300[1], 300, 'o', "-02");
    make_id(request, 300, 'r', "-1");
}

static void publish(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    if (strstr(reply, "rejected") || strstr(reply, "retry") || strstr(reply, "duplicate"))
        fail_msg("publish refused: %s", reply);
    free(reply);
}

/* A 128-byte event id ending in the sequence number. */
static const char *event_id(char out[129], int n)
{
    char tail[16];
    snprintf(tail, sizeof tail, "-%03d", n);
    make_id(out, 128, 'e', tail);
    return out;
}

static void publish_event(const rp_test_daemon *d, int n, const char *type, int64_t ts, int who,
                          const char *data)
{
    char id[129], json[4096];
    snprintf(json, sizeof json,
             "{\"id\":\"%s\",\"type\":\"%s\",\"ts\":%lld,\"tenant\":\"%s\",\"customer\":\"%s\","
             "\"data\":%s}", event_id(id, n), type, (long long)ts, tenant, cust[who], data);
    publish(d, json);
}

static void purchase(const rp_test_daemon *d, int n, int who, const char *order)
{
    char data[1024];
    snprintf(data, sizeof data, "{\"order_id\":\"%s\",\"amount\":10,\"currency\":\"GBP\"}", order);
    publish_event(d, n, "purchase", T0, who, data);
}

static int64_t sqlf(PGconn *db, const char *fmt)
{
    return rp_test_sql_intf(db, fmt, tenant);
}

static void check_tasks(PGconn *db)
{
    /* three follow-ups per purchase (five purchases), each its own id */
    assert_int_equal(sqlf(db, "SELECT count(*) FROM care_tasks WHERE tenant = '%s'"), 15);
    assert_int_equal(sqlf(db, "SELECT count(DISTINCT task_id) FROM care_tasks WHERE tenant = '%s'"), 15);
    /* ids over 199 bytes are KIND:h<sha-256 hex> */
    assert_int_equal(sqlf(db, "SELECT count(*) FROM care_tasks WHERE tenant = '%s'"
                              " AND task_id ~ '^(see_off|greeting|usage_check):h[0-9a-f]{64}$'"), 15);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_tasks WHERE customer = '%s'", cust[0]), 9);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_tasks WHERE customer = '%s'", cust[1]), 6);
    /* the orders sharing 297 bytes are two orders; the reason names each in full */
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_tasks WHERE reason ="
                                          " 'Greeting after order %s'", order300[1]), 1);
    /* the tenant's due_time override (11:00): Sun 29 March 11:00 BST */
    assert_int_equal(sqlf(db, "SELECT count(*) FROM care_tasks WHERE tenant = '%s' AND kind = 'greeting'"
                              " AND due_ms = 1774778400000"), 5);
}

static void check_timers(PGconn *db)
{
    /* greeting and usage check wait for their due timers, the see-offs
     * (due at the purchase) for their overdue timers: one each */
    assert_int_equal(sqlf(db, "SELECT count(DISTINCT key) FROM timers WHERE plugin = 'care'"
                              " AND tenant = '%s' AND key LIKE 'due:%%'"), 10);
    assert_int_equal(sqlf(db, "SELECT count(DISTINCT key) FROM timers WHERE plugin = 'care'"
                              " AND tenant = '%s' AND key LIKE 'overdue:%%'"), 5);
    assert_int_equal(sqlf(db, "SELECT count(*) FROM timers t JOIN care_tasks c ON c.tenant = t.tenant"
                              " AND t.key IN ('due:' || c.task_id, 'overdue:' || c.task_id)"
                              " AND t.customer = c.customer WHERE t.tenant = '%s'"), 15);
    /* the plan timers name each 256-byte customer in full */
    for (int i = 0; i < 2; i++)
        assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'care'"
                                              " AND key = 'plan:%s' AND customer = '%s'", cust[i], cust[i]), 1);
}

static void check_events(PGconn *db)
{
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(sqlf(db, "SELECT count(*) FROM outbox WHERE plugin = 'care' AND tenant <> '%s'"), 0);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM outbox WHERE type = 'care.task_created'"
                                          " AND customer IN ('%s', '%s')", cust[0], cust[1]), 15);
    assert_int_equal(sqlf(db, "SELECT count(*) FROM care_customers WHERE tenant = '%s'"), 2);
}

/* A request with a 300-byte id, taken by the inbox timer once the clock
 * passes it; then a contact naming a hashed task id closes that task. */
static void request_and_close(const rp_test_daemon *d, PGconn *db)
{
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO care_requests (tenant, request_id, customer, kind, priority, due_ms, reason,"
             " source, created_ms) VALUES ('%s', '%s', '%s', 'survey_follow_up', 2, %lld, 'Follow-up',"
             " 'survey', %lld)", tenant, request, cust[1], T0 + 10 * MINUTE, T0);
    free(rp_test_sql(db, sql));
    char *task = rp_test_sql(db, "SELECT task_id FROM care_tasks WHERE kind = 'greeting' AND reason LIKE"
                                 " 'Greeting after order o%-150' AND customer LIKE '%-01'");
    char data[512];
    snprintf(data, sizeof data, "{\"channel\":\"phone\",\"task_id\":\"%s\",\"outcome\":\"thanked\"}", task);
    publish_event(d, 10, "contact", T0 + 20 * MINUTE, 0, data);
    publish_event(d, 11, "contact", T0 + 20 * MINUTE, 1, "{\"channel\":\"phone\"}");
    rp_test_wait_idle(db, 30000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM care_requests WHERE taken_ms IS NULL", 0, 30000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_tasks WHERE task_id = '%s'"
                                          " AND status = 'done' AND outcome = 'thanked'", task), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_tasks WHERE customer = '%s'"
                                          " AND kind = 'survey_follow_up' AND task_id ~ '^survey_follow_up:h'",
                                      cust[1]), 1);
    free(task);
}

static void test_longest_ids(void **state)
{
    (void)state;
    make_ids();
    char *conninfo = rp_test_create_db("rp_care_long_ids");
    PGconn *db = rp_test_connect(conninfo);
    char override[400];
    snprintf(override, sizeof override, "--plugin.care.%s.due_time=11:00", tenant);
    const char *args[] = {"--plugins=care", "--clock=event", override, NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    for (int who = 0; who < 2; who++)
        publish_event(d, who, "customer.upsert", T0, who, "{\"timezone\":\"Europe/London\"}");
    purchase(d, 2, 0, order150);
    purchase(d, 3, 0, order300[0]);
    purchase(d, 4, 0, order300[1]);
    purchase(d, 5, 1, order150);
    purchase(d, 6, 1, order300[0]);
    rp_test_wait_idle(db, 30000);
    check_tasks(db);
    check_timers(db);
    check_events(db);
    request_and_close(d, db);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_longest_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
