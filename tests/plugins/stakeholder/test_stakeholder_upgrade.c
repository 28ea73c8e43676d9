/*
 * test_stakeholder_upgrade.c - a database written by the ABI 2.0 plugin
 * (schema version 1) upgrades in place to version 2 (issue 18): what it
 * holds becomes log entries (a person's stored sum one interaction at its
 * reference instant, a member row an upsert at joined_ms and a left at
 * left_ms, an org row an org.upsert), and each org's last evaluation moves
 * to just after the latest of those facts. ABI 2.0 evaluated an org at each
 * partition's own time, so its computed_ms could lie before a left it had
 * counted (here: the contact's evaluation at T0+3h ran after the left at
 * T0+5h); a late contact after the upgrade must not re-evaluate the org
 * back there with the approximated history (which showed bob active again
 * and ann weak: five gap events out of nothing).
 *
 * The version-1 state is written by hand (the ABI 2.0 schema and rows as
 * it left them) on a database whose core tables a plugin-less rapportd
 * created.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rp_test.h"

#define T0 1700000000000LL   /* 2023-11-14 22:13:20 UTC */
#define HOUR 3600000LL

/* Schema version 1 of the stakeholder plugin (plugins/stakeholder/schema.c),
 * without care_requests, and the rows ABI 2.0 left: ann (decision maker,
 * supporter, two contacts) covers her role; bob (user) left at T0+5h. */
static const char *const abi20_state[] = {
    "CREATE TABLE stakeholder_orgs (tenant text NOT NULL, org text NOT NULL, partition int NOT NULL,"
    " name text, industry text, size bigint, country text, timezone text, owner text,"
    " members int NOT NULL DEFAULT 0, covered_roles int NOT NULL DEFAULT 0,"
    " threads int NOT NULL DEFAULT 0, single_threaded boolean NOT NULL DEFAULT false,"
    " coverage_score int NOT NULL DEFAULT 0, computed_ms bigint NOT NULL DEFAULT 0,"
    " half_life_ms bigint NOT NULL DEFAULT 0, strength_scale double precision NOT NULL DEFAULT 0,"
    " adequate_strength double precision NOT NULL DEFAULT 0, updated_ms bigint NOT NULL DEFAULT 0,"
    " PRIMARY KEY (tenant, org))",
    "CREATE TABLE stakeholder_members (tenant text NOT NULL, org text NOT NULL, customer text NOT NULL,"
    " partition int NOT NULL, roles text[] NOT NULL, influence int NOT NULL DEFAULT 3,"
    " attitude text NOT NULL DEFAULT 'neutral', title text, interests_collective text,"
    " interests_personal text, active boolean NOT NULL DEFAULT true, joined_ms bigint NOT NULL,"
    " left_ms bigint, left_reason text, updated_ms bigint NOT NULL, PRIMARY KEY (tenant, org, customer))",
    "CREATE TABLE stakeholder_people (tenant text NOT NULL, customer text NOT NULL, partition int NOT NULL,"
    " style text, strength_raw double precision NOT NULL DEFAULT 0,"
    " strength_ref_ms bigint NOT NULL DEFAULT 0, interactions bigint NOT NULL DEFAULT 0,"
    " last_interaction_ms bigint, PRIMARY KEY (tenant, customer))",
    "CREATE TABLE stakeholder_gaps (tenant text NOT NULL, org text NOT NULL, role text NOT NULL,"
    " partition int NOT NULL, kind text NOT NULL, opened_ms bigint NOT NULL,"
    " PRIMARY KEY (tenant, org, role))",
    "CREATE TABLE stakeholder_advice (topic text NOT NULL, key text NOT NULL, advice text NOT NULL,"
    " PRIMARY KEY (topic, key))",
    "INSERT INTO plugin_migrations (plugin, version) VALUES ('stakeholder', 1)",
    "INSERT INTO stakeholder_orgs (tenant, org, partition, name, owner, members, covered_roles, threads,"
    " single_threaded, coverage_score, computed_ms, half_life_ms, strength_scale, adequate_strength,"
    " updated_ms) VALUES ('default', 'acme', 0, 'Acme', 'olivia', 1, 1, 1, true, 17, 1700010800000,"
    " 2592000000, 2, 40, 1700000000000)",
    "INSERT INTO stakeholder_members (tenant, org, customer, partition, roles, attitude, active,"
    " joined_ms, left_ms, left_reason, updated_ms) VALUES"
    " ('default', 'acme', 'ann', 0, '{decision_maker}', 'supporter', true, 1700003600000, NULL, NULL,"
    "  1700003600000),"
    " ('default', 'acme', 'bob', 0, '{user}', 'neutral', false, 1700003600000, 1700018000000, 'gone',"
    "  1700018000000)",
    "INSERT INTO stakeholder_people (tenant, customer, partition, style, strength_raw, strength_ref_ms,"
    " interactions, last_interaction_ms) VALUES"
    " ('default', 'ann', 0, 'analytical', 1.9990377588337833, 1700010800000, 2, 1700010800000)",
    "INSERT INTO stakeholder_gaps (tenant, org, role, partition, kind, opened_ms) SELECT 'default', 'acme',"
    " r, 0, 'nobody', CASE r WHEN 'user' THEN 1700018000000 ELSE 1700000000000 END FROM"
    " unnest('{initiator_internal,influencer_internal,influencer_external,executor,user}'::text[]) r",
};

static void publish(const rp_test_daemon *d, PGconn *db, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    if (!reply || !strstr(reply, "accepted") || strstr(reply, "rejected"))
        fail_msg("not accepted: %s -> %s", json, reply ? reply : "(no reply)");
    free(reply);
    rp_test_wait_idle(db, 60000);
}

static void expect_sql(PGconn *db, const char *sql, const char *want)
{
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s\n  got  %s\n  want %s", sql, got ? got : "NULL", want);
    free(got);
}

static void upgrade_from_abi_2_0(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_stakeholder_upgrade");
    const char *bare[] = {"--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, bare);   /* the core's tables */
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PGconn *db = rp_test_connect(conninfo);
    for (size_t i = 0; i < sizeof abi20_state / sizeof abi20_state[0]; i++)
        free(rp_test_sql(db, abi20_state[i]));

    const char *args[] = {"--plugins=stakeholder", "--clock=event", NULL};
    d = rp_test_daemon_start(conninfo, args);
    expect_sql(db, "SELECT string_agg(version::text, ',' ORDER BY version) FROM plugin_migrations"
                   " WHERE plugin = 'stakeholder'", "1,2");
    /* what the rows held, as log entries */
    expect_sql(db, "SELECT customer || ':' || event_id || ':' || ts_ms || ':' || weight"
                   " FROM stakeholder_interactions", "ann:migrated:1700010800000:1.9990377588337833");
    expect_sql(db, "SELECT string_agg(customer || ':' || event_id || ':' || kind || ':' || ts_ms, ','"
                   " ORDER BY customer, ts_ms) FROM stakeholder_member_log",
               "ann:migrated:upsert:1700003600000,bob:migrated:upsert:1700003600000,"
               "bob:migrated:left:left:1700018000000");
    expect_sql(db, "SELECT org || ':' || owner || ':' || ts_ms FROM stakeholder_org_log",
               "acme:olivia:1700000000000");
    /* the last evaluation: just after bob's left, the latest fact */
    expect_sql(db, "SELECT computed_ms::text FROM stakeholder_orgs", "1700018000001");

    /* a contact of ann from before the upgrade's facts, then a later one */
    publish(d, db, "{\"id\":\"c0\",\"type\":\"contact\",\"ts\":1700005000000,\"customer\":\"ann\","
                   "\"data\":{\"channel\":\"phone\"}}");
    publish(d, db, "{\"id\":\"c3\",\"type\":\"contact\",\"ts\":1700100000000,\"customer\":\"ann\","
                   "\"data\":{\"channel\":\"phone\"}}");
    publish(d, db, "{\"id\":\"tick\",\"type\":\"market.price\",\"ts\":1700200000000,"
                   "\"data\":{\"product\":\"tick\",\"price\":1}}");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    /* evaluated after the upgrade's facts only: ann still covers, nothing changed */
    expect_sql(db, "SELECT computed_ms::text FROM stakeholder_orgs", "1700100000001");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'org.coverage_gap'"), 0);
    expect_sql(db, "SELECT string_agg(role || ':' || kind || ':' || opened_ms, ',' ORDER BY role)"
                   " FROM stakeholder_gaps WHERE role IN ('decision_maker', 'user')", "user:nobody:1700018000000");
    /* the person's facts: counted, the first interaction unknown */
    expect_sql(db, "SELECT interactions || ':' || last_interaction_ms || ':' ||"
                   " coalesce(first_interaction_ms::text, 'unknown') || ':' || style"
                   " FROM stakeholder_people", "4:1700100000000:unknown:analytical");
    /* the decay timer lives on the tenant clock */
    expect_sql(db, "SELECT key || ':' || partition FROM timers", "coverage:acme:-1");

    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upgrade_from_abi_2_0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
