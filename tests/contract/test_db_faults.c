/*
 * test_db_faults.c - PostgreSQL failures the broker must survive, against a
 * private cluster this test crashes on purpose (scripts/pg.sh crash: an
 * immediate stop, as after a power cut or an OOM kill, then a start):
 *   - a pipeline flush on a session that died idle in a transaction returns
 *     an error and leaves the connection marked broken (libpq alone keeps
 *     returning NULL with CONNECTION_OK; the old loop spun forever);
 *   - a plugin worker crashed in the middle of its transaction rolls back,
 *     reconnects and applies the event exactly once, with no dead letter;
 *   - the watchdog flags a worker that is silent inside a transaction for
 *     longer than worker_stall_ms (/metrics, the log) and clears it after.
 * Waits are on conditions with generous bounds; nothing depends on speed.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "rp_test.h"
#include "txn_effects.h"

#define COUNTER "--plugins=" CONTRACT_PLUGIN_DIR "/counter.so"
#define WAIT_MS 180000

static char cluster_dir[] = "/tmp/rapport-dbfaults.XXXXXX";
static char cluster_port[16];

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs scripts/pg.sh VERB on this test's cluster; returns its conninfo. */
static char *pg_script(const char *verb)
{
    char command[1024];
    snprintf(command, sizeof command, "RAPPORT_PG_PORT=%s %s/pg.sh %s %s", cluster_port,
             RAPPORT_SCRIPTS_DIR, verb, cluster_dir);
    int code = -1;
    char *out = rp_test_command(command, &code);
    if (code != 0)
        rp_test_fail("`%s` failed (exit %d): %s", command, code, out ? out : "");
    char *nl = out ? strchr(out, '\n') : NULL;
    if (nl)
        *nl = '\0';
    return out;
}

static int start_cluster(void **state)
{
    (void)state;
    if (!mkdtemp(cluster_dir))
        return -1;
    snprintf(cluster_port, sizeof cluster_port, "%d", 55000 + (int)(getpid() % 900));
    char command[512];
    snprintf(command, sizeof command, "chmod 755 %s", cluster_dir);
    if (system(command) != 0)
        return -1;
    char *conninfo = pg_script("start");
    /* Every rp_test helper (databases, daemons) now uses the private cluster. */
    setenv("RAPPORT_TEST_DATABASE", conninfo, 1);
    free(conninfo);
    return 0;
}

static int stop_cluster(void **state)
{
    (void)state;
    free(pg_script("stop"));
    char command[512];
    snprintf(command, sizeof command, "rm -rf %s", cluster_dir);
    return system(command) == 0 ? 0 : -1;
}

static void crash_cluster(void)
{
    free(pg_script("crash"));
}

/* A flush must come back, even from a pipeline libpq never finishes. */
static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "FAIL: rp_fx_flush_deferred did not return within 60 s\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
        _exit(2);
    _exit(1);
}

static void pipeline_flush_after_crash_returns(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_dbfaults_pipeline");
    char err[512] = "";
    PGconn *db = rp_db_connect(conninfo, "test", err, sizeof err);
    assert_non_null(db);
    assert_true(rp_db_run(db, "BEGIN", err, sizeof err));
    assert_true(rp_db_run(db, "SELECT 1", err, sizeof err));
    crash_cluster();                      /* the session dies idle in its transaction */

    rp_txn_effects fx = {0};
    const char *param[] = {"1"};
    for (int i = 0; i < 3; i++)
        assert_true(rp_fx_defer(&fx, "SELECT $1::int", 1, param));
    signal(SIGALRM, on_alarm);
    alarm(60);
    bool ok = rp_fx_flush_deferred(&fx, db, err, sizeof err);
    alarm(0);
    assert_false(ok);
    assert_true(err[0] != '\0');
    assert_true(rp_db_broken(db));        /* so the caller replaces it */
    rp_fx_free(&fx);
    PQfinish(db);
    free(conninfo);
}

/* Waits until the counter worker sits idle inside its transaction (sleeping
 * in on_events, BEGIN sent, deferred writes not yet flushed). */
static void wait_worker_in_transaction(PGconn *db)
{
    const char *sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rapportd/counter' "
                      "AND state = 'idle in transaction'";
    rp_test_wait_sql_int(db, sql, 1, WAIT_MS);
}

/* Reconnects until the cluster answers again (it restarts in the background
 * of the test's own connection too). */
static PGconn *reconnect(const char *conninfo)
{
    for (int waited = 0; waited < WAIT_MS; waited += 200) {
        PGconn *db = PQconnectdb(conninfo);
        if (PQstatus(db) == CONNECTION_OK)
            return db;
        PQfinish(db);
        pause_ms(200);
    }
    rp_test_fail("the private cluster did not come back");
}

static void worker_crashed_mid_transaction_recovers(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_dbfaults_worker");
    const char *args[] = {COUNTER, "--plugin.counter.sleep_ms=4000", "--db_backoff_max_ms=500", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    rp_test_publish_contacts(d, 1, 1);
    wait_worker_in_transaction(db);
    PQfinish(db);
    crash_cluster();
    db = reconnect(conninfo);
    /* The worker rolls back, reconnects, and handles the event again: once. */
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'", 1, WAIT_MS);
    rp_test_wait_idle(db, WAIT_MS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'counter.seen'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

static double stuck_gauge(const rp_test_daemon *d)
{
    char *metrics = rp_test_metrics(d);
    double v = rp_test_metric_sum(metrics, "rapport_worker_stuck{plugin=\"counter\"}");
    free(metrics);
    return v;
}

static void wait_stuck_gauge(const rp_test_daemon *d, double want)
{
    for (int waited = 0; waited < WAIT_MS; waited += 100) {
        if (stuck_gauge(d) == want)
            return;
        pause_ms(100);
    }
    rp_test_fail("rapport_worker_stuck{plugin=\"counter\"} never became %g", want);
}

static void watchdog_flags_a_silent_worker(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_dbfaults_watchdog");
    /* The plugin sleeps 8 s inside its transaction; silence over 1 s is stuck. */
    const char *args[] = {COUNTER, "--plugin.counter.sleep_ms=8000", "--worker_stall_ms=1000", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    assert_true(stuck_gauge(d) == 0);
    rp_test_publish_contacts(d, 1, 1);
    wait_stuck_gauge(d, 1);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'", 1, WAIT_MS);
    wait_stuck_gauge(d, 0);
    char *metrics = rp_test_metrics(d);
    assert_true(rp_test_metric_sum(metrics, "rapport_worker_stalls_total{plugin=\"counter\"}") >= 1);
    free(metrics);
    int code = -1;
    char command[512];
    snprintf(command, sizeof command, "grep -c 'worker stuck' %s", d->log_path);
    free(rp_test_command(command, &code));
    assert_int_equal(code, 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pipeline_flush_after_crash_returns),
        cmocka_unit_test(worker_crashed_mid_transaction_recovers),
        cmocka_unit_test(watchdog_flags_a_silent_worker),
    };
    return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
