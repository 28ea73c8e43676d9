/*
 * test_tenants.c - the survey plugin with 104 tenants interleaved, through
 * the real broker (rapportd with survey.so, PostgreSQL, ZeroMQ) on the wall
 * clock (ABI 2: the host hands every call one tenant with its settings).
 *
 * Every tenant T (t000..t103) has the same customer "shared" (and "voice"),
 * so anything that mixes tenants lands on another tenant's rows:
 *   a complaint k-T opened 30 days ago (both SLA clocks ran out: two
 *   escalations), a purchase 20 days ago (its survey is due: sent now), an
 *   unsolicited detractor answer paper-T 15 days ago (a complaint of the
 *   detractor severity, a care request, survey.detractor, two escalations),
 *   a purchase of c-T an hour ago (its survey timer pending), a suggestion.
 * The events of all tenants are published in one frame, each kind in its
 * own tenant order, so every run the host hands over mixes tenants before
 * it splits them.
 *
 * Configuration (a file, as in production): plugin-wide expiry = 10d, so a
 * tenant first seen at run time is configured by the defaults and the
 * plugin-wide values; every second tenant overrides channel = sms, every
 * third purchase_delay = 3d, every fifth detractor_severity = critical
 * (those keep the plugin-wide expiry).
 *
 * Checked: every row of every survey table and contract table, every
 * pending timer and every derived event (its tenant, customer, cause and
 * the ids in its frame) belongs to its own tenant, each tenant has exactly
 * its own set, and each override is honoured exactly for its tenants.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rp_test.h"

#define TENANTS 104
#define HOUR 3600000LL
#define DAY (24 * HOUR)

typedef struct text {
    char *s;
    size_t len;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    t->s = realloc(t->s, t->len + (size_t)n + 1);
    assert_non_null(t->s);
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* One event of tenant i, of kind k (0..4), published ts. */
static void event(text *j, int i, int k, int64_t now)
{
    char t[8];
    snprintf(t, sizeof t, "t%03d", i);
    const char *sep = j->len > 1 ? "," : "";
    switch (k) {
    case 0:
        add(j, "%s{\"id\":\"k-%s\",\"tenant\":\"%s\",\"type\":\"complaint.opened\",\"ts\":%lld,"
               "\"customer\":\"shared\",\"data\":{\"complaint_id\":\"k-%s\",\"severity\":\"normal\"}}",
            sep, t, t, (long long)(now - 30 * DAY), t);
        break;
    case 1:
        add(j, "%s{\"id\":\"p1-%s\",\"tenant\":\"%s\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"shared\","
               "\"data\":{\"order_id\":\"o1-%s\",\"amount\":20,\"currency\":\"GBP\"}}",
            sep, t, t, (long long)(now - 20 * DAY), t);
        break;
    case 2:
        add(j, "%s{\"id\":\"r-%s\",\"tenant\":\"%s\",\"type\":\"survey.response\",\"ts\":%lld,"
               "\"customer\":\"voice\",\"data\":{\"survey_id\":\"paper-%s\",\"nps\":2,\"comment\":\"%s\"}}",
            sep, t, t, (long long)(now - 15 * DAY), t, t);
        break;
    case 3:
        add(j, "%s{\"id\":\"p2-%s\",\"tenant\":\"%s\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c-%s\","
               "\"data\":{\"order_id\":\"o2-%s\",\"amount\":20,\"currency\":\"GBP\"}}",
            sep, t, t, (long long)(now - HOUR), t, t);
        break;
    default:
        add(j, "%s{\"id\":\"s-%s\",\"tenant\":\"%s\",\"type\":\"suggestion\",\"ts\":%lld,\"customer\":\"shared\","
               "\"data\":{\"suggestion_id\":\"s-%s\",\"text\":\"%s\"}}",
            sep, t, t, (long long)(now - HOUR), t, t);
        break;
    }
}

/* All tenants' events, kind by kind, each kind in another tenant order. */
static char *stream(int64_t now)
{
    text j = {0};
    add(&j, "[");
    static const int step[] = {1, 37, 11, 53, 89};   /* coprime with 104: permutations */
    for (int k = 0; k < 5; k++)
        for (int n = 0; n < TENANTS; n++)
            event(&j, (n * step[k] + 7 * k) % TENANTS, k, now);
    add(&j, "]");
    return j.s;
}

static char *write_config(void)
{
    char *path = malloc(64);
    assert_non_null(path);
    snprintf(path, 64, "/tmp/rp-survey-tenants-%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[plugin.survey]\nexpiry = 10d\n");
    for (int i = 0; i < TENANTS; i++) {
        if (i % 2 == 0)
            fprintf(f, "t%03d.channel = sms\n", i);
        if (i % 3 == 0)
            fprintf(f, "t%03d.purchase_delay = 3d\n", i);
        if (i % 5 == 0)
            fprintf(f, "t%03d.detractor_severity = critical\n", i);
    }
    fclose(f);
    return path;
}

/* The tenant's number, in SQL. */
#define N "substr(tenant, 2)::int"

static void expect_rows(PGconn *db, int64_t now)
{
    /* survey_requests: the purchase survey sent (channel per tenant, the
     * plugin-wide expiry everywhere) and the answered paper survey */
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_requests"), 2 * TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM survey_requests WHERE survey_id = 'purchase:shared:o1-' || tenant"
        " AND customer = 'shared' AND status = 'requested' AND expires_ms = requested_ms + 10 * 86400000::bigint"
        " AND channel = CASE WHEN " N " %% 2 = 0 THEN 'sms' ELSE 'email' END"), TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM survey_requests WHERE survey_id = 'paper-' || tenant AND customer = 'voice'"
        " AND status = 'answered' AND kind = 'unsolicited' AND comment = tenant"), TENANTS);
    /* survey_complaints: k-T and the detractor's, each escalated twice */
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_complaints"), 2 * TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM survey_complaints WHERE complaint_id = 'k-' || tenant AND customer = 'shared'"
        " AND severity = 'normal' AND level = 2 AND level_name = 'director' AND escalations = 2"), TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM survey_complaints WHERE complaint_id = 'survey:paper-' || tenant"
        " AND customer = 'voice' AND text = tenant AND level = 2 AND escalations = 2"
        " AND severity = CASE WHEN " N " %% 5 = 0 THEN 'critical' ELSE 'high' END"), TENANTS);
    /* contract tables and the rest */
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_requests WHERE request_id ="
                                          " 'survey:detractor:paper-' || tenant AND customer = 'voice'"
                                          " AND reason LIKE '%%paper-' || tenant || '%%'"), TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_requests"), TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM contact_ledger WHERE source = 'survey'"
                                          " AND ref = 'purchase:shared:o1-' || tenant AND customer = 'shared'"),
                     TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM contact_ledger"), TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_suggestions WHERE suggestion_id = 's-'"
                                          " || tenant AND text = tenant AND customer = 'shared'"), TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_suggestions"), TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_customers WHERE customer IN"
                                          " ('shared', 'c-' || tenant)"), 2 * TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM survey_customers"), 2 * TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM (SELECT tenant FROM survey_monthly GROUP BY tenant HAVING sum(requested) = 2"
        " AND sum(answered) = 1 AND sum(detractors) = 1 AND sum(suppressed) = 0) s"), TENANTS);
    /* the pending survey of c-T: purchase_delay days after the purchase's
     * date, at 10:00 UTC (the tenant zone) */
    int64_t day = (now - HOUR) / DAY * DAY;
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM timers WHERE plugin = 'survey' AND key = 'send:purchase:c-' || tenant || ':o2-'"
        " || tenant AND customer = 'c-' || tenant AND due_ms = %lld + 10 * 3600000::bigint"
        " + (CASE WHEN " N " %% 3 = 0 THEN 3 ELSE 7 END) * 86400000::bigint", (long long)day), TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                                          " AND key = 'expire:purchase:shared:o1-' || tenant"), TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                                          " AND key IN ('quarterly:shared', 'quarterly:c-' || tenant)"
                                          " AND customer = substr(key, 11)"), 2 * TENANTS);
    /* the first-response clocks re-armed one step above (the resolution
     * clocks reached the top); nothing else is pending */
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                                          " AND key IN ('sla:first:k-' || tenant, 'sla:first:survey:paper-' || tenant)"),
                     2 * TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"), 6 * TENANTS);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(DISTINCT tenant) FROM timers WHERE plugin = 'survey'"),
                     TENANTS);
}

static void expect_derived(PGconn *db)
{
    /* every derived event's tenant is its cause's and its frame names the
     * tenant's ids */
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM outbox WHERE plugin = 'survey'"), 6 * TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM outbox WHERE type = 'survey.requested' AND customer = 'shared'"
        " AND cause = 'timer:send:purchase:shared:o1-' || tenant"
        " AND position(convert_to('purchase:shared:o1-' || tenant, 'UTF8') IN frame) > 0"
        " AND position(convert_to(CASE WHEN " N " %% 2 = 0 THEN 'sms' ELSE 'email' END, 'UTF8') IN frame) > 0"),
        TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM outbox WHERE type = 'survey.detractor' AND customer = 'voice'"
        " AND cause = 'r-' || tenant AND position(convert_to('survey:paper-' || tenant, 'UTF8') IN frame) > 0"),
        TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM outbox WHERE type = 'complaint.escalated' AND ((customer = 'shared'"
        " AND cause IN ('timer:sla:first:k-' || tenant, 'timer:sla:resolve:k-' || tenant)"
        " AND position(convert_to('k-' || tenant, 'UTF8') IN frame) > 0) OR (customer = 'voice'"
        " AND cause IN ('timer:sla:first:survey:paper-' || tenant, 'timer:sla:resolve:survey:paper-' || tenant)"
        " AND position(convert_to('survey:paper-' || tenant, 'UTF8') IN frame) > 0))"), 4 * TENANTS);
    assert_int_equal(rp_test_sql_intf(db,
        "SELECT count(*) FROM (SELECT tenant FROM outbox GROUP BY tenant"
        " HAVING count(*) FILTER (WHERE type = 'survey.requested') = 1"
        " AND count(*) FILTER (WHERE type = 'survey.detractor') = 1"
        " AND count(*) FILTER (WHERE type = 'complaint.escalated') = 4) s"), TENANTS);
}

static void survey_many_tenants_interleaved(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_survey_tenants");
    char *config = write_config();
    char config_flag[128];
    snprintf(config_flag, sizeof config_flag, "--config=%s", config);
    const char *args[] = {config_flag, "--plugins=survey", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);

    int64_t now = (int64_t)time(NULL) * 1000;
    char *json = stream(now);
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    int accepted = 0;
    for (const char *p = reply; (p = strstr(p, "\"accepted\"")); p++)
        accepted++;
    assert_int_equal(accepted, 5 * TENANTS);
    free(reply);
    free(json);

    rp_test_wait_idle(db, 60000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM outbox WHERE plugin = 'survey'", 6 * TENANTS, 120000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM survey_complaints WHERE escalations = 2", 2 * TENANTS, 60000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                             " AND due_ms <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint", 0, 60000);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM dead_letters"), 0);
    expect_rows(db, now);
    expect_derived(db);

    PQfinish(db);
    rp_test_daemon_stop(d, SIGTERM);
    unlink(config);
    free(config);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(survey_many_tenants_interleaved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
