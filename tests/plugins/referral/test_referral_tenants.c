/*
 * test_referral_tenants.c - many tenants through the referral plugin at
 * once, in a real rapportd on a real PostgreSQL: 120 tenants publish the
 * same story interleaved in every batch (the same customer name "ann" in
 * each, the others tagged with their tenant), and every row and every
 * derived event stays in its own tenant, with that tenant's settings:
 *   - plugin-wide: conversion_window 30d, reward_rules conversion:referrer:10;
 *   - tenants 3, 13, 23, ...: reward_rules conversion:referrer:25 (a LIST
 *     parsed by the plugin's settings_check);
 *   - tenants 7, 17, 27, ...: conversion_window 1d (a DURATION), so their
 *     referrals expire instead of converting.
 * The amounts tell the tenants apart too (purchases of 100 + i and
 * 1000 + i in tenant i), so a row saved under another tenant's name shows.
 * ABI 1 kept a 32-slot settings cache per plugin; the host now hands every
 * call one tenant with its own settings, for any number of tenants.
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

#define TENANTS 120
#define T0 1700000000000LL
#define HOUR 3600000LL
#define DAY (24 * HOUR)

static rp_test_daemon *daemon_;
static PGconn *db;
static char *conninfo;

static bool pays_25(int i) { return i % 10 == 3; }
static bool short_window(int i) { return i % 10 == 7; }

/* The tenants in a different order at every step, so each batch
 * interleaves them differently. */
static int tenant_at(int step, int k)
{
    return (k * 7 + step * 31) % TENANTS;   /* 7 is prime to 120: a permutation */
}

static int setup(void **state)
{
    (void)state;
    conninfo = rp_test_create_db("rp_referral_tenants");
    static char overrides[2 * (TENANTS / 10)][96];
    const char *args[8 + 2 * (TENANTS / 10)];
    int n = 0;
    args[n++] = "--plugins=referral";
    args[n++] = "--clock=event";
    args[n++] = "--plugin.referral.conversion_window=30d";
    args[n++] = "--plugin.referral.reward_rules=conversion:referrer:10";
    int o = 0;
    for (int i = 0; i < TENANTS; i++) {
        if (pays_25(i))
            snprintf(overrides[o], sizeof overrides[o],
                     "--plugin.referral.mt%03d.reward_rules=conversion:referrer:25", i);
        else if (short_window(i))
            snprintf(overrides[o], sizeof overrides[o], "--plugin.referral.mt%03d.conversion_window=1d", i);
        else
            continue;
        args[n++] = overrides[o++];
    }
    args[n] = NULL;
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
    return 0;
}

/* One step of the story in every tenant, interleaved in one batch. Steps
 * are published one after the other because the customers of a step live
 * on different partitions ("the link came first" must hold). */
static void publish_step(int step)
{
    rf_batch b = {0};
    for (int k = 0; k < TENANTS; k++) {
        int i = tenant_at(step, k);
        switch (step) {
        case 0:
            rf_batch_add(&b, "{\"id\":\"s0-%03d\",\"tenant\":\"mt%03d\",\"ts\":%lld,\"type\":\"customer.upsert\","
                         "\"customer\":\"ann\",\"data\":{\"profession\":\"architect\"}}", i, i, T0);
            break;
        case 1:
            rf_batch_add(&b, "{\"id\":\"s1-%03d\",\"tenant\":\"mt%03d\",\"ts\":%lld,\"type\":\"customer.upsert\","
                         "\"customer\":\"bob-mt%03d\",\"data\":{\"referred_by\":\"ann\"}}", i, i, T0 + HOUR, i);
            break;
        case 2:
            rf_batch_add(&b, "{\"id\":\"s2-%03d\",\"tenant\":\"mt%03d\",\"ts\":%lld,\"type\":\"referral\","
                         "\"customer\":\"ann\",\"data\":{\"referee\":\"cat-mt%03d\"}}", i, i, T0 + 2 * HOUR, i);
            break;
        case 3:
            rf_batch_add(&b, "{\"id\":\"s3-%03d\",\"tenant\":\"mt%03d\",\"ts\":%lld,\"type\":\"purchase\","
                         "\"customer\":\"bob-mt%03d\",\"data\":{\"order_id\":\"ob-%03d\",\"amount\":%d,"
                         "\"currency\":\"EUR\"}}", i, i, T0 + 3 * DAY, i, i, 100 + i);
            break;
        case 4:
            rf_batch_add(&b, "{\"id\":\"s4-%03d\",\"tenant\":\"mt%03d\",\"ts\":%lld,\"type\":\"purchase\","
                         "\"customer\":\"cat-mt%03d\",\"data\":{\"order_id\":\"oc-%03d\",\"amount\":%d,"
                         "\"currency\":\"EUR\"}}", i, i, T0 + 4 * DAY, i, i, 1000 + i);
            break;
        default:    /* a day later: the tenant clock passes the next key-people cut */
            rf_batch_add(&b, "{\"id\":\"s5-%03d\",\"tenant\":\"mt%03d\",\"ts\":%lld,\"type\":\"customer.upsert\","
                         "\"customer\":\"ann\",\"data\":{}}", i, i, T0 + 5 * DAY);
            break;
        }
    }
    rf_publish(daemon_, db, &b);
}

/* The expected value of a per-tenant string_agg, built tenant by tenant. */
typedef struct expected {
    char *text;
    size_t len;
} expected;

static void expect_add(expected *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void expect_add(expected *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *part;
    assert_true(vasprintf(&part, fmt, ap) >= 0);
    va_end(ap);
    size_t n = strlen(part);
    e->text = realloc(e->text, e->len + n + 2);
    assert_non_null(e->text);
    if (e->len)
        e->text[e->len++] = ',';
    memcpy(e->text + e->len, part, n + 1);
    e->len += n;
    free(part);
}

static void expect_agg(const char *sql, expected *e)
{
    rf_expect_text(db, sql, e->text ? e->text : "");
    free(e->text);
    *e = (expected){0};
}

static void every_tenant_story(void **state)
{
    (void)state;
    for (int step = 0; step < 6; step++)
        publish_step(step);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);

    /* nodes: three per tenant, subtree revenue of ann = both purchases */
    expected e = {0};
    for (int i = 0; i < TENANTS; i++)
        expect_add(&e, "mt%03d:ann:%d:3", i, 1100 + 2 * i);
    expect_agg("SELECT string_agg(tenant || ':' || customer || ':' || subtree_revenue || ':' || subtree_size,"
               " ',' ORDER BY tenant) FROM referral_nodes WHERE customer = 'ann'", &e);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM referral_nodes WHERE customer <> 'ann'"
                                          " AND customer NOT IN ('bob-' || tenant, 'cat-' || tenant)"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM referral_nodes"), 3 * TENANTS);

    /* links: converted in 30 days, expired where the tenant's window is 1 day */
    for (int i = 0; i < TENANTS; i++) {
        const char *st = short_window(i) ? "expired" : "converted";
        expect_add(&e, "mt%03d:bob-mt%03d:ann:%s", i, i, st);
        expect_add(&e, "mt%03d:cat-mt%03d:ann:%s", i, i, st);
    }
    expect_agg("SELECT string_agg(tenant || ':' || referee || ':' || referrer || ':' || status, ','"
               " ORDER BY tenant, referee) FROM referral_links", &e);

    /* rewards: the tenant's own amount, none where nothing converted */
    for (int i = 0; i < TENANTS; i++) {
        if (short_window(i))
            continue;
        int amount = pays_25(i) ? 25 : 10;
        expect_add(&e, "mt%03d:ann:bob-mt%03d:%d", i, i, amount);
        expect_add(&e, "mt%03d:ann:cat-mt%03d:%d", i, i, amount);
    }
    expect_agg("SELECT string_agg(tenant || ':' || beneficiary || ':' || referee || ':' || amount, ','"
               " ORDER BY tenant, referee) FROM referral_rewards", &e);

    /* attribution: the tenant's converted revenue */
    for (int i = 0; i < TENANTS; i++)
        if (!short_window(i))
            expect_add(&e, "mt%03d:ann:%d", i, 1100 + 2 * i);
    expect_agg("SELECT string_agg(tenant || ':' || referrer || ':' || revenue, ',' ORDER BY tenant)"
               " FROM referral_attribution", &e);

    /* derived events: each in its tenant, on its ann, caused by its events;
     * ann becomes a key person (influence 3.1 and more) at the first cut of
     * the tenant clock after cat converts (the next UTC midnight, which the
     * last step's events carry the clock past) */
    for (int i = 0; i < TENANTS; i++)
        if (!short_window(i))
            expect_add(&e, "mt%03d:2:2:1", i);
    expect_agg("SELECT string_agg(tenant || ':' || converted || ':' || rewarded || ':' || key, ','"
               " ORDER BY tenant) FROM ("
               " SELECT tenant, count(*) FILTER (WHERE type = 'referral.converted') AS converted,"
               "  count(*) FILTER (WHERE type = 'referral.reward_earned') AS rewarded,"
               "  count(*) FILTER (WHERE type = 'referral.key_person') AS key"
               " FROM outbox WHERE plugin = 'referral' GROUP BY tenant) t", &e);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE plugin = 'referral'"
                                          " AND (customer <> 'ann' OR (cause NOT LIKE '%-' || substr(tenant, 3)"
                                          "  AND cause <> 'timer:key_people'))"), 0);
    /* the data of a conversion or a reward names the tenant's own referee */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type IN ('referral.converted',"
                                          " 'referral.reward_earned') AND position(convert_to('-' || tenant,"
                                          " 'UTF8') IN frame) = 0"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_tenant_story),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
