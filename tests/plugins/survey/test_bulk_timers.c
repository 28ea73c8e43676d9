/*
 * test_bulk_timers.c - the survey plugin takes its due timers in bulk
 * (on_timers, ABI 1.2), through the real broker on the wall clock.
 *
 * 30 customers bought three times, 150, 120 and 100 days ago, so every
 * survey timer is due at once when the broker sees the purchases: three
 * send: timers and one quarterly: timer per customer, plus both SLA clocks
 * of a complaint opened 100 days ago. Half the customers are core in a
 * stand-in scoring_customers table (their quarterly survey competes with
 * the purchase surveys for the fatigue window); two have a care touch two
 * days ago (contact budget: 1 per 7 days), so their surveys are suppressed
 * or, for the quarterly one, deferred. Five customers of a second tenant,
 * with the same ids, buy too: their timers arrive in the same calls and
 * must not share anything with the first tenant's.
 *
 * The same stream runs twice: with the default limits (the timers come in
 * calls of many; the plugin's debug line "timers=N" shows N) and with
 * limits.plugin_batch_events=1 (one timer per call: the one-by-one
 * handling). Both must leave the same survey_requests rows, ledger touches,
 * monthly counts, complaint levels, pending timers and per-customer
 * sequence of derived events (type and cause).
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
#include <cmocka.h>

#include "rp_test.h"

#define DAY 86400000LL
#define CUSTOMERS 30
#define OTHER_TENANT_CUSTOMERS 5

typedef struct outcome {
    char *requests, *ledger, *monthly, *complaints, *timers, *derived;
    int64_t max_call;      /* most timers of one tenant in one on_timers call (debug log) */
    int64_t calls;         /* tenant batches: one per tenant and call */
} outcome;

static void append(char **buf, size_t *len, const char *fmt, ...)
{
    char part[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(part, sizeof part, fmt, ap);
    va_end(ap);
    *buf = realloc(*buf, *len + (size_t)n + 1);
    assert_non_null(*buf);
    memcpy(*buf + *len, part, (size_t)n + 1);
    *len += (size_t)n;
}

/* One frame: every customer's three purchases and one complaint. */
static char *stream(int64_t now)
{
    char *json = NULL;
    size_t len = 0;
    append(&json, &len, "[");
    for (int k = 0; k < 3; k++) {
        static const int64_t days_ago[] = {150, 120, 100};
        for (int c = 1; c <= CUSTOMERS; c++)
            append(&json, &len, "%s{\"id\":\"p%02d-%d\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c%02d\","
                   "\"data\":{\"order_id\":\"o%02d-%d\",\"amount\":20,\"currency\":\"GBP\"}}",
                   k || c > 1 ? "," : "", c, k, (long long)(now - days_ago[k] * DAY + c * 60000), c, c, k);
    }
    /* the same customer ids in a second tenant: batches of their own */
    for (int k = 0; k < 3; k++)
        for (int c = 1; c <= OTHER_TENANT_CUSTOMERS; c++)
            append(&json, &len, ",{\"id\":\"t2-p%02d-%d\",\"tenant\":\"t2\",\"type\":\"purchase\",\"ts\":%lld,"
                   "\"customer\":\"c%02d\",\"data\":{\"order_id\":\"o%02d-%d\",\"amount\":5,\"currency\":\"GBP\"}}",
                   c, k, (long long)(now - (140 - 10 * k) * DAY), c, c, k);
    append(&json, &len, ",{\"id\":\"k3\",\"type\":\"complaint.opened\",\"ts\":%lld,\"customer\":\"c03\","
           "\"data\":{\"complaint_id\":\"k3\",\"severity\":\"normal\"}}]", (long long)(now - 100 * DAY));
    return json;
}

/* rp_test_wait_idle waits for the events only: also wait until no survey
 * timer is due. */
static void wait_timers_done(PGconn *db, int timeout_ms)
{
    const char *sql = "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                      " AND due_ms <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint";
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        rp_test_wait_idle(db, timeout_ms);
        if (rp_test_sql_int(db, sql) == 0)
            return;
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
    fail_msg("survey timers still due after %d ms", timeout_ms);
}

/* The plugin's debug line per tenant batch of a call: "timers=N tenant=...". */
static void scan_log(const char *path, outcome *o)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        const char *at = strstr(line, "timers=");
        if (!at || !strstr(line, "sends="))
            continue;
        int64_t n = strtoll(at + 7, NULL, 10);
        o->calls++;
        if (n > o->max_call)
            o->max_call = n;
    }
    fclose(f);
}

static void collect(PGconn *db, outcome *o)
{
    o->requests = rp_test_sql(db, "SELECT string_agg(concat_ws('|', tenant, survey_id, customer, partition, kind,"
                                  " ref, channel, status, reason, tier, cause, expires_ms IS NULL), E'\\n'"
                                  " ORDER BY tenant, survey_id) FROM survey_requests");
    o->ledger = rp_test_sql(db, "SELECT string_agg(concat_ws('|', tenant, customer, partition, source, ref, kind,"
                                " marketing), E'\\n' ORDER BY tenant, customer, source, ref) FROM contact_ledger");
    o->monthly = rp_test_sql(db, "SELECT string_agg(concat_ws('|', tenant, tier, partition, requested, answered,"
                                 " expired, suppressed), E'\\n' ORDER BY tenant, tier, partition) FROM survey_monthly");
    o->complaints = rp_test_sql(db, "SELECT string_agg(concat_ws('|', complaint_id, level, level_name, escalations),"
                                    " E'\\n' ORDER BY complaint_id) FROM survey_complaints");
    o->timers = rp_test_sql(db, "SELECT string_agg(concat_ws('|', tenant, key, customer, partition,"
                                " CASE WHEN key LIKE 'send:%' THEN due_ms END), E'\\n' ORDER BY tenant, key)"
                                " FROM timers WHERE plugin = 'survey'");
    o->derived = rp_test_sql(db, "SELECT string_agg(d, E'\\n' ORDER BY tenant, customer) FROM (SELECT tenant,"
                                 " customer, tenant || '/' || customer || ': '"
                                 " || string_agg(type || ' ' || cause, ', ' ORDER BY seq) AS d"
                                 " FROM outbox GROUP BY tenant, customer) s");
}

static void run(const char *dbname, const char *limit, int64_t now, outcome *o)
{
    char *conninfo = rp_test_create_db(dbname);
    PGconn *db = rp_test_connect(conninfo);
    free(rp_test_sql(db, "CREATE TABLE scoring_customers (tenant text NOT NULL, customer text NOT NULL,"
                         " partition int NOT NULL, tier text NOT NULL, core boolean NOT NULL,"
                         " p_alive double precision, expected_purchases double precision,"
                         " PRIMARY KEY (tenant, customer))"));
    free(rp_test_sql(db, "INSERT INTO scoring_customers SELECT 'default', 'c' || lpad(i::text, 2, '0'), 0,"
                         " CASE WHEN i % 2 = 0 THEN 'vip' ELSE 'regular' END, i % 2 = 0, 0.8, 3.0"
                         " FROM generate_series(1, 30) i"));
    const char *args[] = {"--plugins=survey", "--log_level=debug", limit, NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    /* the contact_ledger contract table exists once the plugin started */
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO contact_ledger VALUES ('default', 'c05', 0, 'care', 't5', 'call', false,"
                              " %lld), ('default', 'c06', 0, 'care', 't6', 'call', false, %lld)",
             (long long)(now - 2 * DAY), (long long)(now - 2 * DAY));
    free(rp_test_sql(db, sql));

    char *json = stream(now);
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    int accepted = 0;
    for (const char *p = reply; (p = strstr(p, "\"accepted\"")); p++)
        accepted++;
    assert_int_equal(accepted, 3 * (CUSTOMERS + OTHER_TENANT_CUSTOMERS) + 1);
    free(reply);
    free(json);
    wait_timers_done(db, 120000);
    collect(db, o);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM dead_letters"), 0);
    PQfinish(db);
    scan_log(d->log_path, o);   /* stopping the daemon removes its log */
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

static void free_outcome(outcome *o)
{
    free(o->requests);
    free(o->ledger);
    free(o->monthly);
    free(o->complaints);
    free(o->timers);
    free(o->derived);
}

/* Whether the line of text starting with start contains what. */
static bool line_has(const char *text, const char *start, const char *what)
{
    const char *line = strstr(text, start);
    if (!line)
        return false;
    const char *end = strchr(line, '\n'), *found = strstr(line, what);
    return found && (!end || found < end);
}

/* What the rules give, checked on the bulk run's rows. */
static void expect_rules(const char *requests, const char *complaints, const char *timers)
{
    int requested = 0, fatigue = 0, budget = 0;
    for (const char *p = requests; (p = strstr(p, "|requested|")); p++)
        requested++;
    for (const char *p = requests; (p = strstr(p, "|suppressed|fatigue|")); p++)
        fatigue++;
    for (const char *p = requests; (p = strstr(p, "|suppressed|budget|")); p++)
        budget++;
    /* one survey per customer, except c05 and c06 of the default tenant
     * (contact budget full): 90 + 15 purchase surveys + 14 quarterly ones
     * (c06's is deferred; t2 has no core customers) */
    assert_int_equal(requested, CUSTOMERS - 2 + OTHER_TENANT_CUSTOMERS);
    assert_int_equal(budget, 6);
    assert_int_equal(requested + fatigue + budget, 3 * (CUSTOMERS + OTHER_TENANT_CUSTOMERS) + CUSTOMERS / 2 - 1);
    /* a non-core customer is asked about the first purchase, in both tenants */
    assert_true(line_has(requests, "default|purchase:c01:o01-0|c01|", "|requested|"));
    assert_true(line_has(requests, "default|purchase:c01:o01-1|c01|", "|suppressed|fatigue|"));
    assert_true(line_has(requests, "t2|purchase:c01:o01-0|c01|", "|requested|"));
    assert_true(line_has(requests, "t2|purchase:c01:o01-2|c01|", "|suppressed|fatigue|"));
    /* both clocks of k3 ran out in one batch: owner -> manager -> director */
    assert_string_equal(complaints, "k3|2|director|2");
    /* c06's quarterly survey waits for the budget: the care touch + 7 days */
    assert_non_null(strstr(timers, "send:quarterly:c06:"));
}

static void survey_bulk_timers_match_one_by_one(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL) * 1000;
    outcome bulk = {0}, single = {0};
    run("rp_survey_bulk", "--limits.plugin_batch_events=1000", now, &bulk);
    run("rp_survey_single", "--limits.plugin_batch_events=1", now, &single);

    printf("bulk: %lld tenant batches, at most %lld timers in one; one by one: %lld batches\n",
           (long long)bulk.calls, (long long)bulk.max_call, (long long)single.calls);
    assert_true(bulk.max_call >= 2);
    assert_int_equal(single.max_call, 1);
    assert_true(bulk.calls < single.calls);

    expect_rules(bulk.requests, bulk.complaints, bulk.timers);
    assert_string_equal(bulk.requests, single.requests);
    assert_string_equal(bulk.ledger, single.ledger);
    assert_string_equal(bulk.monthly, single.monthly);
    assert_string_equal(bulk.complaints, single.complaints);
    assert_string_equal(bulk.timers, single.timers);
    assert_string_equal(bulk.derived, single.derived);
    free_outcome(&bulk);
    free_outcome(&single);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(survey_bulk_timers_match_one_by_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
