/*
 * test_referral_migrations.c - the referral plugin's schema as numbered
 * migrations (ABI 2) adopts a database an ABI-1 rapportd left behind: the
 * tables of the first release (before the cross-cooperation columns
 * profession and industry) with rows in them. rapportd starts on it,
 * records referral's migrations 1 and 2 in plugin_migrations, the missing
 * columns exist, the old rows are kept and the plugin works on them (step 2:
 * net revenue from own revenue, an old buyer's revenue in the month of its
 * first purchase, which a link learnt later credits); a second start
 * applies nothing again.
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

/* referral_nodes and referral_links as the first ABI-1 release made them. */
static const char abi1_schema[] =
    "CREATE TABLE referral_nodes (tenant text NOT NULL, customer text NOT NULL,"
    " partition int NOT NULL, referred_by text, depth int NOT NULL DEFAULT 0,"
    " height int NOT NULL DEFAULT 0, subtree_size bigint NOT NULL DEFAULT 1,"
    " own_revenue double precision NOT NULL DEFAULT 0,"
    " subtree_revenue double precision NOT NULL DEFAULT 0,"
    " converted boolean NOT NULL DEFAULT false, contribution double precision NOT NULL DEFAULT 0,"
    " influence double precision NOT NULL DEFAULT 0, converted_referrals bigint NOT NULL DEFAULT 0,"
    " first_purchase_ms bigint, timezone text, email_hash bigint, phone_hash bigint,"
    " updated_ms bigint NOT NULL DEFAULT 0, PRIMARY KEY (tenant, customer));"
    "CREATE TABLE referral_links (tenant text NOT NULL, referee text NOT NULL,"
    " partition int NOT NULL, referrer text, referred_ms bigint NOT NULL, source text NOT NULL,"
    " cause text NOT NULL, status text NOT NULL, flags text NOT NULL DEFAULT '',"
    " converted_ms bigint, days_to_convert int, depth int NOT NULL, PRIMARY KEY (tenant, referee));"
    "INSERT INTO referral_nodes (tenant, customer, partition, subtree_size, subtree_revenue, own_revenue)"
    " VALUES ('default', 'old', 0, 1, 40, 40);"
    "INSERT INTO referral_nodes (tenant, customer, partition, subtree_size, subtree_revenue, own_revenue,"
    " first_purchase_ms) VALUES ('default', 'buyer', 0, 1, 25, 25, 1699000000000);";

static void abi1_database_adopted(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_referral_migrations");
    PGconn *db = rp_test_connect(conninfo);
    PGresult *res = PQexec(db, abi1_schema);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("ABI-1 schema: %s", PQerrorMessage(db));
    PQclear(res);

    const char *args[] = {"--plugins=referral", "--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    rf_expect_text(db, "SELECT string_agg(version::text, ',' ORDER BY version) FROM plugin_migrations"
                       " WHERE plugin = 'referral'", "1,2");
    rf_expect_text(db, "SELECT string_agg(customer || ':' || net_revenue, ',' ORDER BY customer)"
                       " FROM referral_nodes", "buyer:25,old:40");
    rf_expect_text(db, "SELECT customer || ':' || month || ':' || revenue FROM referral_revenue",
                   "buyer:2023-11:25");
    rf_expect_text(db, "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns"
                       " WHERE table_name = 'referral_nodes' AND column_name IN ('profession', 'industry')",
                   "industry,profession");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM pg_tables WHERE tablename IN ("
                                         "'referral_rejections', 'referral_rewards', 'referral_attribution',"
                                         " 'referral_key_people', 'referral_introductions')"), 5);
    /* the old row lives on: a new referee of "old" adds to its sums */
    rf_batch b = {0};
    rf_batch_add(&b, "{\"id\":\"u-new\",\"type\":\"customer.upsert\",\"ts\":1700000000000,\"customer\":\"new\","
                     "\"data\":{\"referred_by\":\"old\",\"profession\":\"lawyer\"}}");
    rf_publish(d, db, &b);
    rf_expect_text(db, "SELECT subtree_size || ':' || subtree_revenue FROM referral_nodes WHERE customer = 'old'",
                   "2:40");
    rf_expect_text(db, "SELECT profession FROM referral_nodes WHERE customer = 'new'", "lawyer");
    /* old introduces buyer, an hour after buyer's first purchase: converted,
     * and buyer's revenue is credited to the month it was spent in */
    rf_batch_add(&b, "{\"id\":\"r-buyer\",\"type\":\"referral\",\"ts\":1699003600000,\"customer\":\"old\","
                     "\"data\":{\"referee\":\"buyer\"}}");
    rf_publish(d, db, &b);
    rf_expect_text(db, "SELECT status || ':' || converted_ms || ':' || order_id FROM referral_links"
                       " WHERE referee = 'buyer'", "converted:1699000000000:");
    rf_expect_text(db, "SELECT referrer || ':' || month || ':' || revenue FROM referral_attribution",
                   "old:2023-11:25");
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);

    /* a second start finds the migrations recorded and applies nothing */
    const char *applied = "SELECT string_agg(applied_at::text, ',' ORDER BY version) FROM plugin_migrations"
                          " WHERE plugin = 'referral'";
    char *before = rp_test_sql(db, applied);
    d = rp_test_daemon_start(conninfo, args);
    rf_expect_text(db, applied, before);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(before);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(abi1_database_adopted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
