/*
 * test_guarantees.c - the processing guarantees, each proven against a real
 * rapportd, PostgreSQL and purpose-built plugins:
 *   exactly-once effects and per-partition order across SIGKILL at random
 *   moments; gapless derived-event sequence; durable timers firing exactly
 *   once in event time; dead letters that do not stop other plugins and can
 *   be retried; SIGTERM drains and exits 0; a slow plugin does not hold back
 *   ingestion or the other plugins.
 * Every test event is numbered and accounted for.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "partition.h"
#include "rp_test.h"

#define COUNTER "--plugins=" CONTRACT_PLUGIN_DIR "/counter.so,example"

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void exactly_once_and_ordered_across_crashes(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_crash");
    const char *args[] = {COUNTER, "--clock=event", "--plugin.counter.sleep_ms=3",
                          "--limits.plugin_batch_events=50", NULL};
    PGconn *db = rp_test_connect(conninfo);
    const int total = 3000;
    srand(7);
    for (int round = 0; round < 3; round++) {
        rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
        rp_test_publish_contacts(d, round * 1000 + 1, (round + 1) * 1000);
        pause_ms(50 + rand() % 300);   /* workers are mid-way through their backlog */
        rp_test_daemon_stop(d, SIGKILL);
    }
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    rp_test_publish_contacts(d, 1, total);        /* republish everything: all duplicates now */
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM events"), total);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"), total);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT id) FROM counter_log WHERE kind = 'event'"), total);
    /* Within each partition, events were handled in acceptance order. */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM (SELECT pos, lag(pos) OVER (PARTITION BY partition ORDER BY n) AS prev "
        "FROM counter_log WHERE kind = 'event') x WHERE prev >= pos"), 0);
    /* Derived events: exactly one counter.seen per event, seq gapless from 1. */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'counter.seen'"), total);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox"), rp_test_sql_int(db, "SELECT max(seq) FROM outbox"));
    assert_int_equal(rp_test_sql_int(db, "SELECT min(seq) FROM outbox"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT seq FROM outbox_head"), rp_test_sql_int(db, "SELECT max(seq) FROM outbox"));
    /* Timers due before the watermark fired exactly once; later ones wait. */
    int64_t watermark = rp_test_sql_int(db, "SELECT max_ts_ms FROM ingest_head");
    int64_t due = 0;
    for (int i = 7; i <= total; i += 7)
        due += 1700000000000LL + (long long)i * 60000 + 3600000 <= watermark;
    for (int waited = 0; waited < 10000 && rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'") < due; waited += 100)
        pause_ms(100);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'"), due);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT id) FROM counter_log WHERE kind = 'timer'"), due);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'counter'"), total / 7 - due);
    /* The example plugin saw everything too. */
    assert_int_equal(rp_test_sql_int(db, "SELECT sum(count) FROM example_counts"), total);
    char *replay = rp_test_replay_json(d, 1, 5);
    assert_non_null(replay);
    assert_non_null(strstr(replay, "\"next\":6"));
    assert_non_null(strstr(replay, "\"seq\":1,"));
    free(replay);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* RP_PLUGIN_RUNS_SPAN_PARTITIONS, wall clock: counter_span gets runs that
 * mix partitions (fewer calls), counter never does; both see every event
 * once and each partition's events in acceptance order. Event time keeps
 * runs per partition even for counter_span (each partition has its clock). */
static void runs_span_partitions_only_when_the_plugin_says_so(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_runs_span");
    PGconn *db = rp_test_connect(conninfo);
    const char *wall[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/counter.so," CONTRACT_PLUGIN_DIR "/counter_span.so",
                          NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, wall);
    rp_test_publish_contacts(d, 1, 1000);   /* batches of 100 events of 40 customers: many partitions each */
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    const char *mixed_calls =
        "SELECT count(*) FROM (SELECT call FROM counter_log WHERE kind = 'event' AND plugin = '%s' "
        "GROUP BY call HAVING count(DISTINCT partition) > 1) x";
    char sql[512];
    snprintf(sql, sizeof sql, mixed_calls, "counter_span");
    assert_true(rp_test_sql_int(db, sql) > 0);
    snprintf(sql, sizeof sql, mixed_calls, "counter");
    assert_int_equal(rp_test_sql_int(db, sql), 0);
    for (int i = 0; i < 2; i++) {
        const char *plugin = i ? "counter_span" : "counter";
        snprintf(sql, sizeof sql, "SELECT count(DISTINCT id) FROM counter_log WHERE kind = 'event' AND plugin = '%s'",
                 plugin);
        assert_int_equal(rp_test_sql_int(db, sql), 1000);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM counter_log WHERE kind = 'event' AND plugin = '%s'", plugin);
        assert_int_equal(rp_test_sql_int(db, sql), 1000);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT pos, lag(pos) OVER (PARTITION BY partition ORDER BY n) AS prev "
                 "FROM counter_log WHERE kind = 'event' AND plugin = '%s') x WHERE prev >= pos", plugin);
        assert_int_equal(rp_test_sql_int(db, sql), 0);
    }
    /* Timers (every 7th event sets one, due long ago): counter_span takes
     * several partitions' in one on_timers call; counter one partition's
     * per call. Both fire each exactly once. */
    const char *timer_calls =
        "SELECT count(*) FROM (SELECT call FROM counter_log WHERE kind = 'timer' AND plugin = '%s' "
        "GROUP BY call HAVING count(DISTINCT partition) > 1) x";
    snprintf(sql, sizeof sql, timer_calls, "counter_span");
    assert_true(rp_test_sql_int(db, sql) > 0);
    snprintf(sql, sizeof sql, timer_calls, "counter");
    assert_int_equal(rp_test_sql_int(db, sql), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer' "
                                         "AND plugin = 'counter_span'"), 1000 / 7);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT id) FROM counter_log WHERE kind = 'timer' "
                                         "AND plugin = 'counter_span'"), 1000 / 7);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer' "
                                         "AND plugin = 'counter'"), 1000 / 7);
    /* Event time: per-partition runs for both. */
    rp_test_sql_int(db, "WITH gone AS (DELETE FROM counter_log RETURNING 1) SELECT count(*) FROM gone");
    const char *event_time[] = {wall[0], "--clock=event", NULL};
    d = rp_test_daemon_start(conninfo, event_time);
    rp_test_publish_contacts(d, 1001, 2000);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    snprintf(sql, sizeof sql, mixed_calls, "counter_span");
    assert_int_equal(rp_test_sql_int(db, sql), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"), 2 * 1000);
    /* A run never holds one customer at two times (a timer armed in between
     * must fire first), but other customers' later events share it. */
    const char *event_runs =
        "SELECT count(*) FROM (SELECT l.call FROM counter_log l JOIN events e ON e.id = l.id"
        " WHERE l.kind = 'event' AND l.plugin = 'counter' GROUP BY l.call%s"
        " HAVING count(DISTINCT e.ts_ms) > 1) x";
    snprintf(sql, sizeof sql, event_runs, ", e.customer");
    assert_int_equal(rp_test_sql_int(db, sql), 0);
    snprintf(sql, sizeof sql, event_runs, "");
    assert_true(rp_test_sql_int(db, sql) > 0);
    /* ... and timer calls of one due time: the same timers fire for both */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM (SELECT call FROM counter_log WHERE kind = 'timer' "
                                         "AND plugin = 'counter_span' GROUP BY call "
                                         "HAVING count(DISTINCT pos) > 1) x"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM ((SELECT id FROM counter_log WHERE kind = 'timer' "
                                         "AND plugin = 'counter') EXCEPT ALL (SELECT id FROM counter_log "
                                         "WHERE kind = 'timer' AND plugin = 'counter_span')) x"), 0);
    PQfinish(db);
    free(conninfo);
}

/* Runs `rapportctl ARGS --database=CONNINFO` and returns its output
 * (malloc'd); fails the test when it exits non-zero. */
static char *run_rapportctl(const char *conninfo, const char *args)
{
    int rc;
    char *out = rp_test_rapportctl(conninfo, args, &rc);
    if (rc != 0)
        fail_msg("rapportctl %s exited with %d:\n%s", args, rc, out);
    return out;
}

static void poisoned_event_is_dead_lettered_and_retried(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_dead");
    const char *args[] = {COUNTER, "--max_tries=2", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    free(rp_test_sql(db, "UPDATE counter_switch SET fail = true"));
    char *reply = rp_test_publish_json(d,
        "[{\"id\":\"ok1\",\"type\":\"contact\",\"ts\":1,\"customer\":\"c1\",\"data\":{\"channel\":\"sms\"}},"
        " {\"id\":\"bad\",\"type\":\"contact\",\"ts\":2,\"customer\":\"c1\",\"data\":{\"channel\":\"sms\",\"poison\":true}},"
        " {\"id\":\"ok2\",\"type\":\"contact\",\"ts\":3,\"customer\":\"c1\",\"data\":{\"channel\":\"sms\"}}]");
    assert_non_null(reply);
    free(reply);
    rp_test_wait_idle(db, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters WHERE plugin = 'counter' "
                                         "AND event_id = 'bad' AND status = 'dead' AND tries = 2 "
                                         "AND error LIKE 'poisoned event bad%'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'plugin.dead_letter' "
                                         "AND cause = 'bad' AND plugin = 'counter'"), 1);
    /* Other plugins are unaffected. */
    assert_int_equal(rp_test_sql_int(db, "SELECT sum(count) FROM example_counts"), 3);
    /* The operator sees it with rapportctl, fixes the cause and retries it
     * with rapportctl, while the broker runs. */
    char *listed = run_rapportctl(conninfo, "dead-letters list --plugin=counter");
    assert_non_null(strstr(listed, "bad"));
    assert_non_null(strstr(listed, "poisoned event bad"));
    free(listed);
    char *status = run_rapportctl(conninfo, "status");
    assert_non_null(strstr(status, "counter"));
    free(status);
    free(rp_test_sql(db, "UPDATE counter_switch SET fail = false"));
    char *retried = run_rapportctl(conninfo, "dead-letters retry --all --plugin=counter");
    assert_non_null(strstr(retried, "1"));
    free(retried);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM dead_letters WHERE status = 'retried'", 1, 10000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE id = 'bad'"), 1);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

static void slow_plugin_holds_back_nothing_else_and_sigterm_drains(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_slow");
    const char *args[] = {COUNTER, "--plugin.counter.sleep_ms=1500", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    rp_test_publish_contacts(d, 1, 300);
    /* The example plugin catches up while the counter plugin is still asleep. */
    int waited = 0;
    while (rp_test_sql_int(db, "SELECT coalesce(sum(count), 0) FROM example_counts") < 300 && waited < 5000) {
        pause_ms(20);
        waited += 20;
    }
    assert_int_equal(rp_test_sql_int(db, "SELECT sum(count) FROM example_counts"), 300);
    assert_true(rp_test_sql_int(db, "SELECT count(*) FROM counter_log") < 300);
    /* /metrics shows the lag where it is: the counter plugin behind, the
     * example plugin at zero in every partition. */
    char *metrics = rp_test_metrics(d);
    double counter_lag = rp_test_metric_sum(metrics, "rapport_plugin_lag_events{plugin=\"counter\"");
    assert_true(counter_lag > 0 && counter_lag <= 300);
    assert_true(rp_test_metric_sum(metrics, "rapport_plugin_lag_events{plugin=\"example\"") == 0);
    assert_true(rp_test_metric_sum(metrics, "rapport_events_total{outcome=\"accepted\"") == 300);
    free(metrics);
    /* SIGTERM: the slow transaction finishes and commits; exit status 0. */
    int status = rp_test_daemon_stop(d, SIGTERM);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int64_t logged = rp_test_sql_int(db, "SELECT count(*) FROM counter_log");
    int64_t progressed = rp_test_sql_int(db,
        "SELECT count(*) FROM events e JOIN plugin_progress p ON p.plugin = 'counter' "
        "AND p.partition = e.partition AND e.pos <= p.pos");
    assert_int_equal(logged, progressed);   /* effects and progress committed together */
    PQfinish(db);
    free(conninfo);
}

/* An operator starts a second rapportd on the same database by mistake:
 * both take events, but each plugin is served by one of them at a time
 * (advisory lock) and progress is written compare-and-set, so every event's
 * effects still happen exactly once. */
static void two_brokers_on_one_database_apply_each_event_once(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_two");
    const char *args[] = {COUNTER, "--limits.plugin_batch_events=20", NULL};
    rp_test_daemon *first = rp_test_daemon_start(conninfo, args);
    rp_test_daemon *second = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    rp_test_publish_contacts(first, 1, 300);
    rp_test_publish_contacts(second, 301, 600);
    rp_test_wait_idle(db, 60000);
    /* The one holding the plugins goes away; the other takes over. */
    assert_int_equal(rp_test_daemon_stop(first, SIGKILL) != 0, 1);
    rp_test_publish_contacts(second, 601, 700);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"), 700);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(DISTINCT id) FROM counter_log WHERE kind = 'event'"), 700);
    assert_int_equal(rp_test_sql_int(db, "SELECT sum(count) FROM example_counts"), 700);
    assert_int_equal(rp_test_daemon_stop(second, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* A timer that re-arms itself keeps its borrowed view and scope valid for
 * the rest of its callback, and fires again at the new time (regression: the
 * re-arm used to free the strings the callback was still reading). */
static void timer_rearming_itself_keeps_its_view(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_rearm");
    const char *args[] = {COUNTER, "--clock=event", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    char *reply = rp_test_publish_json(d,
        "[{\"id\":\"R1\",\"type\":\"contact\",\"ts\":1700000000000,\"customer\":\"c01\","
        "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":60000}},"
        "{\"id\":\"x2\",\"type\":\"contact\",\"ts\":1700000120000,\"customer\":\"c01\","
        "\"data\":{\"channel\":\"phone\"}},"
        "{\"id\":\"x3\",\"type\":\"contact\",\"ts\":1700007200000,\"customer\":\"c01\","
        "\"data\":{\"channel\":\"phone\"}}]");
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    rp_test_wait_idle(db, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer' AND id = 't:R1'"), 2);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM outbox WHERE type = 'counter.rearmed' AND customer = 'c01'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* Event time: a timer armed while handling one event fires before a later
 * event of the same partition even when both arrive in one batch (the run
 * is cut where the event clock moves forward; regression: it used to fire
 * after the whole run). */
static void event_time_timer_fires_between_events_of_one_batch(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_between");
    const char *args[] = {COUNTER, "--clock=event", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    char *reply = rp_test_publish_json(d,
        "[{\"id\":\"a1\",\"type\":\"contact\",\"ts\":1700000000000,\"customer\":\"c07\","
        "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":60000}},"
        "{\"id\":\"a2\",\"type\":\"contact\",\"ts\":1700000000000,\"customer\":\"c07\","
        "\"data\":{\"channel\":\"phone\"}},"
        "{\"id\":\"b1\",\"type\":\"contact\",\"ts\":1700000120000,\"customer\":\"c07\","
        "\"data\":{\"channel\":\"phone\"}}]");
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    rp_test_wait_idle(db, 30000);
    char *order = rp_test_sql(db, "SELECT string_agg(id, ',' ORDER BY n) FROM counter_log");
    assert_string_equal(order, "a1,a2,t:a1,b1");
    free(order);
    /* events of one timestamp still share a run */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(DISTINCT call) FROM counter_log WHERE id IN ('a1', 'a2')"), 1);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* Publishes a JSON batch that must be accepted whole. */
static void publish_accepted(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    assert_null(strstr(reply, "retry"));
    free(reply);
}

/* The ids counter logged (events and timers), in the order it handled them. */
static void expect_handling_order(PGconn *db, const char *where, const char *want)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT string_agg(id, ',' ORDER BY n) FROM counter_log WHERE %s", where);
    char *order = rp_test_sql(db, sql);
    assert_string_equal(order, want);
    free(order);
}

/* A transaction that begins with an event the plugin does not subscribe to
 * (counter ignores suggestions) still fires a timer due between that event
 * and the plugin's next event before the latter: the survey plugin handled a
 * complaint's resolution before its resolution clock ran out when a refund
 * it ignores opened the batch. */
static void timer_due_after_an_unsubscribed_event_fires_first(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_unsubscribed");
    const char *args[] = {COUNTER, "--clock=event", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    publish_accepted(d,
        "[{\"id\":\"a\",\"type\":\"contact\",\"ts\":1700000000000,\"customer\":\"c07\","
        "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":3600000}}]");
    rp_test_wait_idle(db, 30000);
    /* The next batch opens with an ignored suggestion before the timer's
     * due time; the plugin's next event comes after it. */
    publish_accepted(d,
        "[{\"id\":\"s\",\"type\":\"suggestion\",\"ts\":1700001800000,\"customer\":\"c07\","
        "\"data\":{\"text\":\"more colours\"}},"
        "{\"id\":\"b\",\"type\":\"contact\",\"ts\":1700007200000,\"customer\":\"c07\","
        "\"data\":{\"channel\":\"phone\"}}]");
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 1, 30000);
    rp_test_wait_idle(db, 30000);
    expect_handling_order(db, "kind IN ('event', 'timer')", "a,t:a,b");
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* Events committed while a transaction runs are not in its batch: a timer
 * the transaction arms must not fire past them on the watermark they moved
 * (the survey plugin escalated a complaint whose reply arrived meanwhile). */
static void timer_waits_for_events_committed_during_the_transaction(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_meanwhile");
    const char *args[] = {COUNTER, "--clock=event", "--plugin.counter.sleep_ms=3000", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    publish_accepted(d,
        "[{\"id\":\"a\",\"type\":\"contact\",\"ts\":1700000000000,\"customer\":\"c07\","
        "\"data\":{\"channel\":\"phone\",\"timer_in_ms\":3600000}}]");
    /* The worker sleeps in on_events with a in hand; b (before a's timer)
     * and c (after it, moving the watermark past it) are committed now. */
    rp_test_wait_sql_int(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rapportd/counter' "
                             "AND state = 'idle in transaction'", 1, 60000);
    publish_accepted(d,
        "[{\"id\":\"b\",\"type\":\"contact\",\"ts\":1700001800000,\"customer\":\"c07\","
        "\"data\":{\"channel\":\"phone\"}},"
        "{\"id\":\"c\",\"type\":\"contact\",\"ts\":1700007200000,\"customer\":\"c08\","
        "\"data\":{\"channel\":\"phone\"}}]");
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 1, 60000);
    rp_test_wait_idle(db, 60000);
    expect_handling_order(db, "id IN ('a', 'b', 't:a')", "a,b,t:a");
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* More timers are due than one fetch loads (limits.plugin_batch_events):
 * every one of them still fires before its customer's later event, also in
 * a partition handled before the partitions whose timers were loaded. */
/* Customer cNN's timer: an hour and NN seconds later, plus ten minutes in
 * partition 0, the partition dispatched first: its timers are the latest
 * due, so a fetch of 16 earliest timers leaves them all in the table. */
static const char *timer_field(int i)
{
    static char field[64];
    char customer[8];
    snprintf(customer, sizeof customer, "c%02d", i);
    bool first = rp_partition_of("default", 7, customer, strlen(customer), 4) == 0;
    snprintf(field, sizeof field, ",\"timer_in_ms\":%d", 3600000 + i * 1000 + (first ? 600000 : 0));
    return field;
}

static void publish_one_per_customer(const rp_test_daemon *d, char prefix, long long ts, bool timer)
{
    char json[16384];
    size_t used = (size_t)snprintf(json, sizeof json, "[");
    for (int i = 0; i < 50; i++)
        used += (size_t)snprintf(json + used, sizeof json - used,
                                 "%s{\"id\":\"%c%02d\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c%02d\","
                                 "\"data\":{\"channel\":\"phone\"%s}}",
                                 i ? "," : "", prefix, i, ts, i, timer ? timer_field(i) : "");
    snprintf(json + used, sizeof json - used, "]");
    publish_accepted(d, json);
}

static void timers_beyond_one_fetch_fire_before_later_events(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_guarantee_timer_backlog");
    const char *args[] = {COUNTER, "--clock=event", "--partitions=4", "--limits.plugin_batch_events=16", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    /* 50 customers, one event each at T0 arming a timer for T0 + 1 h. */
    publish_one_per_customer(d, 'a', 1700000000000LL, true);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'counter'"), 50);
    /* Each customer's next event two hours later, ingested while counter is
     * not loaded: counter's first round then sees them with all 50 timers
     * due, more than one fetch of 16 loads. */
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    const char *ingest_only[] = {"--plugins=example", "--clock=event", "--partitions=4", NULL};
    d = rp_test_daemon_start(conninfo, ingest_only);
    publish_one_per_customer(d, 'z', 1700007200000LL, false);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    d = rp_test_daemon_start(conninfo, args);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 50, 60000);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"), 100);
    /* Every customer's timer (t:aNN) was handled before its event zNN. */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM counter_log t JOIN counter_log e ON e.id = 'z' || substr(t.id, 4) "
        "WHERE t.kind = 'timer' AND e.kind = 'event' AND t.n > e.n"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exactly_once_and_ordered_across_crashes),
        cmocka_unit_test(poisoned_event_is_dead_lettered_and_retried),
        cmocka_unit_test(slow_plugin_holds_back_nothing_else_and_sigterm_drains),
        cmocka_unit_test(two_brokers_on_one_database_apply_each_event_once),
        cmocka_unit_test(timer_rearming_itself_keeps_its_view),
        cmocka_unit_test(event_time_timer_fires_between_events_of_one_batch),
        cmocka_unit_test(timers_beyond_one_fetch_fire_before_later_events),
        cmocka_unit_test(timer_due_after_an_unsubscribed_event_fires_first),
        cmocka_unit_test(timer_waits_for_events_committed_during_the_transaction),
        cmocka_unit_test(runs_span_partitions_only_when_the_plugin_says_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
