/*
 * test_long_ids.c - the longest ids the wire allows, through the real
 * broker on the wall clock: two tenants of 256 bytes that differ in the
 * last byte, two customers of 256 bytes that differ in the last byte, event
 * ids of 128 bytes, order ids of 1,500 bytes and complaint ids of 2,000
 * bytes that differ in the last byte (data strings have no limit of their
 * own), so survey ids run to 1,766 bytes and the timer keys built from them
 * pass the host's 1,024 (keys.c hashes those with SHA-256).
 *
 * Per tenant: two complaints of customer 1 opened 30 days ago (each one's
 * two clocks ran out: escalated twice), three purchases 20 and 19 days ago
 * (their surveys fall due now: customer 1's second one under fatigue), three
 * purchases an hour ago (surveys pending), then a detractor answer to a
 * survey sent (its complaint's clocks pending). Everything is processed,
 * nothing is dead-lettered, every timer is distinct (none replaced another:
 * the counts of rows, escalations and pending timers say so) and no key
 * passes 1,024 bytes.
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

#define HOUR 3600000LL
#define DAY (24 * HOUR)

/* The ids, as SQL expressions and as C strings. */
#define TENANT_SQL(c) "repeat('T', 255) || '" c "'"
#define CUSTOMER_SQL(c) "repeat('c', 255) || '" c "'"
#define ORDER_SQL(p, c) "repeat('" p "', 1499) || '" c "'"
#define COMPLAINT_SQL(c) "repeat('k', 1999) || '" c "'"

static char *repeated(char fill, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    char *s = malloc(n + t + 1);
    assert_non_null(s);
    memset(s, fill, n);
    memcpy(s + n, tail, t + 1);
    return s;
}

/* An event id of exactly 128 bytes ending in tag. */
static char *event_id(const char *tenant_tag, const char *tag)
{
    char tail[64];
    snprintf(tail, sizeof tail, "-%s-%s", tenant_tag, tag);
    return repeated('e', 128 - strlen(tail), tail);
}

typedef struct frame {
    char *s;
    size_t len;
} frame;

static void add(frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(frame *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    f->s = realloc(f->s, f->len + (size_t)n + 1);
    assert_non_null(f->s);
    va_start(ap, fmt);
    vsnprintf(f->s + f->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    f->len += (size_t)n;
}

static void publish(const rp_test_daemon *d, const char *json, int events)
{
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    int accepted = 0;
    for (const char *p = reply; (p = strstr(p, "\"accepted\"")); p++)
        accepted++;
    if (accepted != events)
        fail_msg("%d of %d accepted: %.500s", accepted, events, reply);
    free(reply);
}

static void purchase(frame *f, const char *tenant, const char *ttag, const char *tag, const char *customer,
                     const char *order, int64_t ts)
{
    char *id = event_id(ttag, tag);
    add(f, "%s{\"id\":\"%s\",\"tenant\":\"%s\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"%s\","
           "\"data\":{\"order_id\":\"%s\",\"amount\":20,\"currency\":\"GBP\"}}",
        f->len > 1 ? "," : "", id, tenant, (long long)ts, customer, order);
    free(id);
}

static void complaint(frame *f, const char *tenant, const char *ttag, const char *tag, const char *customer,
                      const char *complaint_id, int64_t ts)
{
    char *id = event_id(ttag, tag);
    add(f, "%s{\"id\":\"%s\",\"tenant\":\"%s\",\"type\":\"complaint.opened\",\"ts\":%lld,\"customer\":\"%s\","
           "\"data\":{\"complaint_id\":\"%s\",\"severity\":\"normal\"}}",
        f->len > 1 ? "," : "", id, tenant, (long long)ts, customer, complaint_id);
    free(id);
}

typedef struct ids {
    char *tenant[2], *customer[2], *order[2], *recent[2], *complaint[2];
} ids;

static void make_ids(ids *x)
{
    static const char *const last[] = {"a", "b"}, *const digit[] = {"1", "2"};
    for (int i = 0; i < 2; i++) {
        x->tenant[i] = repeated('T', 255, last[i]);
        x->customer[i] = repeated('c', 255, digit[i]);
        x->order[i] = repeated('o', 1499, digit[i]);
        x->recent[i] = repeated('p', 1499, digit[i]);
        x->complaint[i] = repeated('k', 1999, digit[i]);
    }
}

static void free_ids(ids *x)
{
    for (int i = 0; i < 2; i++) {
        free(x->tenant[i]);
        free(x->customer[i]);
        free(x->order[i]);
        free(x->recent[i]);
        free(x->complaint[i]);
    }
}

/* Both tenants' events, interleaved. */
static char *first_frame(const ids *x, int64_t now)
{
    static const char *const ttag[] = {"a", "b"};
    frame f = {0};
    add(&f, "[");
    for (int t = 0; t < 2; t++) {
        complaint(&f, x->tenant[t], ttag[t], "k1", x->customer[0], x->complaint[0], now - 30 * DAY);
        complaint(&f, x->tenant[t], ttag[t], "k2", x->customer[0], x->complaint[1], now - 30 * DAY);
    }
    for (int t = 0; t < 2; t++) {
        purchase(&f, x->tenant[t], ttag[t], "o11", x->customer[0], x->order[0], now - 20 * DAY);
        purchase(&f, x->tenant[t], ttag[t], "o21", x->customer[1], x->order[0], now - 20 * DAY);
        purchase(&f, x->tenant[t], ttag[t], "o12", x->customer[0], x->order[1], now - 19 * DAY);
    }
    for (int t = 0; t < 2; t++) {
        purchase(&f, x->tenant[t], ttag[t], "p11", x->customer[0], x->recent[0], now - HOUR);
        purchase(&f, x->tenant[t], ttag[t], "p12", x->customer[0], x->recent[1], now - HOUR);
        purchase(&f, x->tenant[t], ttag[t], "p21", x->customer[1], x->recent[0], now - HOUR);
    }
    add(&f, "]");
    return f.s;
}

static char *answer_frame(const ids *x, int64_t now)
{
    static const char *const ttag[] = {"a", "b"};
    frame f = {0};
    add(&f, "[");
    for (int t = 0; t < 2; t++) {
        char *id = event_id(ttag[t], "r");
        add(&f, "%s{\"id\":\"%s\",\"tenant\":\"%s\",\"type\":\"survey.response\",\"ts\":%lld,\"customer\":\"%s\","
                "\"data\":{\"survey_id\":\"purchase:%s:%s\",\"nps\":1}}",
            t ? "," : "", id, x->tenant[t], (long long)(now - 60000), x->customer[0], x->customer[0], x->order[0]);
        free(id);
    }
    add(&f, "]");
    return f.s;
}

static void wait_due_timers(PGconn *db)
{
    rp_test_wait_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'survey'"
                             " AND due_ms <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint", 0, 60000);
    rp_test_wait_idle(db, 60000);
}

static int64_t count_in_tenant(PGconn *db, const char *tenant_sql, const char *what)
{
    return rp_test_sql_intf(db, "SELECT count(*) FROM %s AND tenant = %s", what, tenant_sql);
}

/* The surveys that fell due, the escalations and the pending timers, the
 * same in each tenant. */
static void expect_first_round(PGconn *db, const char *t)
{
    char what[1024];
    snprintf(what, sizeof what, "survey_requests WHERE survey_id = 'purchase:' || " CUSTOMER_SQL("1")
             " || ':' || " ORDER_SQL("o", "1") " AND status = 'requested' AND customer = " CUSTOMER_SQL("1"));
    assert_int_equal(count_in_tenant(db, t, what), 1);
    snprintf(what, sizeof what, "survey_requests WHERE survey_id = 'purchase:' || " CUSTOMER_SQL("1")
             " || ':' || " ORDER_SQL("o", "2") " AND status = 'suppressed' AND reason = 'fatigue'");
    assert_int_equal(count_in_tenant(db, t, what), 1);
    snprintf(what, sizeof what, "survey_requests WHERE survey_id = 'purchase:' || " CUSTOMER_SQL("2")
             " || ':' || " ORDER_SQL("o", "1") " AND status = 'requested' AND customer = " CUSTOMER_SQL("2"));
    assert_int_equal(count_in_tenant(db, t, what), 1);
    assert_int_equal(count_in_tenant(db, t, "survey_requests WHERE true"), 3);
    assert_int_equal(count_in_tenant(db, t, "survey_complaints WHERE complaint_id IN (" COMPLAINT_SQL("1") ", "
                                            COMPLAINT_SQL("2") ") AND level = 2 AND escalations = 2"), 2);
    assert_int_equal(count_in_tenant(db, t, "outbox WHERE type = 'complaint.escalated'"), 4);
    assert_int_equal(count_in_tenant(db, t, "outbox WHERE type = 'survey.requested'"), 2);
    assert_int_equal(count_in_tenant(db, t, "survey_customers WHERE customer IN (" CUSTOMER_SQL("1") ", "
                                            CUSTOMER_SQL("2") ")"), 2);
    /* pending: three surveys and two expiries under hashed keys, two
     * quarterly rounds, the two re-armed first-response clocks (hashed) */
    assert_int_equal(count_in_tenant(db, t, "timers WHERE plugin = 'survey' AND key LIKE 'send#sha256:%'"), 3);
    assert_int_equal(count_in_tenant(db, t, "timers WHERE plugin = 'survey' AND key LIKE 'expire#sha256:%'"), 2);
    assert_int_equal(count_in_tenant(db, t, "timers WHERE plugin = 'survey' AND key IN ('quarterly:' || "
                                            CUSTOMER_SQL("1") ", 'quarterly:' || " CUSTOMER_SQL("2") ")"), 2);
    assert_int_equal(count_in_tenant(db, t, "timers WHERE plugin = 'survey' AND key LIKE 'sla:first#sha256:%'"), 2);
    assert_int_equal(count_in_tenant(db, t, "timers WHERE plugin = 'survey'"), 9);
}

/* The detractor's complaint (id of 1,773 bytes) with both clocks pending. */
static void expect_answer(PGconn *db, const char *t)
{
    assert_int_equal(count_in_tenant(db, t, "survey_complaints WHERE complaint_id = 'survey:purchase:' || "
                                            CUSTOMER_SQL("1") " || ':' || " ORDER_SQL("o", "1")
                                            " AND source = 'survey' AND level = 0"), 1);
    assert_int_equal(count_in_tenant(db, t, "care_requests WHERE octet_length(request_id) = 17 + 1766"), 1);
    assert_int_equal(count_in_tenant(db, t, "outbox WHERE type = 'survey.detractor' AND octet_length(cause) = 128"),
                     1);
    assert_int_equal(count_in_tenant(db, t, "survey_requests WHERE status = 'answered' AND nps = 1"), 1);
    assert_int_equal(count_in_tenant(db, t, "timers WHERE plugin = 'survey' AND key LIKE 'sla:first#sha256:%'"), 3);
    assert_int_equal(count_in_tenant(db, t, "timers WHERE plugin = 'survey' AND key LIKE 'sla:resolve#sha256:%'"), 1);
    /* the answered survey's expiry was cancelled by its hashed key */
    assert_int_equal(count_in_tenant(db, t, "timers WHERE plugin = 'survey' AND key LIKE 'expire#sha256:%'"), 1);
}

static void survey_longest_ids(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_survey_long_keys");
    const char *args[] = {"--plugins=survey", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    int64_t now = (int64_t)time(NULL) * 1000;
    ids x;
    make_ids(&x);

    char *json = first_frame(&x, now);
    publish(d, json, 16);
    free(json);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'complaint.escalated'", 8, 60000);
    wait_due_timers(db);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM dead_letters"), 0);
    expect_first_round(db, TENANT_SQL("a"));
    expect_first_round(db, TENANT_SQL("b"));

    json = answer_frame(&x, now);
    publish(d, json, 2);
    free(json);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM dead_letters"), 0);
    expect_answer(db, TENANT_SQL("a"));
    expect_answer(db, TENANT_SQL("b"));
    assert_true(rp_test_sql_intf(db, "SELECT max(octet_length(key)) FROM timers") <= 1024);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(DISTINCT tenant) FROM timers"), 2);

    free_ids(&x);
    PQfinish(db);
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(survey_longest_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
