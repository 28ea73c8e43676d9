/*
 * test_host_api.c - host functions a plugin reaches through rp_host_api,
 * used by a real plugin .so (tests/contract/plugins/counter.c) in a real
 * rapportd on a real PostgreSQL.
 *
 * ABI 1.4: view_iter_init / view_iter_next walk an array's items and a
 * map's keys and values in one pass. The counter plugin joins data.tags
 * (array) and data.attrs (map) with them and logs the result.
 *
 * The example plugin, the reference every plugin author copies, passes a
 * run's columns to one upsert as array literals: long keys full of quotes
 * and backslashes arrive whole (its fixed buffers used to cut them short
 * silently).
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

#define COUNTER "--plugins=" CONTRACT_PLUGIN_DIR "/counter.so"

static void note_of(PGconn *db, const char *id, const char *kind, const char *want)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT note FROM counter_log WHERE id = '%s' AND kind = '%s'", id, kind);
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s %s: note \"%s\", want \"%s\"", id, kind, got ? got : "(null)", want);
    free(got);
}

static void view_iter_walks_arrays_and_maps(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_host_api_iter");
    const char *args[] = {COUNTER, NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    char *reply = rp_test_publish_json(d,
        "[{\"id\":\"i1\",\"type\":\"contact\",\"ts\":1700000000000,\"customer\":\"c1\","
        "  \"data\":{\"channel\":\"phone\",\"tags\":[\"a\",\"bb\",\"ccc\"],\"attrs\":{\"x\":\"1\",\"y\":\"2\"}}},"
        " {\"id\":\"i2\",\"type\":\"contact\",\"ts\":1700000000001,\"customer\":\"c1\","
        "  \"data\":{\"channel\":\"phone\",\"tags\":[],\"attrs\":{}}},"
        " {\"id\":\"i3\",\"type\":\"contact\",\"ts\":1700000000002,\"customer\":\"c1\","
        "  \"data\":{\"channel\":\"phone\",\"tags\":\"not an array\",\"attrs\":[\"p\",1,\"q\"]}}]");
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    rp_test_wait_idle(db, 30000);
    note_of(db, "i1", "tags", "a|bb|ccc");
    note_of(db, "i1", "attrs", "x=1,y=2");
    note_of(db, "i2", "tags", "");
    note_of(db, "i2", "attrs", "");
    note_of(db, "i3", "tags", "");            /* a string: init is false, nothing to walk */
    note_of(db, "i3", "attrs", "p|q");        /* an array; the integer is skipped */
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

static void example_plugin_keeps_long_keys_whole(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_host_api_example");
    const char *args[] = {"--plugins=example", "--partitions=1", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    enum { EVENTS = 1000, CUSTOMERS = 250 };
    size_t size = (size_t)EVENTS * 400, len = 0;
    char *json = malloc(size);
    assert_non_null(json);
    json[len++] = '[';
    for (int i = 0; i < EVENTS; i++) {
        /* 120 bytes: a JSON-escaped quote and backslash, then padding */
        len += (size_t)snprintf(json + len, size - len,
            "%s{\"id\":\"e%d\",\"type\":\"contact\",\"ts\":%d,\"customer\":"
            "\"q\\\"b\\\\%03d%0113d\",\"data\":{\"channel\":\"phone\"}}",
            i ? "," : "", i, 1700000000 + i, i % CUSTOMERS, 0);
    }
    snprintf(json + len, size - len, "]");
    char *reply = rp_test_publish_json(d, json);
    assert_non_null(reply);
    assert_null(strstr(reply, "rejected"));
    free(reply);
    free(json);
    rp_test_wait_idle(db, 30000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM example_counts"), CUSTOMERS);
    assert_int_equal(rp_test_sql_int(db, "SELECT sum(count) FROM example_counts"), EVENTS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM example_counts"
                                         " WHERE length(customer) = 120 AND customer LIKE 'q\"b\\\\%'"), CUSTOMERS);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'example.first_seen'"), CUSTOMERS);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(view_iter_walks_arrays_and_maps),
        cmocka_unit_test(example_plugin_keeps_long_keys_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
