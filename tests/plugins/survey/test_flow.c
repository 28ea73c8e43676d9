/*
 * test_flow.c - the survey plugin through the real broker (rapportd with
 * survey.so, PostgreSQL, ZeroMQ) in event time, tenant zone UTC, business
 * hours 09:00-17:00 Monday to Friday:
 *   a purchase on Monday 2026-03-02 12:00 sends survey.requested on day 7
 *   (Monday 2026-03-09 10:00) once event time passes it, recorded in the
 *   contact ledger; a detractor answer on Tuesday 13:00 opens a complaint
 *   (high: first response due at 17:00) with a care request; with no
 *   response by then the complaint escalates to the manager; a complaint
 *   opened by an event, answered by a contact and resolved within its SLA
 *   reports its business resolution time; a customer erased after a
 *   purchase is never surveyed; a reply that arrives after its clock fired
 *   corrects the first response but the escalation stands.
 * And behaviour over words, with a stand-in scoring_customers table (the
 * columns the plugin reads): a care touch two days before the survey's due
 * time defers it by the contact budget; a satisfied answer is watched, and
 * when p_alive falls to a third the customer is flagged as silent churn and
 * listed by `rapportctl report surveys`; the quarterly survey of the core
 * customer falls inside the fatigue window and is suppressed.
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

#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define MONDAY_NOON 1772452800000LL            /* 2026-03-02 12:00Z, a Monday */
#define SURVEY_DUE (MONDAY_NOON + 7 * DAY - 2 * HOUR) /* 2026-03-09 10:00Z */
#define TUESDAY_1PM (MONDAY_NOON + 8 * DAY + HOUR)    /* 2026-03-10 13:00Z */
#define WEDNESDAY_10AM (MONDAY_NOON + 9 * DAY - 2 * HOUR)

static void publish(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    if (!reply || !strstr(reply, "accepted"))
        fail_msg("not accepted: %s -> %s", json, reply ? reply : "(timeout)");
    free(reply);
}

static void publishf(const rp_test_daemon *d, const char *fmt, ...)
{
    char json[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(json, sizeof json, fmt, ap);
    va_end(ap);
    publish(d, json);
}

static void survey_complaint_escalation(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_survey_flow");
    const char *args[] = {"--plugins=survey", "--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);

    publishf(d, "{\"id\":\"p1\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c1\","
                "\"data\":{\"order_id\":\"o1\",\"amount\":120,\"currency\":\"GBP\"}}", (long long)MONDAY_NOON);
    /* c3 buys too but is erased the next day: the armed survey finds no
     * customer row and is dropped (c3's own partition clock passes day 7
     * with a later event). */
    publishf(d, "[{\"id\":\"p3\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c3\","
                "\"data\":{\"order_id\":\"o3\",\"amount\":50,\"currency\":\"GBP\"}},"
                "{\"id\":\"x3\",\"type\":\"customer.erase\",\"ts\":%lld,\"customer\":\"c3\",\"data\":{}}]",
             (long long)MONDAY_NOON, (long long)(MONDAY_NOON + DAY));
    /* c4 buys and is erased at the same instant: one call handles both, and
     * the row its purchase marked must not be written after the erase. */
    publishf(d, "[{\"id\":\"p4\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c4\","
                "\"data\":{\"order_id\":\"o4\",\"amount\":50,\"currency\":\"GBP\"}},"
                "{\"id\":\"x4\",\"type\":\"customer.erase\",\"ts\":%lld,\"customer\":\"c4\",\"data\":{}}]",
             (long long)MONDAY_NOON, (long long)MONDAY_NOON);
    /* Day 6: nothing is due yet. */
    publishf(d, "{\"id\":\"s1\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c1\","
                "\"data\":{\"text\":\"gift wrapping\"}}", (long long)(MONDAY_NOON + 6 * DAY));
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_requests"), 0);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_suggestions WHERE customer = 'c1'"), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_customers WHERE customer IN ('c3', 'c4')"), 0);

    /* Day 8: the day-7 survey went out at its due time. */
    publishf(d, "[{\"id\":\"s5\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c3\",\"data\":{}},"
                "{\"id\":\"s2\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c1\","
                "\"data\":{\"text\":\"longer hours\"}}]", (long long)(MONDAY_NOON + 7 * DAY),
             (long long)(MONDAY_NOON + 8 * DAY));
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT requested_ms FROM survey_requests WHERE survey_id = 'purchase:c1:o1'"
                              " AND status = 'requested' AND kind = 'purchase'"), SURVEY_DUE);
    assert_int_equal(rp_test_sql_intf(db, "SELECT ts_ms FROM outbox WHERE type = 'survey.requested' AND customer = 'c1'"),
                     SURVEY_DUE);
    assert_int_equal(rp_test_sql_intf(db, "SELECT ts_ms FROM contact_ledger WHERE source = 'survey'"
                              " AND ref = 'purchase:c1:o1' AND customer = 'c1'"), SURVEY_DUE);
    assert_int_equal(rp_test_sql_intf(db, "SELECT requested FROM survey_monthly WHERE month = '2026-03'"), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_requests WHERE customer = 'c3'"), 0);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'survey' AND key LIKE 'send:%%c3%%'"), 0);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_suggestions WHERE customer = 'c3'"), 1);
    char *replay = rp_test_replay_json(d, 1, 100);
    assert_non_null(strstr(replay, "\"survey_id\":\"purchase:c1:o1\""));
    assert_non_null(strstr(replay, "\"questions\""));
    free(replay);

    /* A detractor answer opens a high-severity complaint. */
    publishf(d, "{\"id\":\"r1\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"c1\","
                "\"data\":{\"survey_id\":\"purchase:c1:o1\",\"nps\":3,\"csat\":2,\"comment\":\"late\","
                "\"answers\":{\"delivery\":1,\"why\":\"a \\\"late\\\" box\",\"tags\":[\"slow\",true]}}}",
             (long long)TUESDAY_1PM);
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_requests WHERE status = 'answered' AND nps = 3"
                              " AND answers = '{\"delivery\": 1, \"why\": \"a \\\"late\\\" box\","
                              " \"tags\": [\"slow\", true]}'::jsonb"), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT answered + 10 * detractors + 100 * csat_sum FROM survey_monthly"
                              " WHERE month = '2026-03'"), 211);
    assert_int_equal(rp_test_sql_intf(db, "SELECT first_response_due_ms FROM survey_complaints WHERE complaint_id ="
                              " 'survey:purchase:c1:o1' AND source = 'survey' AND severity = 'high'"),
                     TUESDAY_1PM + 4 * HOUR);
    /* resolution: 4h Tuesday, 8h Wednesday, 4h Thursday -> Thursday 13:00 */
    assert_int_equal(rp_test_sql_intf(db, "SELECT resolution_due_ms FROM survey_complaints"
                              " WHERE complaint_id = 'survey:purchase:c1:o1'"), TUESDAY_1PM + 2 * DAY);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_requests WHERE source = 'survey' AND customer = 'c1'"
                              " AND request_id = 'survey:detractor:purchase:c1:o1'"), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM outbox WHERE type = 'survey.detractor'"), 1);

    /* Wednesday 10:00: nobody answered by Tuesday 17:00 -> the manager. A
     * second complaint arrives and is handled within its SLA. */
    publishf(d, "[{\"id\":\"k1\",\"type\":\"complaint.opened\",\"ts\":%lld,\"customer\":\"c1\","
                "\"data\":{\"complaint_id\":\"k1\",\"severity\":\"normal\"}},"
                "{\"id\":\"k2\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c1\","
                "\"data\":{\"channel\":\"phone\",\"complaint_id\":\"k1\"}},"
                "{\"id\":\"k3\",\"type\":\"complaint.resolved\",\"ts\":%lld,\"customer\":\"c1\","
                "\"data\":{\"complaint_id\":\"k1\",\"outcome\":\"resolved\"}}]",
             (long long)WEDNESDAY_10AM, (long long)(WEDNESDAY_10AM + HOUR), (long long)(WEDNESDAY_10AM + 2 * HOUR));
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT level FROM survey_complaints WHERE complaint_id = 'survey:purchase:c1:o1'"
                              " AND level_name = 'manager'"), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT ts_ms FROM outbox WHERE type = 'complaint.escalated'"),
                     TUESDAY_1PM + 4 * HOUR);
    replay = rp_test_replay_json(d, 1, 100);
    assert_non_null(strstr(replay, "\"level\":\"manager\""));
    assert_non_null(strstr(replay, "\"clock\":\"first_response\""));
    free(replay);
    assert_int_equal(rp_test_sql_intf(db, "SELECT resolution_business_ms FROM survey_complaints WHERE complaint_id = 'k1'"
                              " AND resolution_met AND first_response_met AND resolved_month = '2026-03'"),
                     2 * HOUR);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'survey' AND key LIKE 'sla:%%:k1'"), 0);

    PQfinish(db);
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

static char *report_json(const char *conninfo, const char *month)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s report surveys --month %s --json --database='%s'", rp_test_rapportctl_path(),
             month, conninfo);
    int rc;
    char *out = rp_test_command(cmd, &rc);
    assert_int_equal(rc, 0);
    return out;
}

static void survey_budget_silent_churn(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_survey_behaviour");
    PGconn *db = rp_test_connect(conninfo);
    free(rp_test_sql(db, "CREATE TABLE scoring_customers (tenant text NOT NULL, customer text NOT NULL,"
                         " partition int NOT NULL, tier text NOT NULL, core boolean NOT NULL,"
                         " p_alive double precision, expected_purchases double precision,"
                         " PRIMARY KEY (tenant, customer))"));
    free(rp_test_sql(db, "INSERT INTO scoring_customers VALUES ('default', 'c2', 0, 'vip', true, 0.9, 2.0)"));
    const char *args[] = {"--plugins=survey", "--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    /* a care task two days before the survey falls due: budget 1 per 7 days */
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO contact_ledger VALUES ('default', 'c2', 0, 'care', 't1', 'greeting',"
                              " false, %lld)", (long long)(SURVEY_DUE - 2 * DAY));
    free(rp_test_sql(db, sql));

    publishf(d, "{\"id\":\"p2\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c2\","
                "\"data\":{\"order_id\":\"o2\",\"amount\":80,\"currency\":\"GBP\"}}", (long long)MONDAY_NOON);
    publishf(d, "{\"id\":\"s3\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c2\",\"data\":{}}",
             (long long)(SURVEY_DUE + DAY));
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_requests"), 0);
    assert_int_equal(rp_test_sql_intf(db, "SELECT due_ms FROM timers WHERE plugin = 'survey' AND key = 'send:purchase:c2:o2'"),
                     SURVEY_DUE + 5 * DAY);

    int64_t answered = SURVEY_DUE + 6 * DAY + HOUR;
    publishf(d, "{\"id\":\"r2\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"c2\","
                "\"data\":{\"survey_id\":\"purchase:c2:o2\",\"nps\":10,\"csat\":5}}", (long long)answered);
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT requested_ms FROM survey_requests WHERE survey_id = 'purchase:c2:o2'"
                              " AND status = 'answered' AND tier = 'vip'"), SURVEY_DUE + 5 * DAY);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_silent WHERE status = 'watching'"
                              " AND p_alive_then = 0.9 AND purchases_then = 2"), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT promoters FROM survey_monthly WHERE tier = 'vip' AND month = '2026-03'"), 1);

    free(rp_test_sql(db, "UPDATE scoring_customers SET p_alive = 0.3 WHERE customer = 'c2'"));
    publishf(d, "{\"id\":\"s4\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c2\",\"data\":{}}",
             (long long)(answered + 36 * DAY));
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT flagged_ms FROM survey_silent WHERE status = 'flagged' AND reason = 'p_alive'"
                              " AND flagged_month = '2026-04'"), answered + 30 * DAY);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM outbox WHERE type = 'customer.silent_churn'"
                              " AND customer = 'c2'"), 1);
    /* 2026-04-01: the core customer's quarterly survey, inside the fatigue window */
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_requests WHERE survey_id = 'quarterly:c2:2026-Q2'"
                              " AND status = 'suppressed' AND reason = 'fatigue'"), 1);
    char *report = report_json(conninfo, "2026-04");
    assert_non_null(strstr(report, "\"customer\":\"c2\""));
    assert_non_null(strstr(report, "\"reason\":\"p_alive\""));
    free(report);

    PQfinish(db);
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

/* The longest customer id the wire allows and a long order id make a
 * survey id of over 255 bytes; the answer to it is still taken (regression:
 * responses read survey_id into 256 bytes and failed). */
static void survey_long_ids(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_survey_long_ids");
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=survey", "--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    char customer[257], order[201];
    memset(customer, 'c', 256);
    customer[256] = '\0';
    memset(order, 'o', 200);
    order[200] = '\0';
    publishf(d, "{\"id\":\"lp\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"%s\","
                "\"data\":{\"order_id\":\"%s\",\"amount\":80,\"currency\":\"GBP\"}}",
             (long long)MONDAY_NOON, customer, order);
    publishf(d, "{\"id\":\"ls\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"%s\",\"data\":{}}",
             (long long)(SURVEY_DUE + DAY), customer);
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_requests WHERE survey_id = 'purchase:%s:%s'"
                              " AND status = 'requested'", customer, order), 1);
    publishf(d, "{\"id\":\"lr\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"%s\","
                "\"data\":{\"survey_id\":\"purchase:%s:%s\",\"nps\":9,\"csat\":5}}",
             (long long)(SURVEY_DUE + 2 * DAY), customer, customer, order);
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_requests WHERE length(survey_id) = %d"
                              " AND status = 'answered'", (int)(strlen("purchase::") + 256 + 200)), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM dead_letters"), 0);
    PQfinish(db);
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

/* A reply that arrives after its first-response clock fired, earlier than
 * the deadline (beyond event_lateness_ms, here 0): the escalation stands
 * (level, count and event), the first response is corrected to the reply
 * and met, and the clock's next timer finds it met and stops. */
static void survey_late_reply_after_escalation(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_survey_late_reply");
    const char *args[] = {"--plugins=survey", "--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    int64_t opened = MONDAY_NOON - 2 * HOUR;   /* Mon 10:00, normal: first response due Tue 10:00 */
    publishf(d, "{\"id\":\"q1\",\"type\":\"complaint.opened\",\"ts\":%lld,\"customer\":\"c9\","
                "\"data\":{\"complaint_id\":\"q1\",\"severity\":\"normal\"}}", (long long)opened);
    publishf(d, "{\"id\":\"q2\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c9\",\"data\":{}}",
             (long long)(opened + DAY + 2 * HOUR));
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT level FROM survey_complaints WHERE complaint_id = 'q1'"), 1);
    /* the reply of Monday 16:00 arrives now */
    publishf(d, "{\"id\":\"q3\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c9\","
                "\"data\":{\"channel\":\"phone\",\"complaint_id\":\"q1\"}}", (long long)(opened + 6 * HOUR));
    publishf(d, "{\"id\":\"q4\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c9\",\"data\":{}}",
             (long long)(opened + 3 * DAY));
    rp_test_wait_idle(db, 20000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT first_response_ms FROM survey_complaints WHERE complaint_id = 'q1'"
                                          " AND first_response_met AND level = 1 AND level_name = 'manager'"
                                          " AND escalations = 1"), opened + 6 * HOUR);
    assert_int_equal(rp_test_sql_intf(db, "SELECT ts_ms FROM outbox WHERE type = 'complaint.escalated'"),
                     opened + DAY);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                                          " AND key = 'sla:first:q1'"), 0);
    PQfinish(db);
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(survey_complaint_escalation),
        cmocka_unit_test(survey_late_reply_after_escalation),
        cmocka_unit_test(survey_budget_silent_churn),
        cmocka_unit_test(survey_long_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
