/*
 * test_care_broker.c - the care plugin in a real rapportd on a real
 * PostgreSQL, event clock, default settings:
 *   - a customer.upsert (London, SMS, birthday 9 days ahead) plans the
 *     birthday; a purchase plans see-off, greeting two days later at 10:00
 *     local (over the spring DST change) and the usage check;
 *   - the same order published again under another id creates nothing;
 *   - a campaign merges into the nearby see-off (budget full), skips the
 *     customer without marketing consent;
 *   - erasure removes a customer's tasks and ledger rows;
 *   - a care_requests row becomes a task on the inbox timer;
 *   - a contact naming a task closes it; a key event in a full 30-day
 *     window is deferred;
 *   - derived events are checked through replay;
 *   - the plan timer plans the regular contact when the cadence runs out;
 *   - on the wall clock, a backlog: tasks born due or expired, and many
 *     lifecycle timers due together handled in bulk.
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

#define T0 1774612800000LL      /* Fri 2026-03-27 12:00 UTC = 12:00 GMT */
#define HOUR 3600000LL
#define DAY 86400000LL

static void publish(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    if (strstr(reply, "rejected") || strstr(reply, "retry"))
        fail_msg("publish refused: %s", reply);
    free(reply);
}

static int count_of(const char *haystack, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *str_sql(PGconn *db, const char *fmt, const char *arg)
{
    char sql[512];
    snprintf(sql, sizeof sql, fmt, arg);
    return rp_test_sql(db, sql);
}

static void expect_task(PGconn *db, const char *task_id, const char *status, int64_t due_ms,
                        const char *channel)
{
    char *got = str_sql(db, "SELECT status || ' ' || due_ms || ' ' || channel FROM care_tasks"
                            " WHERE task_id = '%s'", task_id);
    char want[128];
    snprintf(want, sizeof want, "%s %lld %s", status, (long long)due_ms, channel);
    if (strcmp(got, want) != 0)
        fail_msg("task %s: got \"%s\", want \"%s\"", task_id, got, want);
    free(got);
}

static void phase_one(const rp_test_daemon *d)
{
    char json[4096];
    snprintf(json, sizeof json,
        "[{\"id\":\"u1\",\"type\":\"customer.upsert\",\"ts\":%lld,\"customer\":\"c1\","
        "  \"data\":{\"timezone\":\"Europe/London\",\"preferred_channel\":\"sms\","
        "  \"birthday\":\"--04-05\",\"consent\":{\"contact\":true,\"marketing\":true},"
        "  \"family\":[{\"relation\":\"daughter\",\"name\":\"Anna\",\"birthday\":\"--11-02\"}]}},"
        " {\"id\":\"u3\",\"type\":\"customer.upsert\",\"ts\":%lld,\"customer\":\"c3\","
        "  \"data\":{\"timezone\":\"Asia/Shanghai\",\"consent\":{\"marketing\":false}}},"
        " {\"id\":\"p1\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c1\","
        "  \"data\":{\"order_id\":\"o-1\",\"amount\":129.9,\"currency\":\"GBP\"}},"
        " {\"id\":\"p1-dup\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c1\","
        "  \"data\":{\"order_id\":\"o-1\",\"amount\":129.9,\"currency\":\"GBP\"}},"
        " {\"id\":\"p2\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"c2\","
        "  \"data\":{\"order_id\":\"o-2\",\"amount\":10,\"currency\":\"GBP\"}}]",
        T0, T0, T0 + HOUR, T0 + HOUR + 60000, T0);
    publish(d, json);
}

/* Erasure first: the campaign is tenant-scoped, in another partition, so
 * its order relative to c2's events is only fixed by waiting in between. */
static void phase_two(const rp_test_daemon *d, PGconn *db)
{
    char json[1024];
    snprintf(json, sizeof json,
        "{\"id\":\"e2\",\"type\":\"customer.erase\",\"ts\":%lld,\"customer\":\"c2\",\"data\":{}}",
        T0 + 2 * HOUR);
    publish(d, json);
    rp_test_wait_idle(db, 30000);
    /* The erasure moved the event clock past the first inbox timer (15 min
     * after the first run): the request is taken before the campaign runs,
     * so c5 is a known customer by then. */
    rp_test_wait_sql_int(db, "SELECT count(*) FROM care_requests WHERE taken_ms IS NULL", 0, 60000);
    snprintf(json, sizeof json,
        "{\"id\":\"camp1\",\"type\":\"campaign.launched\",\"ts\":%lld,"
        " \"data\":{\"campaign_id\":\"spring\",\"kind\":\"promotion\",\"name\":\"Spring offer\"}}",
        T0 + 2 * HOUR);
    publish(d, json);
}

static void phase_three(const rp_test_daemon *d)
{
    char json[1024];
    snprintf(json, sizeof json,
        "[{\"id\":\"k1\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c1\","
        "  \"data\":{\"channel\":\"sms\",\"task_id\":\"greeting:c1:order:o-1\",\"outcome\":\"thanked\"}},"
        " {\"id\":\"ke1\",\"type\":\"key_event\",\"ts\":%lld,\"customer\":\"c1\","
        "  \"data\":{\"kind\":\"moved_house\",\"date\":\"2026-04-20\",\"importance\":3}}]",
        T0 + DAY, T0 + DAY + 60000);
    publish(d, json);
}

/* Another customer 100 days later moves the event clock: c1's plan timer
 * (90 days after its last contact, potential tier) plans a regular contact;
 * c3 gets none (no marketing consent). */
static void phase_four(const rp_test_daemon *d)
{
    char json[512];
    snprintf(json, sizeof json,
        "{\"id\":\"u9\",\"type\":\"customer.upsert\",\"ts\":%lld,\"customer\":\"c9\","
        " \"data\":{\"name\":\"Later\"}}", T0 + 100 * DAY);
    publish(d, json);
}

static void request_task(PGconn *db)
{
    char sql[512];
    snprintf(sql, sizeof sql,
        "INSERT INTO care_requests (tenant, request_id, customer, kind, priority, due_ms, reason,"
        " source, created_ms) VALUES ('default', 'survey:r1', 'c5', 'survey_follow_up', 2, %lld,"
        " 'Detractor follow-up', 'survey', %lld) ON CONFLICT DO NOTHING", T0 + DAY, T0);
    free(rp_test_sql(db, sql));
}

static void check_tasks(PGconn *db)
{
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE customer = 'c1'"), 6);
    expect_task(db, "birthday:c1:2026-04-05", "pending", 1775379600000LL, "sms");
    expect_task(db, "see_off:c1:order:o-1", "due", T0 + HOUR, "visit");   /* its due time passed */
    /* Two days later at 10:00 London time, after the clocks went forward. */
    expect_task(db, "greeting:c1:order:o-1", "done", 1774774800000LL, "sms");
    expect_task(db, "usage_check:c1:order:o-1", "pending", 1775206800000LL, "sms");
    expect_task(db, "campaign:c1:spring", "skipped", 1774692000000LL, "sms");
    char *into = rp_test_sql(db, "SELECT merged_into FROM care_tasks WHERE task_id = 'campaign:c1:spring'");
    assert_string_equal(into, "see_off:c1:order:o-1");
    free(into);
    char *outcome = rp_test_sql(db, "SELECT outcome FROM care_tasks WHERE task_id = 'greeting:c1:order:o-1'");
    assert_string_equal(outcome, "thanked");
    free(outcome);
    /* The 30-day window (four touches since 27 March) is full on 21 April:
     * the follow-up waits until the see-off is 30 days old. */
    expect_task(db, "key_event:c1:moved_house:2026-04-20", "pending", 1777208400000LL, "sms");
    assert_int_equal(rp_test_sql_int(db, "SELECT deferred_from_ms FROM care_tasks"
                                         " WHERE kind = 'key_event'"), 1776762000000LL);
    /* The merged task is no extra touch. */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM contact_ledger WHERE customer = 'c1'"), 5);
    /* No marketing consent: no campaign task; erased: nothing left. */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE customer = 'c3'"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE customer = 'c2'"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM contact_ledger WHERE customer = 'c2'"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_customers WHERE customer = 'c2'"), 0);
    /* The request became a task and is marked taken. */
    expect_task(db, "survey_follow_up:c5:request:survey:r1", "due", T0 + DAY, "phone");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_requests WHERE taken_ms IS NULL"), 0);
    /* c5 is known since its request (taken at T0 + 1h16m, the first inbox
     * timer): the campaign two hours before that task rides along with it. */
    expect_task(db, "campaign:c5:spring", "skipped", T0 - 2 * HOUR + DAY, "email");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM contact_budget WHERE tenant = '*'"), 12);
}

static void check_events(const rp_test_daemon *d)
{
    char *events = rp_test_replay_json(d, 1, 1000);
    assert_non_null(events);
    /* c1: birthday, see-off, greeting, usage check, campaign (merged); c2:
     * three before its erasure; c5: the request and the campaign (merged);
     * c1's key event (deferred).
     * The duplicate purchase adds none. */
    assert_int_equal(count_of(events, "\"care.task_created\""), 11);
    assert_int_equal(count_of(events, "\"task_id\":\"greeting:c1:order:o-1\""), 1);
    assert_int_equal(count_of(events, "\"care.task_deferred\""), 1);
    free(events);
}

/* The lifecycle in event time: by phase four c1's birthday task became due
 * (care.task_due) and its window ended undone (expired, care.task_overdue);
 * every task whose due time passed left 'pending'; skipped tasks stayed
 * skipped; a task closed by a contact is done and never went overdue. */
static void check_lifecycle(PGconn *db)
{
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM care_tasks WHERE task_id = 'birthday:c1:2026-04-05' AND status = 'expired'"), 1);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM outbox WHERE type = 'care.task_due' AND cause = 'timer:due:birthday:c1:2026-04-05'"), 1);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM outbox WHERE type = 'care.task_overdue'"
        " AND cause = 'timer:overdue:birthday:c1:2026-04-05'"), 1);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM care_tasks WHERE customer = 'c1' AND status = 'pending'"
        " AND window_end_ms < 1782000000000"), 0);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM care_tasks WHERE status = 'skipped' AND merged_into IS NOT NULL"
        " AND task_id IN (SELECT substr(cause, 11) FROM outbox WHERE type = 'care.task_due')"), 0);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM care_tasks t JOIN outbox o ON o.type = 'care.task_overdue'"
        " AND o.cause = 'timer:overdue:' || t.task_id WHERE t.status = 'done'"), 0);
}

static void test_care_through_the_broker(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_care_broker");
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", "--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    request_task(db);
    phase_one(d);
    rp_test_wait_idle(db, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE task_id LIKE 'greeting:c1:%'"), 1);
    phase_two(d, db);
    rp_test_wait_idle(db, 30000);
    /* The campaign runs on the tenant clock, once every partition has
     * handled what came before it: wait for its invitations (c1, c5). */
    rp_test_wait_sql_int(db, "SELECT count(*) FROM care_tasks WHERE kind = 'campaign'", 2, 60000);
    phase_three(d);
    rp_test_wait_idle(db, 30000);
    check_tasks(db);
    check_events(d);
    phase_four(d);
    rp_test_wait_idle(db, 30000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM timers WHERE key = 'plan:c1' AND due_ms < 1783000000000", 0,
             60000);
    expect_task(db, "regular:c1:2026-06-26", "expired", 1782464400000LL, "sms");   /* clock moved past its window */
    check_lifecycle(db);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE kind = 'regular'"), 1);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* Sales care: one alert per crossing of the holding's range, placed even
 * over budget (priority 1); back inside the range re-arms it. */
static void check_sales_care(const rp_test_daemon *d, PGconn *db)
{
    publish(d, "{\"id\":\"hold1\",\"type\":\"holding.updated\",\"ts\":1797771600000,"
               "\"customer\":\"h1\",\"data\":{\"holding_id\":\"H-1\",\"product\":\"FUND-A\","
               "\"quantity\":10,\"buy_price\":100,\"stop_loss\":90,\"take_profit\":120}}");
    rp_test_wait_idle(db, 30000);
    publish(d, "[{\"id\":\"m1\",\"type\":\"market.price\",\"ts\":1797772000000,"
               "  \"data\":{\"product\":\"FUND-A\",\"price\":85}},"
               " {\"id\":\"m2\",\"type\":\"market.price\",\"ts\":1797772100000,"
               "  \"data\":{\"product\":\"FUND-A\",\"price\":80}},"
               " {\"id\":\"m3\",\"type\":\"market.price\",\"ts\":1797772200000,"
               "  \"data\":{\"product\":\"FUND-A\",\"price\":100}},"
               " {\"id\":\"m4\",\"type\":\"market.price\",\"ts\":1797772300000,"
               "  \"data\":{\"product\":\"FUND-A\",\"price\":125}}]");
    rp_test_wait_idle(db, 30000);
    /* Price moves run on the tenant clock: wait for their alerts. */
    rp_test_wait_sql_int(db, "SELECT count(*) FROM care_tasks WHERE priority = 1", 2, 60000);
    expect_task(db, "stop_loss:h1:H-1:2026-12-20", "due", 1797772000000LL, "phone");
    expect_task(db, "take_profit:h1:H-1:2026-12-20", "due", 1797772300000LL, "phone");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE priority = 1"
                                         " AND over_budget"), 2);
}

/* Holidays from the default UK calendar for a tenant that greets every
 * tier: Christmas (Friday), the Boxing Day substitute (Monday 28th, merged
 * into Christmas by the 7-day budget) and New Year's Day (exactly 7 days
 * after Christmas: the window (25th, 1st] has room). */
static void test_holiday_greetings(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_care_holidays");
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", "--clock=event",
                          "--plugin.care.holiday_tiers=vip,key,ordinary,small,potential", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    publish(d, "{\"id\":\"h1\",\"type\":\"customer.upsert\",\"ts\":1797768000000,"
               "\"customer\":\"h1\",\"data\":{\"timezone\":\"Europe/London\"}}");
    rp_test_wait_idle(db, 30000);
    expect_task(db, "holiday:h1:2026-12-25", "pending", 1798192800000LL, "sms");
    expect_task(db, "holiday:h1:2026-12-28", "skipped", 1798452000000LL, "sms");
    expect_task(db, "holiday:h1:2027-01-01", "pending", 1798797600000LL, "sms");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks"), 3);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE task_id ="
                                         " 'holiday:h1:2026-12-25' AND reason LIKE '%Christmas%'"), 1);
    check_sales_care(d, db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* A customer who moves: the new zone, given in the same call as the old
 * one, places the next tasks (the plugin remembers a zone's check with
 * ICU only for the value it checked; the ingress already refuses zones ICU
 * does not know, the check guards values stored before). */
static void test_customer_moves_zone(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_care_zone_move");
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    publish(d, "["
        "{\"id\":\"z1\",\"type\":\"customer.upsert\",\"ts\":1748865600000,\"customer\":\"z\","
        " \"data\":{\"timezone\":\"America/New_York\"}},"
        "{\"id\":\"z2\",\"type\":\"purchase\",\"ts\":1748865600000,\"customer\":\"z\","
        " \"data\":{\"order_id\":\"p-1\",\"amount\":5,\"currency\":\"GBP\"}},"
        "{\"id\":\"z3\",\"type\":\"customer.upsert\",\"ts\":1749556800000,\"customer\":\"z\","
        " \"data\":{\"timezone\":\"Europe/London\"}},"
        "{\"id\":\"z4\",\"type\":\"purchase\",\"ts\":1749556800000,\"customer\":\"z\","
        " \"data\":{\"order_id\":\"p-2\",\"amount\":5,\"currency\":\"GBP\"}}]");
    rp_test_wait_idle(db, 30000);
    /* Bought Mon 2025-06-02 12:00 UTC: greeting Wed 4 June 10:00 EDT = 14:00 UTC. */
    assert_int_equal(rp_test_sql_int(db, "SELECT due_ms FROM care_tasks WHERE task_id = 'greeting:z:order:p-1'"),
                     1749045600000LL);
    /* Bought Tue 2025-06-10 12:00 UTC: greeting Thu 12 June 10:00 BST = 09:00 UTC. */
    assert_int_equal(rp_test_sql_int(db, "SELECT due_ms FROM care_tasks WHERE task_id = 'greeting:z:order:p-2'"),
                     1749718800000LL);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* On the wall clock, a backlog: purchases from 2020 make tasks whose windows
 * ended long ago (created expired, with their care.task_overdue but never a
 * care.task_due - nobody is to act on them now - and no lifecycle timers); a
 * purchase an hour ago makes
 * a see-off that is due at once (its overdue timer armed) and a greeting
 * still pending. Then the greetings' due timers all fall due together (moved
 * to the past here) and are handled in bulk: each task due exactly once. */
static void test_backlog_on_the_wall_clock(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_care_backlog");
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    long long now = (long long)time(NULL) * 1000;
    char json[16384];
    size_t len = (size_t)snprintf(json, sizeof json, "[");
    for (int i = 0; i < 12; i++)
        len += (size_t)snprintf(json + len, sizeof json - len,
            "%s{\"id\":\"old%d\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"b%02d\","
            "\"data\":{\"order_id\":\"old-%d\",\"amount\":5,\"currency\":\"GBP\"}},"
            "{\"id\":\"new%d\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"b%02d\","
            "\"data\":{\"order_id\":\"new-%d\",\"amount\":5,\"currency\":\"GBP\"}}",
            i ? "," : "", i, 1583020800000LL + i * DAY, i, i, i, now - HOUR, i, i);
    snprintf(json + len, sizeof json - len, "]");
    publish(d, json);
    rp_test_wait_idle(db, 30000);
    /* 2020: every follow-up expired at birth, events sent, no timers left */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE task_id LIKE '%:order:old-%'"
                                         " AND status = 'expired'"), 36);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE task_id LIKE '%:order:old-%'"), 36);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE key LIKE '%:order:old-%'"), 0);
    for (int k = 0; k < 2; k++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM care_tasks t WHERE t.task_id LIKE '%%:order:old-%%'"
                 " AND (SELECT count(*) FROM outbox o WHERE o.type = '%s' AND o.cause LIKE 'old%%'"
                 " AND position(convert_to(t.task_id, 'UTF8') IN o.frame) > 0) = %d",
                 k ? "care.task_overdue" : "care.task_due", k ? 1 : 0);
        assert_int_equal(rp_test_sql_int(db, sql), 36);
    }
    /* an hour ago: the see-off is due now, the greeting waits */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE task_id LIKE 'see_off:%:order:new-%'"
                                         " AND status = 'due'"), 12);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE key LIKE 'overdue:see_off:%:order:new-%'"),
                     12);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE task_id LIKE 'greeting:%:order:new-%'"
                                         " AND status = 'pending'"), 12);
    /* the greetings' timers fall due together */
    rp_test_sql_int(db, "WITH moved AS (UPDATE timers SET due_ms = 0 WHERE key LIKE 'due:greeting:%' RETURNING 1)"
                        " SELECT count(*) FROM moved");
    rp_test_wait_sql_int(db, "SELECT count(*) FROM care_tasks WHERE task_id LIKE 'greeting:%:order:new-%' AND status = 'due'",
             12, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'care.task_due'"
                                         " AND cause LIKE 'timer:due:greeting:%'"), 12);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT cause) FROM outbox WHERE type = 'care.task_due'"
                                         " AND cause LIKE 'timer:due:greeting:%'"), 12);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox o JOIN care_tasks t"
                                         " ON o.cause = 'timer:due:' || t.task_id AND o.customer = t.customer"
                                         " WHERE o.type = 'care.task_due'"), 12);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE key LIKE 'overdue:greeting:%'"), 12);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_care_through_the_broker),
        cmocka_unit_test(test_holiday_greetings),
        cmocka_unit_test(test_backlog_on_the_wall_clock),
        cmocka_unit_test(test_customer_moves_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
