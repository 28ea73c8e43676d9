/*
 * test_wire_ingress.c - wire protocol v1 against the real broker: acks only
 * after commit, duplicates, per-event rejections in a batch, REQ and DEALER
 * framing, non-msgpack frames, the frame-size limit, overload and a database
 * that goes away and comes back.
 */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include <cmocka.h>
#include <msgpack.h>

#include "rp_test.h"

static void expect_reply(const rp_test_daemon *d, const char *request, const char *expected)
{
    char *reply = rp_test_publish_json(d, request);
    if (!reply || strcmp(reply, expected) != 0)
        fail_msg("request %s\n  expected %s\n  got      %s", request, expected, reply ? reply : "(timeout)");
    free(reply);
}

static void expect_reply_contains(const rp_test_daemon *d, const char *request, const char *needle)
{
    char *reply = rp_test_publish_json(d, request);
    if (!reply || !strstr(reply, needle))
        fail_msg("request %s\n  expected to contain %s\n  got %s", request, needle, reply ? reply : "(timeout)");
    free(reply);
}

static const char *PURCHASE =
    "{\"id\":\"p1\",\"type\":\"purchase\",\"ts\":1700000000000,\"customer\":\"c1\","
    "\"data\":{\"order_id\":\"o1\",\"amount\":12.5,\"currency\":\"GBP\"}}";

static void accepted_then_duplicate_and_durable(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_wire_accept");
    rp_test_daemon *d = rp_test_daemon_start(conninfo, NULL);
    expect_reply(d, PURCHASE, "[{\"id\":\"p1\",\"status\":\"accepted\"}]");
    PGconn *db = rp_test_connect(conninfo);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM events WHERE tenant = 'default' AND id = 'p1'"), 1);
    expect_reply(d, PURCHASE, "[{\"id\":\"p1\",\"status\":\"duplicate\"}]");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM events"), 1);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

/* Large event data is TOAST-compressed with lz4 (migration 002), the cheaper
 * codec on the ingest path; pglz was the server's largest single cost. */
static void large_event_data_is_compressed_with_lz4(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_wire_lz4");
    rp_test_daemon *d = rp_test_daemon_start(conninfo, NULL);
    char note[6001];
    for (size_t i = 0; i < sizeof note - 1; i++)
        note[i] = "invoice line "[i % 13];
    note[sizeof note - 1] = '\0';
    char request[6300];
    snprintf(request, sizeof request,
             "{\"id\":\"big\",\"type\":\"purchase\",\"ts\":1700000000000,\"customer\":\"c1\","
             "\"data\":{\"order_id\":\"o1\",\"amount\":1,\"currency\":\"GBP\",\"note\":\"%s\"}}",
             note);
    expect_reply(d, request, "[{\"id\":\"big\",\"status\":\"accepted\"}]");
    PGconn *db = rp_test_connect(conninfo);
    char *method = rp_test_sql(db, "SELECT pg_column_compression(data) FROM events WHERE id = 'big'");
    assert_string_equal(method, "lz4");
    free(method);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

static void batch_answers_each_event_in_order(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_wire_batch");
    rp_test_daemon *d = rp_test_daemon_start(conninfo, NULL);
    char *reply = rp_test_publish_json(d,
        "[{\"id\":\"a\",\"type\":\"contact\",\"ts\":1,\"customer\":\"c\",\"data\":{\"channel\":\"phone\"}},"
        " {\"id\":\"b\",\"type\":\"no.such.type\",\"ts\":1,\"customer\":\"c\"},"
        " {\"id\":\"a\",\"type\":\"contact\",\"ts\":1,\"customer\":\"c\",\"data\":{\"channel\":\"phone\"}},"
        " {\"id\":\"c\",\"type\":\"contact\",\"ts\":1,\"customer\":\"c\",\"bogus\":1}]");
    assert_non_null(reply);
    assert_non_null(strstr(reply, "{\"id\":\"a\",\"status\":\"accepted\"},{\"error\":"));
    assert_non_null(strstr(reply, "\"id\":\"b\",\"status\":\"rejected\""));
    assert_non_null(strstr(reply, "{\"id\":\"a\",\"status\":\"duplicate\"}"));
    assert_non_null(strstr(reply, "\"id\":\"c\",\"status\":\"rejected\""));
    assert_non_null(strstr(reply, "bogus"));
    free(reply);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

/* Sends frames on a DEALER and returns the reply frames' count and last frame. */
static int dealer_roundtrip(const char *endpoint, const char *const *frames, const size_t *lens, int count,
                            char *last, size_t *last_len)
{
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int timeout = 10000, linger = 0;
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(sock, endpoint);
    for (int i = 0; i < count; i++)
        zmq_send(sock, frames[i], lens[i], i + 1 < count ? ZMQ_SNDMORE : 0);
    int received = 0, more = 1;
    while (more) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, 0) < 0) {
            zmq_msg_close(&msg);
            break;
        }
        received++;
        more = zmq_msg_more(&msg);
        *last_len = zmq_msg_size(&msg);
        memcpy(last, zmq_msg_data(&msg), *last_len < 4096 ? *last_len : 4096);
        zmq_msg_close(&msg);
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return received;
}

static void dealer_framing_is_echoed(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_wire_dealer");
    rp_test_daemon *d = rp_test_daemon_start(conninfo, NULL);
    /* {"id":"d1","type":"customer.erase","ts":5,"customer":"x"} */
    static const char event[] = "\x84\xa2id\xa2" "d1\xa4type\xae" "customer.erase\xa2ts\x05\xa8" "customer\xa1x";
    const char *without[] = {event};
    size_t without_len[] = {sizeof event - 1};
    char last[4096];
    size_t last_len = 0;
    assert_int_equal(dealer_roundtrip(d->ingress, without, without_len, 1, last, &last_len), 1);
    assert_true(last_len > 0 && (uint8_t)last[0] == 0x91);   /* an array of one reply map */
    const char *with[] = {"", event};
    size_t with_len[] = {0, sizeof event - 1};
    assert_int_equal(dealer_roundtrip(d->ingress, with, with_len, 2, last, &last_len), 2);
    assert_true((uint8_t)last[0] == 0x91);
    assert_non_null(memmem(last, last_len, "duplicate", 9));
    const char *garbage[] = {"\xc1\xc1 not msgpack"};
    size_t garbage_len[] = {14};
    assert_int_equal(dealer_roundtrip(d->ingress, garbage, garbage_len, 1, last, &last_len), 1);
    assert_non_null(memmem(last, last_len, "rejected", 8));
    assert_non_null(memmem(last, last_len, "\xa2id\xc0", 4));   /* "id": nil */
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

/* Packs one survey.response whose answers map holds `poison` under "q". */
static void pack_response(msgpack_packer *pk, const char *id, int poison)
{
    static const char *const keys[] = {"id", "type", "ts", "tenant", "customer", "data"};
    static const char *const values[] = {NULL, "survey.response", NULL, "t1", "c1", NULL};
    msgpack_pack_map(pk, 6);
    for (int k = 0; k < 6; k++) {
        msgpack_pack_str_with_body(pk, keys[k], strlen(keys[k]));
        if (k == 0)
            msgpack_pack_str_with_body(pk, id, strlen(id));
        else if (k == 2)
            msgpack_pack_int64(pk, 1700000000000LL);
        else if (k < 5)
            msgpack_pack_str_with_body(pk, values[k], strlen(values[k]));
    }
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "survey_id", 9);
    msgpack_pack_str_with_body(pk, "s1", 2);
    msgpack_pack_str_with_body(pk, "answers", 7);
    msgpack_pack_map(pk, 1);
    msgpack_pack_str_with_body(pk, "q", 1);
    msgpack_pack_array(pk, 1);   /* one level deeper than the answers map */
    if (poison == 1)
        msgpack_pack_double(pk, NAN);
    else if (poison == 2)
        msgpack_pack_str_with_body(pk, "caf\xc3", 4);   /* cut UTF-8 sequence */
    else if (poison == 3)
        msgpack_pack_float(pk, -INFINITY);
    else
        msgpack_pack_str_with_body(pk, "caf\xc3\xa9", 5);
}

/* Poison nested in event data is refused at the door, per event, naming the
 * path: it never reaches the events table, so no plugin dead-letters it. */
static void poison_in_nested_data_is_rejected_at_the_door(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_wire_poison");
    const char *args[] = {"--plugins=survey", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    static const char *const ids[] = {"ok", "nan", "utf8", "inf"};
    msgpack_pack_array(&pk, 4);
    for (int i = 0; i < 4; i++)
        pack_response(&pk, ids[i], i);
    const char *frames[] = {sbuf.data};
    size_t lens[] = {sbuf.size};
    char last[4096];
    size_t last_len = 0;
    assert_int_equal(dealer_roundtrip(d->ingress, frames, lens, 1, last, &last_len), 1);
    msgpack_sbuffer_destroy(&sbuf);
    assert_non_null(memmem(last, last_len, "accepted", 8));
    assert_non_null(memmem(last, last_len, "data.answers.q[0]: must be a finite number", 42));
    assert_non_null(memmem(last, last_len, "data.answers.q[0]: must be valid UTF-8", 38));
    PGconn *db = rp_test_connect(conninfo);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM events"), 1);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

static void oversized_frame_is_rejected_naming_the_limit(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_wire_size");
    const char *args[] = {"--limits.max_frame_bytes=200", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    char big[600];
    snprintf(big, sizeof big,
             "{\"id\":\"big\",\"type\":\"suggestion\",\"ts\":1,\"customer\":\"c\",\"data\":{\"text\":\"%0300d\"}}", 0);
    expect_reply_contains(d, big, "limits.max_frame_bytes");
    expect_reply(d, "{\"id\":\"small\",\"type\":\"customer.erase\",\"ts\":1,\"customer\":\"c\"}",
                 "[{\"id\":\"small\",\"status\":\"accepted\"}]");
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

static void database_outage_answers_retry_then_recovers(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_wire_outage");
    const char *args[] = {"--db_backoff_min_ms=50", "--db_backoff_max_ms=200", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    expect_reply(d, PURCHASE, "[{\"id\":\"p1\",\"status\":\"accepted\"}]");
    PGconn *admin = rp_test_connect(rp_test_pg_base());
    free(rp_test_sql(admin, "ALTER DATABASE rp_wire_outage ALLOW_CONNECTIONS false"));
    free(rp_test_sql(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = 'rp_wire_outage'"));
    expect_reply_contains(d,
        "{\"id\":\"p2\",\"type\":\"customer.erase\",\"ts\":1,\"customer\":\"c\"}", "\"status\":\"retry\"");
    free(rp_test_sql(admin, "ALTER DATABASE rp_wire_outage ALLOW_CONNECTIONS true"));
    char *reply = NULL;
    for (int i = 0; i < 100; i++) {
        free(reply);
        reply = rp_test_publish_json(d, "{\"id\":\"p2\",\"type\":\"customer.erase\",\"ts\":1,\"customer\":\"c\"}");
        if (reply && strstr(reply, "accepted"))
            break;
        struct timespec pause = {0, 100000000};
        nanosleep(&pause, NULL);
    }
    assert_non_null(reply);
    assert_string_equal(reply, "[{\"id\":\"p2\",\"status\":\"accepted\"}]");
    free(reply);
    PQfinish(admin);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

static void overload_answers_retry_instead_of_queueing(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_wire_overload");
    const char *args[] = {"--limits.ingress_queue_events=1", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    /* Hold the committer inside its transaction by locking ingest_head. */
    PGconn *locker = rp_test_connect(conninfo);
    free(rp_test_sql(locker, "BEGIN"));
    free(rp_test_sql(locker, "LOCK TABLE ingest_head IN ACCESS EXCLUSIVE MODE"));
    void *ctx = zmq_ctx_new();
    void *first = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(first, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(first, d->ingress);
    static const char event[] = "\x84\xa2" "id\xa2" "o1\xa4" "type\xae" "customer.erase\xa2" "ts\x05\xa8" "customer\xa1" "x";
    zmq_send(first, event, sizeof event - 1, 0);   /* occupies the whole queue */
    struct timespec pause = {0, 300000000};
    nanosleep(&pause, NULL);
    expect_reply_contains(d, "{\"id\":\"o2\",\"type\":\"customer.erase\",\"ts\":1,\"customer\":\"y\"}",
                          "overloaded: ingress queue full (limits.ingress_queue_events=1)");
    free(rp_test_sql(locker, "COMMIT"));
    char reply[256];
    int timeout = 10000;
    zmq_setsockopt(first, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    int got = zmq_recv(first, reply, sizeof reply, 0);
    assert_true(got > 0 && memmem(reply, (size_t)got, "accepted", 8));
    zmq_close(first);
    zmq_ctx_term(ctx);
    PQfinish(locker);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted_then_duplicate_and_durable),
        cmocka_unit_test(large_event_data_is_compressed_with_lz4),
        cmocka_unit_test(batch_answers_each_event_in_order),
        cmocka_unit_test(dealer_framing_is_echoed),
        cmocka_unit_test(poison_in_nested_data_is_rejected_at_the_door),
        cmocka_unit_test(oversized_frame_is_rejected_naming_the_limit),
        cmocka_unit_test(database_outage_answers_retry_then_recovers),
        cmocka_unit_test(overload_answers_retry_instead_of_queueing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
