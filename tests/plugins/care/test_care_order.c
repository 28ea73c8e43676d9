/*
 * test_care_order.c - same input, same result (issue 18): one scenario
 * published through the real rapportd (event clock, care only) in several
 * arrival orders leaves the same care tables, and the exact values the
 * docs define by event time (docs/plugins/care.md, "Late events and
 * arrival order"):
 *   - an earlier profile update arriving late changes no field a newer one
 *     stated, and moves first_seen_ms back;
 *   - a contact naming a task that does not exist yet (its purchase
 *     arrives after it) closes the task when it is made; two contacts
 *     naming one task keep the earlier one's time and outcome;
 *   - a holding update arriving late does not undo a newer one;
 *   - the campaign and the price run on the tenant clock: they see every
 *     customer as of their own time (ben's consent, ben's new target),
 *     however the customers' partitions were interleaved with them;
 *   - the request inbox fires on its interval grid from the tenant's
 *     earliest event, whichever event arrived first.
 *
 * An event that arrives behind a later event of its partition is handled
 * after the tenant-clock timers due between the two (the host keeps
 * arrival order within a partition), so the scenario goes in three
 * requests (bands) that the tenant-clock timers reading them separate:
 * before the inbox firing that takes the request, up to the campaign,
 * after it. Within a band the orders shuffle events across customers and
 * within each customer, except that a profile update comes before the
 * purchase it shapes (docs: the per-customer order the publisher keeps).
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

#define T0 1777896000000LL      /* Mon 2026-05-04 12:00 UTC = 13:00 BST */
#define HOUR 3600000LL
#define DAY 86400000LL
#define MOVER (T0 + 60 * DAY)   /* moves the clock past every timer checked */

typedef struct event {
    const char *id, *type, *customer;   /* customer NULL: tenant-scoped */
    int64_t ts;
    int band;                           /* the request it is published in */
    const char *data;
} event;

static const event scenario[] = {
    /* ana, London: channel by event time (phone, sms, then email) */
    {"a0", "customer.upsert", "ana", T0 - DAY, 0, "{\"preferred_channel\":\"phone\"}"},
    {"a1", "customer.upsert", "ana", T0, 0,
     "{\"timezone\":\"Europe/London\",\"preferred_channel\":\"sms\",\"birthday\":\"--05-25\","
     "\"consent\":{\"contact\":true,\"marketing\":true}}"},
    {"a2", "purchase", "ana", T0 + HOUR, 0, "{\"order_id\":\"A1\",\"amount\":100,\"currency\":\"GBP\"}"},
    {"a3", "contact", "ana", T0 + DAY, 0,
     "{\"channel\":\"sms\",\"task_id\":\"greeting:ana:order:A1\",\"outcome\":\"called early\"}"},
    {"a4", "customer.upsert", "ana", T0 + 3 * DAY, 0, "{\"preferred_channel\":\"email\"}"},
    {"a5", "purchase", "ana", T0 + 35 * DAY, 2, "{\"order_id\":\"A2\",\"amount\":80,\"currency\":\"GBP\"}"},
    {"a6", "contact", "ana", T0 + 36 * DAY, 2,
     "{\"channel\":\"visit\",\"task_id\":\"see_off:ana:order:A2\",\"outcome\":\"visited\"}"},
    {"a7", "contact", "ana", T0 + 35 * DAY + 2 * HOUR, 2,
     "{\"channel\":\"visit\",\"task_id\":\"see_off:ana:order:A2\",\"outcome\":\"thanked at the till\"}"},
    /* ben: New York (day 8) over Shanghai (day 5); a holding whose range
     * (day 6) a lower target (day 15) brings under the price; no marketing
     * from day 25 */
    {"b1", "purchase", "ben", T0 + 2 * HOUR, 0, "{\"order_id\":\"B1\",\"amount\":50,\"currency\":\"GBP\"}"},
    {"b4", "holding.updated", "ben", T0 + 2 * DAY, 0,
     "{\"holding_id\":\"HB\",\"product\":\"FUND-B\",\"quantity\":10,\"buy_price\":100,"
     "\"stop_loss\":90,\"take_profit\":120}"},
    {"b3", "customer.upsert", "ben", T0 + 5 * DAY, 0, "{\"timezone\":\"Asia/Shanghai\"}"},
    {"b5", "holding.updated", "ben", T0 + 6 * DAY, 0,
     "{\"holding_id\":\"HB\",\"product\":\"FUND-B\",\"quantity\":5,\"take_profit\":130}"},
    {"b2", "customer.upsert", "ben", T0 + 8 * DAY, 0, "{\"timezone\":\"America/New_York\"}"},
    {"b7", "holding.updated", "ben", T0 + 15 * DAY, 1,
     "{\"holding_id\":\"HB\",\"product\":\"FUND-B\",\"take_profit\":124}"},
    {"b6", "customer.upsert", "ben", T0 + 25 * DAY, 1, "{\"consent\":{\"marketing\":false}}"},
    /* cai: a key event, a contact, then a purchase closed before its greeting */
    {"c1", "key_event", "cai", T0 + 3 * DAY, 0, "{\"kind\":\"moved_house\",\"importance\":4}"},
    {"c2", "contact", "cai", T0 + 19 * DAY, 1, "{\"channel\":\"phone\"}"},
    {"c3", "purchase", "cai", T0 + 40 * DAY, 2, "{\"order_id\":\"C1\",\"amount\":20,\"currency\":\"GBP\"}"},
    {"c4", "contact", "cai", T0 + 41 * DAY, 2,
     "{\"channel\":\"phone\",\"task_id\":\"greeting:cai:order:C1\",\"outcome\":\"done by phone\"}"},
    /* the tenant: a price over ben's target of day 15, a campaign for all */
    {"m1", "market.price", NULL, T0 + 20 * DAY, 1, "{\"product\":\"FUND-B\",\"price\":125}"},
    {"k1", "campaign.launched", NULL, T0 + 30 * DAY, 1,
     "{\"campaign_id\":\"summer\",\"kind\":\"promotion\",\"name\":\"Summer\"}"},
};
#define EVENTS (sizeof scenario / sizeof scenario[0])
#define BANDS 3

/* Arrival orders, by id; each band is one request, published once the
 * previous one is handled. A customer's profile update still comes before
 * the purchase whose tasks it shapes (time zone, channel): a task is made
 * with the profile known when it is made (the per-customer order the
 * publisher keeps, docs/plugins/care.md); everything else is shuffled. */
static const char *const orders[][EVENTS] = {
    /* event time */
    {"a0", "a1", "a2", "b1", "a3", "b4", "c1", "a4", "b3", "b5", "b2",
     "b7", "c2", "m1", "b6", "k1",
     "a5", "a7", "a6", "c3", "c4"},
    /* mostly backwards: earlier events arrive late (ana's older channel,
     * ben's older zone and holding, ana's contact before her purchase, the
     * earlier of two contacts naming one task); ben's target of day 15
     * still precedes his day-25 consent: behind it, it would be late for
     * the price's tenant clock at day 20 (docs/plugins/care.md) */
    {"c1", "b1", "b2", "b5", "b3", "b4", "a3", "a1", "a2", "a4", "a0",
     "k1", "b7", "b6", "m1", "c2",
     "c4", "c3", "a5", "a6", "a7"},
    /* contacts before the purchases that make their tasks, customers
     * interleaved otherwise */
    {"a3", "b1", "b5", "c1", "a1", "a0", "b2", "a2", "b4", "b3", "a4",
     "c2", "m1", "k1", "b7", "b6",
     "c4", "a6", "c3", "a7", "a5"},
};
#define ORDERS (sizeof orders / sizeof orders[0])

static const event *event_named(const char *id)
{
    for (size_t i = 0; i < EVENTS; i++)
        if (strcmp(scenario[i].id, id) == 0)
            return &scenario[i];
    fail_msg("no event %s", id);
    return NULL;
}

static void publish(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    if (strstr(reply, "rejected") || strstr(reply, "retry"))
        fail_msg("publish refused: %s", reply);
    free(reply);
}

/* The order's events of one band as one request. */
static void publish_band(const rp_test_daemon *d, const char *const *order, int band)
{
    char json[16384];
    size_t len = (size_t)snprintf(json, sizeof json, "[");
    int count = 0;
    for (size_t i = 0; i < EVENTS; i++) {
        const event *e = event_named(order[i]);
        if (e->band != band)
            continue;
        char scope[64] = "";
        if (e->customer)
            snprintf(scope, sizeof scope, "\"customer\":\"%s\",", e->customer);
        len += (size_t)snprintf(json + len, sizeof json - len,
                                "%s{\"id\":\"%s\",\"type\":\"%s\",\"ts\":%lld,%s\"data\":%s}",
                                count++ ? "," : "", e->id, e->type, (long long)e->ts, scope, e->data);
    }
    snprintf(json + len, sizeof json - len, "]");
    assert_true(len + 2 < sizeof json);
    publish(d, json);
}

/* Every care table and the shared ones care writes, row by row, sorted
 * (none has a wall-clock column). */
static char *dump(PGconn *db)
{
    return rp_test_sql(db,
        "SELECT string_agg(d, E'\\n' ORDER BY d) FROM ("
        " SELECT 'care_tasks ' || t::text AS d FROM care_tasks t UNION ALL"
        " SELECT 'care_customers ' || t::text FROM care_customers t UNION ALL"
        " SELECT 'care_holdings ' || t::text FROM care_holdings t UNION ALL"
        " SELECT 'care_tenants ' || t::text FROM care_tenants t UNION ALL"
        " SELECT 'care_requests ' || t::text FROM care_requests t UNION ALL"
        " SELECT 'contact_ledger ' || t::text FROM contact_ledger t UNION ALL"
        " SELECT 'timers ' || t.key || ' ' || t.due_ms FROM timers t) x");
}

static void expect_text(PGconn *db, const char *sql, const char *want)
{
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s\n  got  \"%s\"\n  want \"%s\"", sql, got ? got : "NULL", want);
    free(got);
}

static void expect_textf(PGconn *db, const char *sql, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void expect_textf(PGconn *db, const char *sql, const char *fmt, ...)
{
    char want[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    expect_text(db, sql, want);
}

#define TASK(id) "SELECT status || ' ' || due_ms || ' ' || channel || ' ' || COALESCE(done_ms::text, '-')" \
                 " || ' ' || COALESCE(outcome, '-') FROM care_tasks WHERE task_id = '" id "'"

/* The values the docs define by event time, in every order. */
static void check_values(PGconn *db)
{
    const char *customer = "SELECT first_seen_ms || ' ' || last_contact_ms || ' ' ||"
                           " COALESCE(timezone, '-') || ' ' || COALESCE(channel, '-')"
                           " FROM care_customers WHERE customer = '%s'";
    char sql[512];
    /* ana: first seen the day before (the late upsert); last contact the
     * later see-off contact; channel email, stated last (phone is older) */
    snprintf(sql, sizeof sql, customer, "ana");
    expect_textf(db, sql, "%lld %lld Europe/London email", T0 - DAY, T0 + 36 * DAY);
    /* ben: New York (day 8) over Shanghai (day 5) */
    snprintf(sql, sizeof sql, customer, "ben");
    expect_textf(db, sql, "%lld %lld America/New_York -", T0 + 2 * HOUR, T0 + 2 * HOUR);
    /* cai: first seen at the key event; last contact the greeting's closer */
    snprintf(sql, sizeof sql, customer, "cai");
    expect_textf(db, sql, "%lld %lld - -", T0 + 3 * DAY, T0 + 41 * DAY);
    /* the holding keeps the newer quantity and target; the price of day 20
     * is over the target of day 15: one alert, out of New York's quiet
     * hours (08:00 EDT -> 09:00) */
    expect_textf(db, "SELECT quantity || ' ' || stop_loss || ' ' || take_profit || ' ' || updated_ms"
                     " || ' ' || COALESCE(last_alert, '-') FROM care_holdings WHERE holding_id = 'HB'",
                 "5 90 124 %lld take_profit", T0 + 15 * DAY);
    expect_textf(db, TASK("take_profit:ben:HB:2026-05-24"), "expired %lld phone - -",
                 T0 + 20 * DAY + HOUR);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE priority = 1"), 1);
    /* closed before its purchase arrived, as if after: Wed 6 May 10:00 BST */
    expect_textf(db, TASK("greeting:ana:order:A1"), "done 1778058000000 sms %lld called early",
                 T0 + DAY);
    /* named twice: the earlier contact's time and outcome */
    expect_textf(db, TASK("see_off:ana:order:A2"), "done %lld visit %lld thanked at the till",
                 T0 + 35 * DAY, T0 + 35 * DAY + 2 * HOUR);
    expect_textf(db, TASK("greeting:cai:order:C1"), "done 1781517600000 sms %lld done by phone",
                 T0 + 41 * DAY);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_closures"), 0);
    /* the campaign as of its own time: ana and cai invited, on Thu 4 June
     * at 10:00 local (its 30-day window still has room); ben not (no
     * marketing since day 25) */
    expect_text(db, TASK("campaign:ana:summer"), "expired 1780563600000 email - -");
    expect_text(db, TASK("campaign:cai:summer"), "expired 1780567200000 email - -");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks WHERE kind = 'campaign'"), 2);
    /* the request was taken by the inbox of Thu 14 May 00:00 UTC; its task
     * waits a week after cai's key-event follow-up (7d:1) */
    assert_int_equal(rp_test_sql_int(db, "SELECT taken_ms FROM care_requests"), 1778716800000LL);
    expect_text(db, "SELECT deferred_from_ms || ' ' || due_ms FROM care_tasks WHERE kind = 'survey_follow_up'",
                "1778673600000 1778839200000");
    /* the inbox after the clock moved: the next Thursday 00:00 UTC */
    assert_int_equal(rp_test_sql_int(db, "SELECT inbox_due_ms FROM care_tenants"), 1783555200000LL);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tasks"), 18);
}

/* One run in a fresh database: the order, then the clock moved to MOVER. */
static char *run_order(size_t o)
{
    char name[64];
    snprintf(name, sizeof name, "rp_care_order_%zu", o);
    char *conninfo = rp_test_create_db(name);
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", "--clock=event", "--plugin.care.inbox_interval=1w",
                          NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    char sql[512];
    snprintf(sql, sizeof sql,
        "INSERT INTO care_requests (tenant, request_id, customer, kind, priority, due_ms, reason,"
        " source, created_ms) VALUES ('default', 'survey:q1', 'cai', 'survey_follow_up', 2, %lld,"
        " 'Detractor follow-up', 'survey', %lld)", T0 + 9 * DAY, T0 + 8 * DAY);
    free(rp_test_sql(db, sql));
    for (int band = 0; band < BANDS; band++) {
        publish_band(d, orders[o], band);
        rp_test_wait_idle(db, 30000);
    }
    char mover[256];
    snprintf(mover, sizeof mover, "{\"id\":\"z1\",\"type\":\"customer.upsert\",\"ts\":%lld,"
             "\"customer\":\"zed\",\"data\":{}}", MOVER);
    publish(d, mover);
    rp_test_wait_idle(db, 30000);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM timers WHERE due_ms <= %lld", MOVER);
    rp_test_wait_sql_int(db, sql, 0, 60000);
    char *tables = dump(db);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    if (getenv("CARE_ORDER_DUMP"))
        fprintf(stderr, "order %zu:\n%s\n", o, tables);
    check_values(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
    return tables;
}

static void expect_same(const char *want, const char *got, size_t order)
{
    if (strcmp(want, got) == 0)
        return;
    const char *w = want, *g = got;
    while (*w && *w == *g)
        w++, g++;
    while (w > want && w[-1] != '\n')
        w--, g--;
    fail_msg("order %zu differs from event-time order:\n  event time: %.300s\n  order %zu:   %.300s",
             order, w, order, g);
}

static void test_arrival_order_changes_nothing(void **state)
{
    (void)state;
    char *first = run_order(0);
    for (size_t o = 1; o < ORDERS; o++) {
        char *tables = run_order(o);
        expect_same(first, tables, o);
        free(tables);
    }
    free(first);
}

/* A request made on day 1, a tenant whose first event to arrive is of day
 * 20 and whose day-0 event arrives after it: the inbox, armed first for
 * the interval after day 20, starts again after day 0 (it had not fired
 * yet), so the request is taken by the firing of Thu 7 May 00:00 UTC, as
 * in time order, not three weeks later. */
static void test_inbox_starts_at_the_earliest_event(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_care_order_inbox");
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", "--clock=event", "--plugin.care.inbox_interval=1w",
                          NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    char sql[512], json[256];
    snprintf(sql, sizeof sql,
        "INSERT INTO care_requests (tenant, request_id, customer, kind, priority, due_ms, reason,"
        " source, created_ms) VALUES ('default', 'survey:q2', 'ivy', 'survey_follow_up', 2, %lld,"
        " 'Detractor follow-up', 'survey', %lld)", T0 + 2 * DAY, T0 + DAY);
    free(rp_test_sql(db, sql));
    static const struct { const char *id, *customer; int64_t ts; } sent[] = {
        {"i20", "ivy", T0 + 20 * DAY}, {"j0", "jon", T0}, {"k30", "kim", T0 + 30 * DAY},
    };
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
        snprintf(json, sizeof json, "{\"id\":\"%s\",\"type\":\"customer.upsert\",\"ts\":%lld,"
                 "\"customer\":\"%s\",\"data\":{}}", sent[i].id, (long long)sent[i].ts,
                 sent[i].customer);
        publish(d, json);
        rp_test_wait_idle(db, 30000);
    }
    rp_test_wait_sql_int(db, "SELECT count(*) FROM care_requests WHERE taken_ms IS NOT NULL", 1, 60000);
    assert_int_equal(rp_test_sql_int(db, "SELECT taken_ms FROM care_requests"), 1778112000000LL);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrival_order_changes_nothing),
        cmocka_unit_test(test_inbox_starts_at_the_earliest_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
