/*
 * test_referral_migrations.c - the referral plugin's schema as numbered
 * migrations (ABI 2) adopts a database an ABI-1 rapportd left behind: the
 * tables of the first release (before the cross-cooperation columns
 * profession and industry) with a row in them. rapportd starts on it,
 * records referral's migration 1 in plugin_migrations, the missing columns
 * exist, the old row is kept and the plugin works on it; a second start
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
    " VALUES ('default', 'old', 0, 1, 40, 40);";

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
    rf_expect_text(db, "SELECT string_agg(version::text, ',') FROM plugin_migrations WHERE plugin = 'referral'",
                   "1");
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
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);

    /* a second start finds migration 1 recorded and applies nothing */
    char *before = rp_test_sql(db, "SELECT applied_at::text FROM plugin_migrations WHERE plugin = 'referral'");
    d = rp_test_daemon_start(conninfo, args);
    rf_expect_text(db, "SELECT applied_at::text FROM plugin_migrations WHERE plugin = 'referral'", before);
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
