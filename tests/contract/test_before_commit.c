/*
 * test_before_commit.c - rp_plugin.before_commit and
 * rp_host_api.txn_seq, against a real rapportd, PostgreSQL and the contract
 * plugin counter_span.so (tests/contract/plugins/counter.c), which logs one
 * 'commit' row from before_commit with the transaction's txn_seq.
 *
 * Also: a dead-lettered timer of a plugin that takes timers through
 * on_timers is retried through on_timers (it used to be marked retried
 * without being handled).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rp_test.h"

#define COUNTER_SPAN "--plugins=" CONTRACT_PLUGIN_DIR "/counter_span.so"

/* Every transaction with calls has exactly one 'commit' row, written after
 * all rows of its calls. Timers fire in a later transaction than the events
 * that armed them, so there are at least two. */
static void before_commit_runs_once_per_transaction_after_its_calls(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_before_commit_once");
    const char *args[] = {COUNTER_SPAN, NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    rp_test_publish_contacts(d, 1, 300);
    rp_test_wait_idle(db, 60000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer'", 300 / 7, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"), 300);
    assert_true(rp_test_sql_int(db, "SELECT count(DISTINCT txn) FROM counter_log WHERE kind <> 'commit'") >= 2);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM (SELECT txn FROM counter_log GROUP BY txn"
        " HAVING count(*) FILTER (WHERE kind = 'commit') <> 1) x"), 0);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM counter_log c JOIN counter_log l ON l.txn = c.txn"
        " WHERE c.kind = 'commit' AND l.kind <> 'commit' AND l.n > c.n"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* A before_commit that fails, or that tries to emit, fails its transaction;
 * the host isolates the item and dead-letters it with the message. A timer
 * failing in on_timers is dead-lettered too. Once the cause is gone,
 * `rapportctl dead-letters retry` applies all three, the timer through
 * on_timers. */
static void failures_at_commit_and_in_on_timers_are_dead_lettered_and_retried(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_before_commit_fail");
    const char *args[] = {COUNTER_SPAN, "--max_tries=2", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    free(rp_test_sql(db, "UPDATE counter_switch SET fail = true"));
    char *reply = rp_test_publish_json(d,
        "[{\"id\":\"fc\",\"type\":\"contact\",\"ts\":1,\"customer\":\"c1\","
        "  \"data\":{\"channel\":\"sms\",\"fail_commit\":true}},"
        " {\"id\":\"ec\",\"type\":\"contact\",\"ts\":2,\"customer\":\"c2\","
        "  \"data\":{\"channel\":\"sms\",\"emit_at_commit\":true}},"
        " {\"id\":\"P1\",\"type\":\"contact\",\"ts\":3,\"customer\":\"c3\","
        "  \"data\":{\"channel\":\"sms\",\"timer_in_ms\":0}},"
        " {\"id\":\"ok\",\"type\":\"contact\",\"ts\":4,\"customer\":\"c4\",\"data\":{\"channel\":\"sms\"}}]");
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM dead_letters WHERE status = 'dead'", 3, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters WHERE event_id = 'fc'"
                                         " AND error LIKE 'commit refused in transaction%'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters WHERE event_id = 'ec'"
                                         " AND error LIKE 'emit: not allowed in before_commit%'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters WHERE kind = 'timer'"
                                         " AND timer_key = 't:P1' AND error LIKE 'poisoned timer t:P1%'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'event'"
                                         " AND id IN ('ok', 'P1')"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE id IN ('fc', 'ec', 't:P1')"), 0);
    free(rp_test_sql(db, "UPDATE counter_switch SET fail = false"));
    int rc;
    free(rp_test_rapportctl(conninfo, "dead-letters retry --all --plugin=counter_span", &rc));
    assert_int_equal(rc, 0);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM dead_letters WHERE status = 'retried'", 3, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE id IN ('fc', 'ec')"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM counter_log WHERE kind = 'timer' AND id = 't:P1'"), 1);
    /* each retry is a transaction of its own, with its commit row */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM (SELECT txn FROM counter_log GROUP BY txn"
        " HAVING count(*) FILTER (WHERE kind = 'commit') <> 1) x"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(before_commit_runs_once_per_transaction_after_its_calls),
        cmocka_unit_test(failures_at_commit_and_in_on_timers_are_dead_lettered_and_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
