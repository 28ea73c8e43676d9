/*
 * test_arrival.c - the survey plugin's facts do not depend on the order its
 * events arrive in (issue 18; docs/plugins/survey.md, "Late events and
 * arrival order"), through the real broker (rapportd with survey.so,
 * PostgreSQL, ZeroMQ) in event time, tenant zone UTC, business hours
 * 09:00-17:00 Monday to Friday.
 *
 * One scenario, published in four arrival orders into four databases; each
 * customer's events are shuffled (a complaint's opening stays before its
 * replies: that is causal order, the publisher's contract):
 *   c1  complaint k1 (Mon 10:00, normal) with replies at 11:00 and 14:00 and
 *       resolutions Mon 15:00 "compensated" and Tue 09:30 "resolved": the first
 *       response is 11:00 and the resolution Mon 15:00 whichever arrives
 *       first, and the after-complaint survey goes out Tue 10:00;
 *   c5  complaint k2 reported twice, Wed 12:00 low and Wed 11:00 high, and
 *       answered Wed 16:00: the earlier report counts (deadlines, severity),
 *       so the reply is late and the first-response clock escalates at Wed
 *       15:00 even when the reply was handled before the high report moved
 *       the deadline there; the resolution clock escalates on Fri 11:00;
 *   c2  three answers to one survey (Tue 12:00 NPS 5 "broken", 13:00 NPS 3,
 *       14:00 NPS 10): the answer is the 12:00 one, the monthly counts hold
 *       one detractor, the complaint and its care follow-up open at 12:00,
 *       no silent-churn watch stays, and the last survey.detractor states
 *       the 12:00 answer (earlier ones are corrected, "correction": true);
 *   c3  two zone upserts (Tokyo in January, New York in February) and two
 *       purchases (February, May): the zone is New York, and the quarterly
 *       round starts after the February purchase, so the core customer is
 *       surveyed on 1 April even when the May purchase arrives first;
 *   c4  a suggestion reported, then marked not adopted, then adopted: first
 *       report's text, latest flag;
 *   c6  two answers to a paper survey the plugin never sent, in April and
 *       March: recorded in March, no April count left over;
 *   c8  a purchase and the answer to its survey (two hours after it went
 *       out): when the answer arrives first it is recorded as unsolicited,
 *       and the survey, falling due at once when the purchase arrives, takes
 *       it over (sent at its time, answered after it).
 * Orders 2 and 3 run with event_lateness_ms = 3 days.
 * Every order must give these exact values, and the same rows in every
 * survey table, care_requests, contact_ledger and the pending timers, and
 * the same derived events apart from survey.detractor corrections.
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
#define D0 1772409600000LL               /* 2026-03-02 00:00Z, a Monday */
#define JAN10 1768003200000LL
#define FEB10 1770681600000LL
#define FEB20_NOON 1771588800000LL
#define MAY05_NOON 1777982400000LL
#define FEB27_10_NY 1772204400000LL      /* 10:00 EST */
#define APR01_10_NY 1775052000000LL      /* 10:00 EDT */
#define MAY12_10_NY 1778594400000LL
#define JUL01_10_NY 1782914400000LL
#define MAR01 1772323200000LL
#define END 1779235200000LL              /* 2026-05-20: every customer's clock goes there */
#define ORDERS 4

typedef struct scenario {
    int n;
    const char *events[6];
} scenario;

static void publish(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    if (!reply || !strstr(reply, "accepted"))
        fail_msg("not accepted: %s -> %s", json, reply ? reply : "(timeout)");
    free(reply);
}

static void publishf(const rp_test_daemon *d, const char *fmt, ...)
{
    char json[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(json, sizeof json, fmt, ap);
    va_end(ap);
    publish(d, json);
}

static char *fmt(const char *format, ...)
{
    char *out = malloc(1024);
    assert_non_null(out);
    va_list ap;
    va_start(ap, format);
    vsnprintf(out, 1024, format, ap);
    va_end(ap);
    return out;
}

/* The events of a scenario in the order perm names. */
static void publish_in(const rp_test_daemon *d, const scenario *s, const int *perm)
{
    for (int i = 0; i < s->n; i++)
        publish(d, s->events[perm[i]]);
}

static void free_scenario(scenario *s)
{
    for (int i = 0; i < s->n; i++)
        free((char *)s->events[i]);
}

/* ---------------------------------------------------------------- c1, c5: complaints */

static scenario complaint_k1(void)
{
    scenario s = {5, {0}};
    s.events[0] = fmt("{\"id\":\"k1o\",\"type\":\"complaint.opened\",\"ts\":%lld,\"customer\":\"c1\","
                      "\"data\":{\"complaint_id\":\"k1\",\"severity\":\"normal\"}}", D0 + 10 * HOUR);
    s.events[1] = fmt("{\"id\":\"x1\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c1\","
                      "\"data\":{\"channel\":\"phone\",\"complaint_id\":\"k1\"}}", D0 + 11 * HOUR);
    s.events[2] = fmt("{\"id\":\"x2\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c1\","
                      "\"data\":{\"channel\":\"email\",\"complaint_id\":\"k1\"}}", D0 + 14 * HOUR);
    s.events[3] = fmt("{\"id\":\"v1\",\"type\":\"complaint.resolved\",\"ts\":%lld,\"customer\":\"c1\","
                      "\"data\":{\"complaint_id\":\"k1\",\"outcome\":\"compensated\"}}", D0 + 15 * HOUR);
    s.events[4] = fmt("{\"id\":\"v2\",\"type\":\"complaint.resolved\",\"ts\":%lld,\"customer\":\"c1\","
                      "\"data\":{\"complaint_id\":\"k1\",\"outcome\":\"resolved\"}}", D0 + DAY + 9 * HOUR + HOUR / 2);
    return s;
}

static const int k1_orders[ORDERS][5] = {{0, 1, 2, 3, 4}, {0, 4, 2, 3, 1}, {0, 2, 4, 1, 3}, {0, 3, 1, 2, 4}};

static scenario complaint_k2(void)
{
    scenario s = {3, {0}};
    s.events[0] = fmt("{\"id\":\"k2a\",\"type\":\"complaint.opened\",\"ts\":%lld,\"customer\":\"c5\","
                      "\"data\":{\"complaint_id\":\"k2\",\"severity\":\"high\",\"text\":\"rude\"}}",
                      D0 + 2 * DAY + 11 * HOUR);
    s.events[1] = fmt("{\"id\":\"k2b\",\"type\":\"complaint.opened\",\"ts\":%lld,\"customer\":\"c5\","
                      "\"data\":{\"complaint_id\":\"k2\",\"severity\":\"low\",\"text\":\"again\"}}",
                      D0 + 2 * DAY + 12 * HOUR);
    s.events[2] = fmt("{\"id\":\"k2c\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c5\","
                      "\"data\":{\"channel\":\"phone\",\"complaint_id\":\"k2\"}}", D0 + 2 * DAY + 16 * HOUR);
    return s;
}

static const int k2_orders[ORDERS][3] = {{0, 1, 2}, {1, 2, 0}, {1, 0, 2}, {0, 2, 1}};

static void check_complaints(PGconn *db)
{
    assert_int_equal(rp_test_sql_int(db, "SELECT first_response_ms FROM survey_complaints WHERE complaint_id = 'k1'"
                                         " AND first_response_met"), D0 + 11 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT resolved_ms FROM survey_complaints WHERE complaint_id = 'k1'"
                                         " AND outcome = 'compensated' AND resolution_met AND level = 0"), D0 + 15 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT resolution_business_ms FROM survey_complaints"
                                         " WHERE complaint_id = 'k1'"), 5 * HOUR);
    /* the after-complaint survey: a day after the resolution at 10:00 */
    assert_int_equal(rp_test_sql_int(db, "SELECT requested_ms FROM survey_requests WHERE survey_id = 'complaint:k1'"
                                         " AND status = 'expired'"), D0 + DAY + 10 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                                         " AND key LIKE 'sla:%:k1'"), 0);
    /* k2: the earlier (high) report: first response due Wed 15:00, resolution
     * Fri 11:00; the 16:00 reply is late: escalated at Wed 15:00 (first
     * response) and Fri 11:00 (resolution) */
    assert_int_equal(rp_test_sql_int(db, "SELECT opened_ms FROM survey_complaints WHERE complaint_id = 'k2'"
                                         " AND severity = 'high' AND text = 'rude'"), D0 + 2 * DAY + 11 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT first_response_due_ms FROM survey_complaints"
                                         " WHERE complaint_id = 'k2'"), D0 + 2 * DAY + 15 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT resolution_due_ms FROM survey_complaints"
                                         " WHERE complaint_id = 'k2'"), D0 + 4 * DAY + 11 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT first_response_ms FROM survey_complaints WHERE complaint_id = 'k2'"
                                         " AND NOT first_response_met"), D0 + 2 * DAY + 16 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT last_escalated_ms FROM survey_complaints WHERE complaint_id = 'k2'"
                                         " AND level = 2 AND level_name = 'director' AND escalations = 2"),
                     D0 + 4 * DAY + 11 * HOUR);
    assert_int_equal(rp_test_sql_intf(db, "SELECT (string_agg(ts_ms::text, ',' ORDER BY ts_ms) = '%lld,%lld')::int"
                                          " FROM outbox WHERE type = 'complaint.escalated' AND customer = 'c5'",
                                      D0 + 2 * DAY + 15 * HOUR, D0 + 4 * DAY + 11 * HOUR),
                     1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM survey_complaints WHERE complaint_id = 'k1'"
                                         " AND resolved_event = 'v1' AND opened_event = 'k1o'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM survey_complaints WHERE complaint_id = 'k2'"
                                         " AND opened_event = 'k2a'"), 1);
}

/* ---------------------------------------------------------------- c2: answers */

static scenario answers_c2(void)
{
    int64_t tue = D0 + 8 * DAY;
    scenario s = {3, {0}};
    s.events[0] = fmt("{\"id\":\"rc\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"c2\","
                      "\"data\":{\"survey_id\":\"purchase:c2:o2\",\"nps\":5,\"comment\":\"broken\"}}",
                      tue + 12 * HOUR);
    s.events[1] = fmt("{\"id\":\"ra\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"c2\","
                      "\"data\":{\"survey_id\":\"purchase:c2:o2\",\"nps\":3,\"csat\":2,\"comment\":\"late\"}}",
                      tue + 13 * HOUR);
    s.events[2] = fmt("{\"id\":\"rb\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"c2\","
                      "\"data\":{\"survey_id\":\"purchase:c2:o2\",\"nps\":10,\"csat\":5}}", tue + 14 * HOUR);
    return s;
}

/* ra rb rc, rb rc ra, rc ra rb, rb ra rc */
static const int c2_orders[ORDERS][3] = {{1, 2, 0}, {2, 0, 1}, {0, 1, 2}, {2, 1, 0}};
/* survey.detractor events per order: one, plus a correction when a later
 * detractor answer came first */
static const int c2_detractor_events[ORDERS] = {2, 1, 1, 2};

static void check_answers(PGconn *db, const rp_test_daemon *d, int order)
{
    int64_t answered = D0 + 8 * DAY + 12 * HOUR;
    assert_int_equal(rp_test_sql_int(db, "SELECT answered_ms FROM survey_requests WHERE survey_id = 'purchase:c2:o2'"
                                         " AND status = 'answered' AND nps = 5 AND csat IS NULL"
                                         " AND comment = 'broken'"), answered);
    assert_int_equal(rp_test_sql_int(db, "SELECT 1000000 * sum(answered) + 100000 * sum(nps_answers)"
                                         " + 10000 * sum(detractors) + 1000 * sum(promoters) + 100 * sum(passives)"
                                         " + 10 * sum(csat_answers) + sum(csat_sum) FROM survey_monthly"
                                         " WHERE month = '2026-03' AND tier = 'vip'"), 1110000);
    assert_int_equal(rp_test_sql_int(db, "SELECT sum(requested) FROM survey_monthly WHERE month = '2026-03'"
                                         " AND tier = 'vip'"), 1);
    /* the complaint at the earliest detractor answer: high, 4h to 16:00,
     * escalated at 16:00 and Wed 12:00 */
    assert_int_equal(rp_test_sql_int(db, "SELECT opened_ms FROM survey_complaints"
                                         " WHERE complaint_id = 'survey:purchase:c2:o2' AND text = 'broken'"), answered);
    assert_int_equal(rp_test_sql_int(db, "SELECT first_response_due_ms FROM survey_complaints"
                                         " WHERE complaint_id = 'survey:purchase:c2:o2'"), answered + 4 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT last_escalated_ms FROM survey_complaints"
                                         " WHERE complaint_id = 'survey:purchase:c2:o2' AND escalations = 2"),
                     D0 + 9 * DAY + 12 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT due_ms FROM care_requests WHERE request_id ="
                                         " 'survey:detractor:purchase:c2:o2' AND reason LIKE '%(NPS 5, CSAT -1)%'"
                                         " AND created_ms = due_ms"), answered);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM survey_silent"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'survey.detractor'"),
                     c2_detractor_events[order]);
    /* the last survey.detractor states the 12:00 answer: its object runs
     * from its "cause" key (the first) to its "type" key (the last) */
    char *replay = rp_test_replay_json(d, 1, 1000);
    char *type = NULL;
    for (char *p = replay; (p = strstr(p, "\"type\":\"survey.detractor\"")); p++)
        type = p;
    assert_non_null(type);
    *type = '\0';
    const char *last = NULL;
    for (const char *p = replay; (p = strstr(p, "{\"cause\"")); p++)
        last = p;
    assert_non_null(last);
    assert_non_null(strstr(last, "\"nps\":5"));
    assert_non_null(strstr(last, "\"comment\":\"broken\""));
    assert_non_null(strstr(last, "\"csat\":null"));
    assert_true((c2_detractor_events[order] == 1) == (strstr(last, "\"correction\":true") == NULL));
    free(replay);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM survey_requests WHERE survey_id = 'purchase:c2:o2'"
                                         " AND answer_event = 'rc'"), 1);
}

/* ---------------------------------------------------------------- c3: zone, quarterly */

static scenario upserts_c3(void)
{
    scenario s = {2, {0}};
    s.events[0] = fmt("{\"id\":\"u1\",\"type\":\"customer.upsert\",\"ts\":%lld,\"customer\":\"c3\","
                      "\"data\":{\"timezone\":\"Asia/Tokyo\"}}", JAN10);
    s.events[1] = fmt("{\"id\":\"u2\",\"type\":\"customer.upsert\",\"ts\":%lld,\"customer\":\"c3\","
                      "\"data\":{\"timezone\":\"America/New_York\"}}", FEB10);
    return s;
}

static scenario purchases_c3(void)
{
    scenario s = {2, {0}};
    s.events[0] = fmt("{\"id\":\"pa\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c3\","
                      "\"data\":{\"order_id\":\"oa\",\"amount\":10,\"currency\":\"USD\"}}", FEB20_NOON);
    s.events[1] = fmt("{\"id\":\"pb\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c3\","
                      "\"data\":{\"order_id\":\"ob\",\"amount\":10,\"currency\":\"USD\"}}", MAY05_NOON);
    return s;
}

static const int c3_upsert_orders[ORDERS][2] = {{0, 1}, {1, 0}, {0, 1}, {1, 0}};
static const int c3_purchase_orders[ORDERS][2] = {{0, 1}, {1, 0}, {1, 0}, {0, 1}};

static void check_zone_quarterly(PGconn *db)
{
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM survey_customers WHERE customer = 'c3'"
                                         " AND timezone = 'America/New_York'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT requested_ms FROM survey_requests"
                                         " WHERE survey_id = 'quarterly:c3:2026-Q2' AND status = 'expired'"),
                     APR01_10_NY);
    assert_int_equal(rp_test_sql_int(db, "SELECT requested_ms FROM survey_requests"
                                         " WHERE survey_id = 'purchase:c3:oa' AND status = 'expired'"), FEB27_10_NY);
    assert_int_equal(rp_test_sql_int(db, "SELECT requested_ms FROM survey_requests"
                                         " WHERE survey_id = 'purchase:c3:ob' AND status = 'requested'"), MAY12_10_NY);
    assert_int_equal(rp_test_sql_int(db, "SELECT quarterly_due_ms FROM survey_customers WHERE customer = 'c3'"),
                     JUL01_10_NY);
    assert_int_equal(rp_test_sql_int(db, "SELECT first_purchase_ms FROM survey_customers WHERE customer = 'c3'"
                                         " AND timezone_ms = " "1770681600000 AND timezone_event = 'u2'"),
                     FEB20_NOON);
}

/* ---------------------------------------------------------------- c4: suggestion */

static scenario suggestion_c4(void)
{
    scenario s = {3, {0}};
    s.events[0] = fmt("{\"id\":\"g1a\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c4\","
                      "\"data\":{\"suggestion_id\":\"g1\",\"topic\":\"parking\",\"text\":\"more spaces\"}}", MAR01);
    s.events[1] = fmt("{\"id\":\"g1b\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c4\","
                      "\"data\":{\"suggestion_id\":\"g1\",\"adopted\":false}}", MAR01 + 4 * DAY);
    s.events[2] = fmt("{\"id\":\"g1c\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c4\","
                      "\"data\":{\"suggestion_id\":\"g1\",\"adopted\":true}}", MAR01 + 8 * DAY);
    return s;
}

static const int c4_orders[ORDERS][3] = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {0, 2, 1}};

static void check_suggestion(PGconn *db)
{
    assert_int_equal(rp_test_sql_int(db, "SELECT ts_ms FROM survey_suggestions WHERE suggestion_id = 'g1'"
                                         " AND topic = 'parking' AND text = 'more spaces' AND adopted"), MAR01);
    assert_int_equal(rp_test_sql_int(db, "SELECT adopted_ms FROM survey_suggestions WHERE suggestion_id = 'g1'"
                                         " AND event_id = 'g1a' AND adopted_event = 'g1c'"), MAR01 + 8 * DAY);
}

/* ---------------------------------------------------------------- c6: unsolicited */

static scenario unsolicited_c6(void)
{
    scenario s = {2, {0}};
    s.events[0] = fmt("{\"id\":\"w1\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"c6\","
                      "\"data\":{\"survey_id\":\"paper:c6\",\"nps\":9}}", APR01_10_NY + DAY);
    s.events[1] = fmt("{\"id\":\"w2\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"c6\","
                      "\"data\":{\"survey_id\":\"paper:c6\",\"nps\":7}}", APR01_10_NY - 3 * DAY);
    return s;
}

static const int c6_orders[ORDERS][2] = {{0, 1}, {1, 0}, {0, 1}, {1, 0}};

static void check_unsolicited(PGconn *db)
{
    assert_int_equal(rp_test_sql_int(db, "SELECT requested_ms FROM survey_requests WHERE survey_id = 'paper:c6'"
                                         " AND kind = 'unsolicited' AND answered_ms = requested_ms AND nps = 7"
                                         " AND month = '2026-03' AND cause = 'w2'"), APR01_10_NY - 3 * DAY);
    /* March, tier unknown: c1's complaint survey (requested, expired) and the
     * paper answer (requested, answered, passive); nothing left in April */
    assert_int_equal(rp_test_sql_int(db, "SELECT 10000 * sum(requested) + 1000 * sum(answered) + 100 * sum(expired)"
                                         " + 10 * sum(passives) + sum(promoters) FROM survey_monthly"
                                         " WHERE month = '2026-03' AND tier = 'unknown'"), 21110);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM survey_monthly WHERE tier = 'unknown'"
                                         " AND month = '2026-04'"), 0);
}

/* ---------------------------------------------------------------- c8: answer before purchase */

static scenario answer_first_c8(void)
{
    scenario s = {2, {0}};
    s.events[0] = fmt("{\"id\":\"p8\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c8\","
                      "\"data\":{\"order_id\":\"o8\",\"amount\":30,\"currency\":\"GBP\"}}", D0 + 12 * HOUR);
    s.events[1] = fmt("{\"id\":\"r8\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"c8\","
                      "\"data\":{\"survey_id\":\"purchase:c8:o8\",\"nps\":8,\"csat\":4}}",
                      D0 + 7 * DAY + 12 * HOUR);
    return s;
}

static const int c8_orders[ORDERS][2] = {{0, 1}, {1, 0}, {1, 0}, {0, 1}};

static void check_answer_first(PGconn *db)
{
    int64_t sent = D0 + 7 * DAY + 10 * HOUR;
    assert_int_equal(rp_test_sql_int(db, "SELECT requested_ms FROM survey_requests WHERE survey_id = 'purchase:c8:o8'"
                                         " AND kind = 'purchase' AND ref = 'o8' AND status = 'answered' AND nps = 8"
                                         " AND cause = 'send:purchase:c8:o8' AND channel = 'email'"
                                         " AND tier = 'silver' AND month = '2026-03'"), sent);
    assert_int_equal(rp_test_sql_int(db, "SELECT answered_ms FROM survey_requests WHERE survey_id = 'purchase:c8:o8'"),
                     sent + 2 * HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT expires_ms FROM survey_requests WHERE survey_id = 'purchase:c8:o8'"),
                     sent + 14 * DAY);
    assert_int_equal(rp_test_sql_int(db, "SELECT ts_ms FROM contact_ledger WHERE customer = 'c8'"), sent);
    assert_int_equal(rp_test_sql_int(db, "SELECT ts_ms FROM outbox WHERE type = 'survey.requested'"
                                         " AND customer = 'c8'"), sent);
    assert_int_equal(rp_test_sql_int(db, "SELECT 100000 * sum(requested) + 10000 * sum(answered) + 1000 * sum(passives)"
                                         " + 100 * sum(nps_answers) + 10 * sum(csat_answers) + sum(csat_sum)"
                                         " FROM survey_monthly WHERE tier = 'silver' AND month = '2026-03'"), 111114);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                                         " AND key LIKE '%:purchase:c8:o8'"), 0);
}

/* ---------------------------------------------------------------- one run */

static void stand_in_scoring(PGconn *db)
{
    free(rp_test_sql(db, "CREATE TABLE scoring_customers (tenant text NOT NULL, customer text NOT NULL,"
                         " partition int NOT NULL, tier text NOT NULL, core boolean NOT NULL,"
                         " p_alive double precision, expected_purchases double precision,"
                         " PRIMARY KEY (tenant, customer))"));
    free(rp_test_sql(db, "INSERT INTO scoring_customers VALUES ('default', 'c2', 0, 'vip', false, 0.9, 2.0),"
                         " ('default', 'c3', 0, 'gold', true, NULL, NULL), ('default', 'c8', 0, 'silver', false, NULL, NULL)"));
}

/* Every survey table, the contract rows, the pending timers and the derived
 * events other than survey.detractor, as text. */
static char *dump(PGconn *db)
{
    static const char *const queries[] = {
        "SELECT t::text FROM survey_requests t", "SELECT t::text FROM survey_monthly t",
        "SELECT t::text FROM survey_complaints t", "SELECT t::text FROM survey_suggestions t",
        "SELECT t::text FROM survey_silent t", "SELECT t::text FROM survey_customers t",
        "SELECT t::text FROM care_requests t", "SELECT t::text FROM contact_ledger t",
        "SELECT key || ' ' || due_ms FROM timers WHERE plugin = 'survey'",
        "SELECT type || ' ' || customer || ' ' || ts_ms FROM outbox WHERE type <> 'survey.detractor'",
    };
    size_t len = 0;
    char *out = calloc(1, 1);
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM (%s) AS q(x)",
                 queries[i]);
        char *part = rp_test_sql(db, sql);
        out = realloc(out, len + strlen(part) + 3);
        assert_non_null(out);
        len += (size_t)sprintf(out + len, "%s\n\n", part);
        free(part);
    }
    return out;
}

static char *run_order(int order)
{
    char name[64];
    snprintf(name, sizeof name, "rp_survey_arrival_%d", order);
    char *conninfo = rp_test_create_db(name);
    PGconn *db = rp_test_connect(conninfo);
    stand_in_scoring(db);
    const char *args[] = {"--plugins=survey", "--clock=event",
                          order >= 2 ? "--event_lateness_ms=259200000" : NULL, NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);

    scenario k1 = complaint_k1(), k2 = complaint_k2(), c2 = answers_c2(), up = upserts_c3(),
             buys = purchases_c3(), c4 = suggestion_c4(), c6 = unsolicited_c6(),
             c8 = answer_first_c8();
    /* In event time a partition's clock is the latest event it handled, and
     * customers share partitions: each block is published before any event
     * later than the timers it arms, so no timer fires before the events of
     * its customer that precede it (what event_lateness_ms is for). */
    publish_in(d, &up, c3_upsert_orders[order]);
    publishf(d, "{\"id\":\"p2\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c2\","
                "\"data\":{\"order_id\":\"o2\",\"amount\":80,\"currency\":\"GBP\"}}", D0 + 12 * HOUR);
    publish_in(d, &k1, k1_orders[order]);
    publish_in(d, &k2, k2_orders[order]);
    publish_in(d, &c4, c4_orders[order]);
    /* c2's survey goes out (Mon 03-09 10:00) before its answers */
    publishf(d, "{\"id\":\"t2\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"c2\",\"data\":{}}",
             D0 + 7 * DAY + 11 * HOUR);
    if (order < 2) {
        /* with event_lateness_ms the send waits for later events, and the
         * answers wait for it (they are of its customer) */
        rp_test_wait_idle(db, 30000);
        assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM survey_requests"
                                             " WHERE survey_id = 'purchase:c2:o2'"), 1);
    }
    publish_in(d, &c2, c2_orders[order]);
    publish_in(d, &c6, c6_orders[order]);
    publish_in(d, &buys, c3_purchase_orders[order]);
    publish_in(d, &c8, c8_orders[order]);
    /* every customer's clock to END: the timers before it fire */
    static const char *const customers[] = {"c1", "c2", "c3", "c4", "c5", "c6", "c8"};
    for (size_t i = 0; i < sizeof customers / sizeof customers[0]; i++)
        publishf(d, "{\"id\":\"end-%s\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"%s\",\"data\":{}}",
                 customers[i], END, customers[i]);
    rp_test_wait_idle(db, 30000);

    check_complaints(db);
    check_answers(db, d, order);
    check_zone_quarterly(db);
    check_suggestion(db);
    check_unsolicited(db);
    check_answer_first(db);
    char *text = dump(db);

    scenario *all[] = {&k1, &k2, &c2, &up, &buys, &c4, &c6, &c8};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free_scenario(all[i]);
    PQfinish(db);
    /* a clean exit: no sanitizer report from the plugin */
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
    return text;
}

static void same_facts_in_every_arrival_order(void **state)
{
    (void)state;
    char *first = run_order(0);
    for (int order = 1; order < ORDERS; order++) {
        char *other = run_order(order);
        if (strcmp(first, other) != 0)
            fail_msg("arrival order %d left other rows than order 0:\n--- order 0\n%s\n--- order %d\n%s", order,
                     first, order, other);
        free(other);
    }
    free(first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_facts_in_every_arrival_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
