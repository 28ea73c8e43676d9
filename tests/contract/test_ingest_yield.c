/*
 * test_ingest_yield.c - plugin workers step aside while ingest is busy, for a
 * bounded time only (core/src/ingest_yield.h), against a real rapportd,
 * PostgreSQL and the example plugin.
 *
 * The committer is made slow on purpose: a statement trigger on `events`
 * sleeps in every ingest transaction (100 ms), so a publisher sending one
 * small batch after another keeps the committer busy most of the time,
 * however fast or loaded the machine. With 20 ms per commit and 150 ms between
 * batches, no sample of the committer's load (100 ms at least) can reach the
 * busy share of one half.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "rp_test.h"

#define BATCH 5

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void slow_down_ingest(PGconn *db, int commit_ms)
{
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE FUNCTION slow_ingest() RETURNS trigger LANGUAGE plpgsql AS "
                              "$$ BEGIN PERFORM pg_sleep(%d / 1000.0); RETURN NULL; END $$", commit_ms);
    free(rp_test_sql(db, sql));
    free(rp_test_sql(db, "CREATE TRIGGER slow_ingest BEFORE INSERT ON events "
                         "FOR EACH STATEMENT EXECUTE FUNCTION slow_ingest()"));
}

/* rapport_plugin_yield_seconds_total of the example plugin (0 when it
 * never paused, so has no sample yet). */
static double yield_seconds(const rp_test_daemon *d)
{
    char *text = rp_test_metrics(d);
    double seconds = rp_test_metric_sum(text, "rapport_plugin_yield_seconds_total{plugin=\"example\"");
    free(text);
    return seconds;
}

static int64_t processed(PGconn *db)
{
    return rp_test_sql_int(db, "SELECT coalesce(sum(count), 0) FROM example_counts");
}

static rp_test_daemon *start(const char *dbname, const char *yield_ms, int commit_ms, char **conninfo,
                             PGconn **db)
{
    *conninfo = rp_test_create_db(dbname);
    const char *args[] = {"--plugins=example", yield_ms, NULL};
    rp_test_daemon *d = rp_test_daemon_start(*conninfo, args);
    *db = rp_test_connect(*conninfo);
    slow_down_ingest(*db, commit_ms);
    return d;
}

static void stop(rp_test_daemon *d, PGconn *db, char *conninfo, int64_t events)
{
    rp_test_wait_idle(db, 60000);
    assert_int_equal(processed(db), events);
    rp_test_daemon_stop(d, SIGTERM);
    PQfinish(db);
    free(conninfo);
}

/* Back-to-back batches: the worker pauses (the metric grows), yet keeps
 * working during the flood, because no pause lasts over plugin_yield_ms. */
static void workers_pause_for_a_busy_ingest_but_not_for_long(void **state)
{
    (void)state;
    char *conninfo;
    PGconn *db;
    rp_test_daemon *d = start("rp_yield_flood", "--plugin_yield_ms=300", 100, &conninfo, &db);
    int64_t after_first_second = -1;
    int batches = 40;   /* at least 4 s: 100 ms of sleep in each commit */
    for (int i = 0; i < batches; i++) {
        rp_test_publish_contacts(d, i * BATCH + 1, i * BATCH + BATCH);
        if (i == 10)
            after_first_second = processed(db);
    }
    int64_t at_flood_end = processed(db);
    double paused = yield_seconds(d);
    assert_true(paused > 0.2);
    /* Work went on while the flood lasted: several pauses of at most 300 ms
     * fit in the three seconds between the two readings. */
    assert_true(at_flood_end > after_first_second);
    stop(d, db, conninfo, (int64_t)batches * BATCH);
}

/* The same batches with idle time between them: ingest is never busy, so
 * the worker never waits. */
static void sparse_traffic_never_makes_workers_wait(void **state)
{
    (void)state;
    char *conninfo;
    PGconn *db;
    rp_test_daemon *d = start("rp_yield_sparse", "--plugin_yield_ms=300", 20, &conninfo, &db);
    int batches = 20;
    for (int i = 0; i < batches; i++) {
        rp_test_publish_contacts(d, i * BATCH + 1, i * BATCH + BATCH);
        pause_ms(150);
    }
    assert_true(yield_seconds(d) == 0);
    stop(d, db, conninfo, (int64_t)batches * BATCH);
}

/* plugin_yield_ms = 0 turns pausing off, however busy ingest is. */
static void zero_turns_pausing_off(void **state)
{
    (void)state;
    char *conninfo;
    PGconn *db;
    rp_test_daemon *d = start("rp_yield_off", "--plugin_yield_ms=0", 100, &conninfo, &db);
    int batches = 20;
    for (int i = 0; i < batches; i++)
        rp_test_publish_contacts(d, i * BATCH + 1, i * BATCH + BATCH);
    assert_true(yield_seconds(d) == 0);
    stop(d, db, conninfo, (int64_t)batches * BATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workers_pause_for_a_busy_ingest_but_not_for_long),
        cmocka_unit_test(sparse_traffic_never_makes_workers_wait),
        cmocka_unit_test(zero_turns_pausing_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
