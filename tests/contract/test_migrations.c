/*
 * test_migrations.c - ABI 2: plugin schemas evolve through numbered
 * migrations the host applies once each, in order, each in its own
 * transaction, recorded in plugin_migrations; and a plugin's `requires`
 * (rapport/plugin.h, rp_migration and rp_plugin.requires).
 *
 * The plugins are builds of tests/contract/plugins/migrator.c: migrator_v1
 * (step 1), migrator_v2 (steps 1, 2), migrator_v3 (1, 2 and a step 3 that
 * fails), all named "migrator", and needy (requires "counter"). Each step
 * writes its version and transaction id into NAME_steps.
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

#define SO(name) CONTRACT_PLUGIN_DIR "/" name ".so"

/* Starts rapportd with the plugins, lets it come up, stops it. */
static void run_once(const char *conninfo, const char *plugins)
{
    char arg[1024];
    snprintf(arg, sizeof arg, "--plugins=%s", plugins);
    const char *args[] = {arg, NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
}

/* rapportd on the database with the plugins, which must refuse to start:
 * returns its output (stdout and stderr), fails the test otherwise. */
static char *expect_refusal(const char *conninfo, const char *plugins)
{
    char command[8192];
    snprintf(command, sizeof command,
             "timeout 60 '%s' '--database=%s' '--plugins=%s' --http= --ingress=tcp://127.0.0.1:0 2>&1",
             rp_test_rapportd_path(), conninfo, plugins);
    int rc;
    char *out = rp_test_command(command, &rc);
    if (rc != 1)
        fail_msg("--plugins=%s: expected a refusal (exit 1), got exit %d:\n%s", plugins, rc, out);
    return out;
}

static void expect_mentions(const char *out, const char *what)
{
    if (!strstr(out, what))
        fail_msg("the refusal does not name \"%s\":\n%s", what, out);
}

/* "1,2": the versions plugin_migrations records for plugin. */
static void expect_recorded(PGconn *db, const char *plugin, const char *want)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '')"
                              " FROM plugin_migrations WHERE plugin = '%s'", plugin);
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("plugin_migrations of %s: \"%s\", want \"%s\"", plugin, got ? got : "(null)", want);
    free(got);
}

/* "1,2": the steps that ran (each writes one row; twice would be two). */
static void expect_steps(PGconn *db, const char *want)
{
    char *got = rp_test_sql(db, "SELECT string_agg(version::text, ',' ORDER BY version) FROM migrator_steps");
    if (!got || strcmp(got, want) != 0)
        fail_msg("migrator_steps: \"%s\", want \"%s\"", got ? got : "(null)", want);
    free(got);
}

static void each_step_is_applied_once_and_a_new_release_applies_only_its_new_step(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_contract_migrations");
    PGconn *db = rp_test_connect(conninfo);
    run_once(conninfo, SO("migrator_v1"));
    expect_recorded(db, "migrator", "1");
    expect_steps(db, "1");
    /* a second start applies nothing (step 1 is a plain CREATE TABLE: run
     * again, it would refuse the start) */
    run_once(conninfo, SO("migrator_v1"));
    expect_recorded(db, "migrator", "1");
    expect_steps(db, "1");
    /* the next release adds step 2: only step 2 runs */
    run_once(conninfo, SO("migrator_v2"));
    expect_recorded(db, "migrator", "1,2");
    expect_steps(db, "1,2");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM migrator_steps WHERE note = 'added in v2'"), 1);
    run_once(conninfo, SO("migrator_v2"));
    expect_recorded(db, "migrator", "1,2");
    expect_steps(db, "1,2");
    PQfinish(db);
    free(conninfo);
}

/* On a new database both steps run, in order, each in its own transaction;
 * a failing step refuses the start, is rolled back whole and is not
 * recorded, while the steps before it stay. */
static void steps_run_in_their_own_transactions_and_a_failing_one_is_not_recorded(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_contract_migrations_fail");
    PGconn *db = rp_test_connect(conninfo);
    run_once(conninfo, SO("migrator_v2"));
    expect_recorded(db, "migrator", "1,2");
    expect_steps(db, "1,2");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT txid) FROM migrator_steps"), 2);
    char *out = expect_refusal(conninfo, SO("migrator_v3"));
    expect_mentions(out, "migrator");
    expect_mentions(out, "division by zero");
    free(out);
    expect_recorded(db, "migrator", "1,2");
    expect_steps(db, "1,2");
    /* the release without the broken step still starts */
    run_once(conninfo, SO("migrator_v2"));
    PQfinish(db);
    free(conninfo);
}

/* needy requires counter: refused when counter is neither loaded nor has
 * migrations recorded (naming both); started when counter is loaded in the
 * same process, listed after it (the host orders the start), or when
 * another process recorded counter's migrations. */
static void a_required_plugin_must_be_loaded_or_recorded(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_contract_requires");
    PGconn *db = rp_test_connect(conninfo);
    char *out = expect_refusal(conninfo, SO("needy"));
    expect_mentions(out, "needy");
    expect_mentions(out, "counter");
    free(out);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'needy_steps'"), 0);
    run_once(conninfo, SO("needy") "," SO("counter"));
    expect_recorded(db, "counter", "1");
    expect_recorded(db, "needy", "1");
    PQfinish(db);
    free(conninfo);

    conninfo = rp_test_create_db("rp_contract_requires_recorded");
    db = rp_test_connect(conninfo);
    run_once(conninfo, SO("counter"));
    run_once(conninfo, SO("needy"));
    expect_recorded(db, "needy", "1");
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_step_is_applied_once_and_a_new_release_applies_only_its_new_step),
        cmocka_unit_test(steps_run_in_their_own_transactions_and_a_failing_one_is_not_recorded),
        cmocka_unit_test(a_required_plugin_must_be_loaded_or_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
