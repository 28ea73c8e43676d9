/*
 * test_referral_long_ids.c - the longest ids the wire allows through the
 * referral plugin in a real rapportd on a real PostgreSQL: tenants and
 * customers of 256 bytes, event ids of 128, an order id of 300. Two long
 * tenants share their first 255 bytes, and so do the four customers and the
 * event ids of each tenant, so any key cut short would merge rows. A third
 * tenant has a short name and the same long customers.
 *
 * Every event is processed (dead_letters stays empty; ABI 1 kept the tenant
 * in a char[128] and dead-lettered every event of a longer one), every row
 * and derived event carries the ids in full, the per-tenant override given
 * for a 256-byte tenant is honoured, and the refused cycle's sentence names
 * the customers in full (it was cut at 1024 bytes, the chain at 512). A
 * referee of 257 bytes (no customer id can be that long) is logged and links
 * nobody, without a dead letter. The
 * plugin sets no timers, so there are no timer keys to keep apart; the keys
 * it does build (reward ledger keys) are checked in full.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "referral_test.h"

#define T0 1700000000000LL
#define HOUR 3600000LL

/* The wire contract's longest ids, in bytes (proto/README.md). */
enum { TENANT_MAX = 256, CUSTOMER_MAX = 256, EVENT_ID_MAX = 128 };
enum { NTENANTS = 3, NCUST = 4, NEVENTS = 8 };

static rp_test_daemon *daemon_;
static PGconn *db;
static char *conninfo;
static char *tenants[NTENANTS];     /* 256, 256 (same first 255 bytes), "plain" */
static char *cust[NCUST];           /* a, b, c, d: 256 bytes, same first 255 */
static char *ev[NEVENTS];           /* 128 bytes, same first 127 */
static char *order;                 /* 300 bytes */
static char *not_a_customer;        /* 257 bytes: a referee no customer id can be */
static char *override;              /* --plugin.referral.<tenant 0>.reward_rules=... */

static int setup(void **state)
{
    (void)state;
    tenants[0] = rf_long_id("tenant-", 't', TENANT_MAX, '1');
    tenants[1] = rf_long_id("tenant-", 't', TENANT_MAX, '2');
    tenants[2] = strdup("plain");
    for (int i = 0; i < NCUST; i++)
        cust[i] = rf_long_id("customer-", 'c', CUSTOMER_MAX, (char)('a' + i));
    for (int i = 0; i < NEVENTS; i++)
        ev[i] = rf_long_id("event-", 'e', EVENT_ID_MAX, (char)('0' + i));
    order = rf_long_id("order-", 'o', 300, 'z');
    not_a_customer = rf_long_id("customer-", 'c', CUSTOMER_MAX + 1, 'x');
    assert_true(asprintf(&override, "--plugin.referral.%s.reward_rules=conversion:both:7", tenants[0]) > 0);
    conninfo = rp_test_create_db("rp_referral_long_ids");
    const char *args[] = {"--plugins=referral", "--clock=event",
                          "--plugin.referral.reward_rules=conversion:both:3", override, NULL};
    daemon_ = rp_test_daemon_start(conninfo, args);
    db = rp_test_connect(conninfo);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(rp_test_daemon_stop(daemon_, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
    free(override);
    free(order);
    free(not_a_customer);
    for (int i = 0; i < NTENANTS; i++)
        free(tenants[i]);
    for (int i = 0; i < NCUST; i++)
        free(cust[i]);
    for (int i = 0; i < NEVENTS; i++)
        free(ev[i]);
    return 0;
}

/* Event e of the story, in every tenant, interleaved in one batch. */
static void add_event(rf_batch *b, int e)
{
    for (int t = 0; t < NTENANTS; t++) {
        const char *head = "{\"id\":\"%s\",\"tenant\":\"%s\",\"ts\":%lld,";
        char *h;
        assert_true(asprintf(&h, head, ev[e], tenants[t], T0 + e * HOUR) > 0);
        switch (e) {
        case 0:
            rf_batch_add(b, "%s\"type\":\"customer.upsert\",\"customer\":\"%s\",\"data\":{\"email\":"
                         "\"a@example.com\",\"timezone\":\"Europe/London\",\"profession\":\"architect\"}}",
                         h, cust[0]);
            break;
        case 1:
            rf_batch_add(b, "%s\"type\":\"customer.upsert\",\"customer\":\"%s\",\"data\":{\"industry\":"
                         "\"interior designer\"}}", h, cust[3]);
            break;
        case 2:
            rf_batch_add(b, "%s\"type\":\"customer.upsert\",\"customer\":\"%s\",\"data\":{\"referred_by\":"
                         "\"%s\"}}", h, cust[1], cust[0]);
            break;
        case 3:
            rf_batch_add(b, "%s\"type\":\"referral\",\"customer\":\"%s\",\"data\":{\"referee\":\"%s\"}}",
                         h, cust[0], cust[2]);
            break;
        case 4:
            rf_batch_add(b, "%s\"type\":\"purchase\",\"customer\":\"%s\",\"data\":{\"order_id\":\"%s\","
                         "\"amount\":50,\"currency\":\"EUR\"}}", h, cust[1], order);
            break;
        case 5:
            rf_batch_add(b, "%s\"type\":\"purchase\",\"customer\":\"%s\",\"data\":{\"order_id\":\"o-c\","
                         "\"amount\":70,\"currency\":\"EUR\"}}", h, cust[2]);
            break;
        case 6:     /* c refers a, who leads to c: a cycle, refused */
            rf_batch_add(b, "%s\"type\":\"referral\",\"customer\":\"%s\",\"data\":{\"referee\":\"%s\"}}",
                         h, cust[2], cust[0]);
            break;
        default:    /* a referee longer than any customer id: logged, no link */
            rf_batch_add(b, "%s\"type\":\"referral\",\"customer\":\"%s\",\"data\":{\"referee\":\"%s\"}}",
                         h, cust[3], not_a_customer);
            break;
        }
        free(h);
    }
}

/* Phases: profiles, links, purchases, the cycle (each waits for the one
 * before: the customers live on different partitions). */
static void publish_story(void)
{
    static const int phases[][3] = {{0, 1, -1}, {2, 3, -1}, {4, 5, -1}, {6, 7, -1}};
    for (size_t p = 0; p < sizeof phases / sizeof phases[0]; p++) {
        rf_batch b = {0};
        for (int k = 0; k < 3 && phases[p][k] >= 0; k++)
            add_event(&b, phases[p][k]);
        rf_publish(daemon_, db, &b);
    }
}

static int64_t count_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int64_t count_of(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql;
    assert_true(vasprintf(&sql, fmt, ap) > 0);
    va_end(ap);
    int64_t n = rp_test_sql_int(db, sql);
    free(sql);
    return n;
}

static void expect_textf(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void expect_textf(const char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql;
    assert_true(vasprintf(&sql, fmt, ap) > 0);
    va_end(ap);
    rf_expect_text(db, sql, want);
    free(sql);
}

static void check_tenant(int t)
{
    const char *tn = tenants[t], *a = cust[0], *b = cust[1], *c = cust[2], *d = cust[3];
    expect_textf("a:256,b:256,c:256,d:256",
                 "SELECT string_agg(right(customer, 1) || ':' || length(customer), ',' ORDER BY customer)"
                 " FROM referral_nodes WHERE tenant = '%s'", tn);
    expect_textf("b:converted,c:converted",
                 "SELECT string_agg(right(referee, 1) || ':' || status, ',' ORDER BY referee)"
                 " FROM referral_links WHERE tenant = '%s' AND referrer = '%s'", tn, a);
    /* the ledger keys in full: rule|side|256:referrer|256:referee */
    const char *amount = t == 0 ? "7" : "3";
    char *want;
    assert_true(asprintf(&want, "%s,%s,%s,%s", amount, amount, amount, amount) > 0);
    expect_textf(want, "SELECT string_agg(amount::text, ',') FROM referral_rewards WHERE tenant = '%s'", tn);
    free(want);
    assert_int_equal(count_of("SELECT count(*) FROM referral_rewards WHERE tenant = '%s' AND reward_key IN ("
                              "'conversion|referrer|256:%s|256:%s', 'conversion|referee|256:%s|256:%s',"
                              "'conversion|referrer|256:%s|256:%s', 'conversion|referee|256:%s|256:%s')",
                              tn, a, b, a, b, a, c, a, c), 4);
    /* derived events: in the tenant, on the referrer, caused by the 128-byte
     * ids, the 300-byte order id in the data */
    assert_int_equal(count_of("SELECT count(*) FROM outbox WHERE tenant = '%s' AND type = 'referral.converted'"
                              " AND customer = '%s' AND cause IN ('%s', '%s')", tn, a, ev[4], ev[5]), 2);
    assert_int_equal(count_of("SELECT count(*) FROM outbox WHERE tenant = '%s' AND type = 'referral.converted'"
                              " AND position(convert_to('%s', 'UTF8') IN frame) > 0", tn, order), 1);
    assert_int_equal(count_of("SELECT count(*) FROM outbox WHERE tenant = '%s' AND type = 'referral.flagged'"
                              " AND customer = '%s' AND cause = '%s'", tn, c, ev[6]), 1);
    /* the refused cycle, named in full */
    char *message;
    assert_true(asprintf(&message, "referral of %s by %s refused: %s already leads to %s (%s > %s), "
                         "so it would close a cycle", a, c, a, c, a, c) > 0);
    expect_textf(message, "SELECT message FROM referral_rejections WHERE tenant = '%s' AND cause = '%s'",
                 tn, ev[6]);
    free(message);
    assert_int_equal(count_of("SELECT count(*) FROM referral_introductions WHERE tenant = '%s'"
                              " AND customer_a = '%s' AND customer_b = '%s'", tn, a, d), 1);
    assert_int_equal(count_of("SELECT count(*) FROM referral_links WHERE tenant = '%s' AND referrer = '%s'",
                              tn, d), 0);
}

static void longest_ids_processed_in_full(void **state)
{
    (void)state;
    publish_story();
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    for (int t = 0; t < NTENANTS; t++)
        check_tenant(t);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT tenant) FROM referral_nodes"), NTENANTS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM referral_nodes"), NTENANTS * NCUST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(longest_ids_processed_in_full),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
