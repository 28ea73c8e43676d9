/*
 * test_limits.c - the limits that bound what plugins and replay clients can
 * make the broker do: derived-event size, derived events per transaction,
 * events per replay reply. Each is hit on purpose against a real rapportd.
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

#define TWO_CUSTOMERS \
    "[{\"id\":\"a\",\"type\":\"contact\",\"ts\":1,\"customer\":\"c1\",\"data\":{\"channel\":\"sms\"}}," \
    " {\"id\":\"b\",\"type\":\"contact\",\"ts\":2,\"customer\":\"c2\",\"data\":{\"channel\":\"sms\"}}]"

static void publish(const rp_test_daemon *d, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
}

static void oversized_derived_event_is_dead_lettered_naming_the_limit(void **state)
{
    char *conninfo = rp_test_create_db("rp_limits_emit_size");
    const char *args[] = {"--plugins=example", "--max_tries=1", "--limits.emit_max_bytes=16", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    publish(d, TWO_CUSTOMERS);
    rp_test_wait_idle(db, 30000);
    /* example.first_seen for a contact carries {"first_type":"contact"}: 20 bytes. */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters WHERE plugin = 'example' AND error = "
                                         "'emit example.first_seen: data of 20 bytes exceeds limits.emit_max_bytes=16'"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'example.first_seen'"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

static void emits_per_transaction_are_capped_without_losing_any(void **state)
{
    char *conninfo = rp_test_create_db("rp_limits_emit_count");
    const char *args[] = {"--plugins=example", "--limits.max_emits_per_txn=1", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    publish(d, TWO_CUSTOMERS);
    rp_test_wait_idle(db, 30000);
    /* The two-emit transaction fails, then each event commits on its own. */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'example.first_seen'"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

static void replay_replies_are_capped(void **state)
{
    char *conninfo = rp_test_create_db("rp_limits_replay");
    const char *args[] = {"--plugins=example", "--limits.replay_max_events=1", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    publish(d, TWO_CUSTOMERS);
    rp_test_wait_idle(db, 30000);
    char *page = rp_test_replay_json(d, 1, 10);
    assert_non_null(page);
    assert_non_null(strstr(page, "\"head\":2"));
    assert_non_null(strstr(page, "\"next\":2"));
    assert_non_null(strstr(page, "\"seq\":1,"));
    assert_null(strstr(page, "\"seq\":2,"));
    free(page);
    page = rp_test_replay_json(d, 3, 10);
    assert_non_null(strstr(page, "{\"events\":[],\"head\":2,\"next\":3}"));
    free(page);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oversized_derived_event_is_dead_lettered_naming_the_limit),
        cmocka_unit_test(emits_per_transaction_are_capped_without_losing_any),
        cmocka_unit_test(replay_replies_are_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
