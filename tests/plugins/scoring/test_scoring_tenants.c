/*
 * test_scoring_tenants.c - the scoring plugin on plugin ABI 2 in a real
 * rapportd on a real PostgreSQL: tenancy, key lengths and per-tenant
 * settings, the three things ABI 1's scoring got wrong (issue 17).
 *
 * 1. 120 tenants through one worker: every row, timer and derived event
 *    stays in its own tenant, and per-tenant overrides apply to their tenant
 *    only. ABI 1's scoring kept a 32-slot settings cache whose round-robin
 *    eviction overwrote the slot a live working set pointed to, so the set
 *    was saved under another tenant's name. The rounds below make that
 *    happen: the hot tenant mt001 opens every round (its cached slot grows
 *    old while it is hit), then seven new tenants each load their settings;
 *    the 33rd load evicts mt001's slot while mt001's set is live in the same
 *    transaction, and ABI 1 stored mt001's customers under mt033's name.
 * 2. Maximum-length ids: a 256-byte tenant, 256-byte customers sharing a
 *    200-byte prefix, 128-byte event ids. ABI 1 dead-lettered every event of
 *    such a tenant (char[128] settings key) and cut re-check timer keys at
 *    160 bytes, so the two customers shared one timer.
 * 3. A bad per-tenant value refuses the start naming key, tenant and value
 *    (ABI 1 started, then dead-lettered the tenant's first events).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "batch.h"
#include "rp_test.h"

#define DAY 86400000LL
#define HOUR 3600000LL
#define ROUNDS 17
#define COLD_PER_ROUND 7           /* mt002..mt120, seven new tenants a round */
#define TENANTS (1 + ROUNDS * COLD_PER_ROUND)

/* Event times: a month ago, so the wall clock is past all of them. */
static long long base_ts(void)
{
    return (long long)time(NULL) * 1000 - 30 * DAY;
}

static void tenant_purchase(batch *b, const char *tenant, const char *customer, int n, long long ts)
{
    batch_add(b, "{\"id\":\"p-%s-%d\",\"type\":\"purchase\",\"ts\":%lld,\"tenant\":\"%s\","
                 "\"customer\":\"%s\",\"data\":{\"order_id\":\"o-%d\",\"amount\":20,"
                 "\"list_price\":20,\"currency\":\"GBP\"}}", customer, n, ts, tenant, customer, n);
}

/* ------------------------------------------------- 1. 120 tenants at once */

/* Round k: mt001's new customer c-mt001-rKK first, then two customers of
 * each of seven new tenants, then mt001's customer again. One request and
 * one idle wait a round, so a round is one transaction of the one worker
 * (one partition). */
static void publish_round(const rp_test_daemon *d, PGconn *db, int k, long long ts)
{
    batch b = {.len = 0};
    char customer[32], tenant[16];
    snprintf(customer, sizeof customer, "c-mt001-r%02d", k);
    tenant_purchase(&b, "mt001", customer, 0, ts);
    for (int i = 0; i < COLD_PER_ROUND; i++) {
        snprintf(tenant, sizeof tenant, "mt%03d", 2 + k * COLD_PER_ROUND + i);
        for (char c = 'a'; c <= 'b'; c++) {
            snprintf(customer, sizeof customer, "c-%s-%c", tenant, c);
            tenant_purchase(&b, tenant, customer, 0, ts + i);
        }
    }
    snprintf(customer, sizeof customer, "c-mt001-r%02d", k);
    tenant_purchase(&b, "mt001", customer, 1, ts + HOUR);
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);
}

/* Then every cold customer buys again, all tenants interleaved (a stride
 * through them), 100 events a request: transactions of many tenants each,
 * more than the eight working sets the plugin keeps at once. */
static void publish_interleaved(const rp_test_daemon *d, PGconn *db, long long ts)
{
    enum { COLD = TENANTS - 1, CUSTOMERS = 2 * COLD };
    batch b = {.len = 0};
    for (int j = 0; j < CUSTOMERS; j++) {
        int at = (j * 37) % CUSTOMERS;          /* 37 is prime to 238: each once */
        char tenant[16], customer[32];
        snprintf(tenant, sizeof tenant, "mt%03d", 2 + at / 2);
        snprintf(customer, sizeof customer, "c-%s-%c", tenant, 'a' + at % 2);
        tenant_purchase(&b, tenant, customer, 1, ts);
        if (b.events == 100)
            batch_send(d, &b);
    }
    if (b.events)
        batch_send(d, &b);
    rp_test_wait_idle(db, 120000);
}

#define RECHECK_1D "('mt010','mt020','mt030','mt040','mt050','mt060','mt070','mt080','mt090'," \
                   "'mt100','mt110','mt120')"
#define LOW_THRESHOLDS "('mt030','mt060','mt090','mt120')"
#define ALL_CORE "('mt050','mt100')"

/* Rows whose customer id ("c-TENANT-...") names another tenant than their
 * tenant column. */
static int64_t foreign_rows(PGconn *db, const char *table, const char *where)
{
    return rp_test_sql_intf(db, "SELECT count(*) FROM %s WHERE %s AND (customer IS NULL OR "
                            "customer NOT LIKE 'c-' || tenant || '-%%')", table, where);
}

static void assert_every_row_in_its_tenant(PGconn *db)
{
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers"),
                     ROUNDS + 2 * (TENANTS - 1));
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT tenant) FROM scoring_customers"), TENANTS);
    assert_int_equal(foreign_rows(db, "scoring_customers", "true"), 0);
    assert_int_equal(foreign_rows(db, "scoring_tier_history", "true"), 0);
    assert_int_equal(foreign_rows(db, "timers", "plugin = 'scoring' AND key LIKE 'eval:%'"), 0);
    assert_int_equal(foreign_rows(db, "outbox", "plugin = 'scoring'"), 0);
    /* mt001 kept all its customers (ABI 1 lost them to mt033) */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE tenant = 'mt001'"),
                     ROUNDS);
    /* every customer bought twice, both counted in its own row */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE bgnbd_x <> 1"), 0);
    /* one re-check timer per customer, keyed by its full id */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers t JOIN scoring_customers c"
                                         " ON c.tenant = t.tenant AND t.key = 'eval:' || c.customer"
                                         " WHERE t.plugin = 'scoring'"), ROUNDS + 2 * (TENANTS - 1));
    /* each tenant's distribution (a snapshot its refit takes, see
     * refit_every_tenant) counts exactly its own purchasing customers */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_tenant_stats"), TENANTS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_tenant_stats s WHERE s.n <>"
                                         " (SELECT count(*) FROM scoring_customers c WHERE c.tenant = s.tenant)"), 0);
}

static void assert_overrides_in_their_tenants_only(PGconn *db)
{
    /* recheck_interval = 1d in twelve tenants, the default 7d elsewhere (the
     * timer is set at the first purchase: at most an hour before the last
     * update, since a round takes seconds) */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_customers WHERE next_check_ms - updated_ms NOT BETWEEN"
        " (CASE WHEN tenant IN " RECHECK_1D " THEN 1 ELSE 7 END) * 86400000::bigint - 3600000"
        " AND (CASE WHEN tenant IN " RECHECK_1D " THEN 1 ELSE 7 END) * 86400000::bigint"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT tenant) FROM scoring_customers"
        " WHERE next_check_ms - updated_ms <= 86400000 AND tenant IN " RECHECK_1D), 12);
    /* thresholds 1,0.5,0.2,0.1: every customer of four tenants placed in
     * vip (and announced), nobody elsewhere */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE tier = 'vip'"
                                         " AND tenant IN " LOW_THRESHOLDS), 8);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE tier = 'vip'"
                                         " AND tenant NOT IN " LOW_THRESHOLDS), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT customer) FROM outbox WHERE"
                                         " type = 'customer.tier_changed' AND tenant IN " LOW_THRESHOLDS), 8);
    /* core_tiers = every tier in two tenants; vip,key elsewhere */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE core <>"
        " (tenant IN " ALL_CORE " OR tier IN ('vip', 'key'))"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE core"
                                         " AND tenant IN " ALL_CORE), 4);
}

/* A scoring.refit for every tenant: each refit (on its tenant's clock)
 * takes the snapshot of its tenant's distribution; wait until all have. */
static void refit_every_tenant(const rp_test_daemon *d, PGconn *db, long long ts)
{
    batch b = {.len = 0};
    for (int i = 1; i <= TENANTS; i++)
        batch_add(&b, "{\"id\":\"refit-mt%03d\",\"type\":\"scoring.refit\",\"ts\":%lld,"
                      "\"tenant\":\"mt%03d\",\"data\":{}}", i, ts, i);
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM scoring_tenant_stats", TENANTS, 60000);
}

static void hundred_twenty_tenants_stay_apart(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_scoring_tenants");
    const char *args[] = {
        "--plugins=scoring", "--partitions=1",
        "--plugin.scoring.mt010.recheck_interval=1d", "--plugin.scoring.mt020.recheck_interval=1d",
        "--plugin.scoring.mt030.recheck_interval=1d", "--plugin.scoring.mt040.recheck_interval=1d",
        "--plugin.scoring.mt050.recheck_interval=1d", "--plugin.scoring.mt060.recheck_interval=1d",
        "--plugin.scoring.mt070.recheck_interval=1d", "--plugin.scoring.mt080.recheck_interval=1d",
        "--plugin.scoring.mt090.recheck_interval=1d", "--plugin.scoring.mt100.recheck_interval=1d",
        "--plugin.scoring.mt110.recheck_interval=1d", "--plugin.scoring.mt120.recheck_interval=1d",
        "--plugin.scoring.mt030.thresholds=1,0.5,0.2,0.1", "--plugin.scoring.mt060.thresholds=1,0.5,0.2,0.1",
        "--plugin.scoring.mt090.thresholds=1,0.5,0.2,0.1", "--plugin.scoring.mt120.thresholds=1,0.5,0.2,0.1",
        "--plugin.scoring.mt050.core_tiers=vip,key,ordinary,small,potential",
        "--plugin.scoring.mt100.core_tiers=vip,key,ordinary,small,potential",
        NULL,
    };
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    long long ts = base_ts();
    for (int k = 0; k < ROUNDS; k++)
        publish_round(d, db, k, ts + k * 60000);
    publish_interleaved(d, db, ts + 2 * HOUR);
    refit_every_tenant(d, db, ts + 3 * HOUR);

    assert_every_row_in_its_tenant(db);
    assert_overrides_in_their_tenants_only(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* ------------------------------------------------- 2. the longest ids */

/* tag, then fill up to len bytes. */
static void padded(char *out, size_t len, const char *tag, char fill)
{
    size_t n = strlen(tag);
    memcpy(out, tag, n);
    memset(out + n, fill, len - n);
    out[len] = '\0';
}

typedef struct long_ids {
    char tenant[257];
    char a[257], b[257];        /* 256 bytes, the first 200 shared */
    char reason[1001];
} long_ids;

static void make_long_ids(long_ids *ids)
{
    padded(ids->tenant, 256, "tenant-", 't');
    char prefix[201];
    padded(prefix, 200, "customer-", 'p');
    snprintf(ids->a, sizeof ids->a, "%s", prefix);
    snprintf(ids->b, sizeof ids->b, "%s", prefix);
    padded(ids->a + 200, 56, "-a-", 'a');
    padded(ids->b + 200, 56, "-b-", 'b');
    padded(ids->reason, 1000, "board member ", 'r');
}

/* A 128-byte event id starting with tag. */
static const char *event_id(char out[129], const char *tag)
{
    padded(out, 128, tag, 'e');
    return out;
}

static void publish_long_ids(const rp_test_daemon *d, const long_ids *ids, long long ts)
{
    batch b = {.len = 0};
    char id[129];
    const char *who[] = {ids->a, ids->b};
    for (int i = 0; i < 2; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "p1-%d-", i);
        batch_add(&b, "{\"id\":\"%s\",\"type\":\"purchase\",\"ts\":%lld,\"tenant\":\"%s\",\"customer\":\"%s\","
                      "\"data\":{\"order_id\":\"%s\",\"amount\":30,\"currency\":\"GBP\"}}",
                  event_id(id, tag), ts, ids->tenant, who[i], id);
    }
    /* a refers b (b bought an hour earlier: the referral has converted) */
    batch_add(&b, "{\"id\":\"%s\",\"type\":\"referral\",\"ts\":%lld,\"tenant\":\"%s\",\"customer\":\"%s\","
                  "\"data\":{\"referee\":\"%s\",\"channel\":\"word_of_mouth\"}}",
              event_id(id, "ref-"), ts + HOUR, ids->tenant, ids->a, ids->b);
    batch_add(&b, "{\"id\":\"%s\",\"type\":\"customer.tier_pinned\",\"ts\":%lld,\"tenant\":\"%s\","
                  "\"customer\":\"%s\",\"data\":{\"tier\":\"vip\",\"until_ms\":%lld,\"reason\":\"%s\"}}",
              event_id(id, "pin-"), ts + 2 * HOUR, ids->tenant, ids->b, ts + 400 * DAY, ids->reason);
    for (int i = 0; i < 2; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "p2-%d-", i);
        batch_add(&b, "{\"id\":\"%s\",\"type\":\"purchase\",\"ts\":%lld,\"tenant\":\"%s\",\"customer\":\"%s\","
                      "\"data\":{\"order_id\":\"%s\",\"amount\":30,\"currency\":\"GBP\"}}",
                  event_id(id, tag), ts + 3 * HOUR, ids->tenant, who[i], id);
    }
    batch_send(d, &b);
}

/* Referral credits travel by timers due at the events' times (past). */
static void wait_referral_timers(PGconn *db)
{
    rp_test_wait_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'scoring' AND key LIKE 'ref:%'",
                         0, 60000);
    rp_test_wait_idle(db, 60000);
}

static void assert_long_ids_processed(PGconn *db, const long_ids *ids)
{
    char sql[2048];
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE length(tenant) = 256"
                                         " AND length(customer) = 256 AND bgnbd_x = 1"), 2);
    /* two re-check timers, one per customer, each keyed by the full id */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'scoring'"
                                         " AND key LIKE 'eval:%'"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'scoring'"
                                         " AND key = 'eval:' || customer AND length(key) = 261"), 2);
    /* the tenant-wide refit timer, under the full tenant */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE key = 'bgnbd.refit'"
                                         " AND length(tenant) = 256"), 1);
    /* the referral: linked with the full referrer id, both credits reached a */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM scoring_customers WHERE customer = '%s'"
             " AND referred_by = '%s'", ids->b, ids->a);
    assert_int_equal(rp_test_sql_int(db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM scoring_customers WHERE customer = '%s'"
             " AND subscores[6] > 70", ids->a);
    assert_int_equal(rp_test_sql_int(db, sql), 1);
    /* the pin, with its whole reason, announced in the tenant */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM scoring_customers WHERE customer = '%s'"
             " AND tier = 'vip' AND pinned_tier = 'vip' AND pin_reason = '%s'", ids->b, ids->reason);
    assert_int_equal(rp_test_sql_int(db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE type = 'customer.tier_changed'"
             " AND tenant = '%s' AND customer = '%s' AND cause LIKE 'pin-%%'", ids->tenant, ids->b);
    assert_int_equal(rp_test_sql_int(db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE tenant <> '%s'", ids->tenant);
    assert_int_equal(rp_test_sql_int(db, sql), 0);
    /* the tenant's own recheck_interval (2d) */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE"
        " next_check_ms - updated_ms BETWEEN 2 * 86400000::bigint - 4 * 3600000 AND 2 * 86400000::bigint"), 2);
}

static void longest_ids_are_processed_with_distinct_timers(void **state)
{
    (void)state;
    long_ids ids;
    make_long_ids(&ids);
    char *conninfo = rp_test_create_db("rp_scoring_long_ids");
    char override[400];
    snprintf(override, sizeof override, "--plugin.scoring.%s.recheck_interval=2d", ids.tenant);
    const char *args[] = {"--plugins=scoring", override, NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    publish_long_ids(d, &ids, base_ts());
    rp_test_wait_idle(db, 60000);
    wait_referral_timers(db);
    assert_long_ids_processed(db, &ids);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* ------------------------------------------------- 3. bad values refused */

/* rapportd with one per-tenant value must refuse to start (ABI 1 ran on)
 * saying the plugin, the key, the tenant and the value. */
static void refuses(const char *conninfo, const char *key, const char *value)
{
    char database[4096], flag[512];
    snprintf(database, sizeof database, "--database=%s", conninfo);
    snprintf(flag, sizeof flag, "--plugin.scoring.acme.%s=%s", key, value);
    const char *args[] = {"--plugins=scoring", database, flag, NULL};
    const char *facts[] = {"scoring", key, "acme", value, NULL};
    rp_test_expect_refusal(args, facts);
}

static void bad_per_tenant_values_refuse_the_start(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_scoring_bad_values");
    refuses(conninfo, "recheck_interval", "15x");          /* duration */
    refuses(conninfo, "half_life", "1ms");                 /* duration out of range */
    refuses(conninfo, "fit_min_customers", "12.5");        /* int */
    refuses(conninfo, "margin", "lots");                   /* double */
    refuses(conninfo, "weights", "1,2");                   /* list of the wrong length */
    refuses(conninfo, "weights", "3,1,1,1,1,2,1,x,2");     /* list item (settings_check) */
    refuses(conninfo, "thresholds", "50,60,40,30");        /* rule across items (settings_check) */
    refuses(conninfo, "core_tiers", "vip,gold");           /* tier name (settings_check) */
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hundred_twenty_tenants_stay_apart),
        cmocka_unit_test(longest_ids_are_processed_with_distinct_timers),
        cmocka_unit_test(bad_per_tenant_values_refuse_the_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
