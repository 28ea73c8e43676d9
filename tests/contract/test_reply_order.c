/*
 * test_reply_order.c - replies leave in request order per connection
 * (proto/README.md), whatever answers them: the committer (accepted,
 * duplicate) or the ingress at once (rejected, retry when overloaded). Every
 * request here goes over ONE DEALER connection, and every status a reply
 * reports is checked against the events table.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <zmq.h>
#include <cmocka.h>

#include "mpjson.h"
#include "rp_test.h"

#define WAIT_MS 60000
#define NOT_MSGPACK "\xc1 not msgpack"

/* A valid purchase. */
static char *valid(const char *id)
{
    char *text = NULL;
    if (asprintf(&text,
                 "{\"id\":\"%s\",\"type\":\"purchase\",\"ts\":1700000000000,\"customer\":\"c-%s\","
                 "\"data\":{\"order_id\":\"o-%s\",\"amount\":1,\"currency\":\"GBP\"}}",
                 id, id, id) < 0)
        rp_test_fail("out of memory");
    return text;
}

/* A purchase the broker rejects (negative amount). */
static char *invalid(const char *id)
{
    char *text = NULL;
    if (asprintf(&text,
                 "{\"id\":\"%s\",\"type\":\"purchase\",\"ts\":1700000000000,\"customer\":\"c1\","
                 "\"data\":{\"order_id\":\"o\",\"amount\":-1,\"currency\":\"GBP\"}}",
                 id) < 0)
        rp_test_fail("out of memory");
    return text;
}

static char *batch(char *a, char *b, char *c)
{
    char *text = NULL;
    if (asprintf(&text, "[%s,%s%s%s]", a, b, c ? "," : "", c ? c : "") < 0)
        rp_test_fail("out of memory");
    free(a);
    free(b);
    free(c);
    return text;
}

/* Sends one request frame: JSON text packed as msgpack, or NOT_MSGPACK as is. */
static void send_request(void *sock, const char *request)
{
    if (strcmp(request, NOT_MSGPACK) == 0) {
        assert_int_equal(zmq_send(sock, request, strlen(request), 0), (int)strlen(request));
        return;
    }
    json_error_t jerr;
    json_t *json = json_loads(request, 0, &jerr);
    if (!json)
        rp_test_fail("bad test JSON %s: %s", request, jerr.text);
    size_t len = 0;
    uint8_t *frame = rp_json_to_msgpack(json, &len);
    json_decref(json);
    assert_non_null(frame);
    assert_int_equal(zmq_send(sock, frame, len, 0), (int)len);
    free(frame);
}

/* Receives one reply (waiting up to WAIT_MS) decoded to JSON. */
static json_t *receive_reply(void *sock)
{
    zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, WAIT_MS) != 1)
        rp_test_fail("no reply within %d ms", WAIT_MS);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, sock, 0) >= 0);
    char err[256] = "";
    json_t *reply = rp_msgpack_to_json(zmq_msg_data(&msg), zmq_msg_size(&msg), err, sizeof err);
    zmq_msg_close(&msg);
    if (!json_is_array(reply))
        rp_test_fail("reply is not an array: %s", err);
    return reply;
}

/* The ids of a request, in order, as a JSON array (nil for a frame that is
 * not msgpack: its single rejection has id nil). */
static json_t *request_ids(const char *request)
{
    json_t *ids = json_array();
    if (strcmp(request, NOT_MSGPACK) == 0) {
        json_array_append_new(ids, json_null());
        return ids;
    }
    json_t *json = json_loads(request, 0, NULL);
    json_t *events = json_is_array(json) ? json : NULL;
    size_t n = events ? json_array_size(events) : 1;
    for (size_t i = 0; i < n; i++)
        json_array_append(ids, json_object_get(events ? json_array_get(events, i) : json, "id"));
    json_decref(json);
    return ids;
}

static void *dealer(void *ctx, const rp_test_daemon *d)
{
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(sock, d->ingress), 0);
    return sock;
}

/* The reply to request number n must be about exactly its events, in order:
 * a reply about another request means replies overtook each other. */
static void expect_reply_matches(const char *request, const json_t *reply, size_t n)
{
    json_t *ids = request_ids(request);
    bool same = json_array_size(ids) == json_array_size(reply);
    for (size_t i = 0; same && i < json_array_size(ids); i++)
        same = json_equal(json_array_get(ids, i), json_object_get(json_array_get(reply, i), "id"));
    if (!same) {
        char *got = json_dumps(reply, JSON_COMPACT);
        rp_test_fail("reply %zu is not about request %zu (replies out of request order):\n  request %s\n  reply   %s",
                     n, n, request, got);
    }
    json_decref(ids);
}

/* Notes what reply reports per id in seen (id -> 1 once reported accepted,
 * else 0). Replies come in request order and the committer commits in that
 * order, so an id is accepted at most once and never duplicate before it was
 * accepted. */
static void note_statuses(json_t *seen, const json_t *reply)
{
    for (size_t i = 0; i < json_array_size(reply); i++) {
        const json_t *item = json_array_get(reply, i);
        const char *id = json_string_value(json_object_get(item, "id"));
        const char *status = json_string_value(json_object_get(item, "status"));
        if (!id)
            continue;   /* a whole-frame rejection names no event */
        bool accepted_before = json_integer_value(json_object_get(seen, id)) == 1;
        if (strcmp(status, "accepted") == 0 && accepted_before)
            rp_test_fail("id %s reported accepted twice", id);
        if (strcmp(status, "duplicate") == 0 && !accepted_before)
            rp_test_fail("id %s reported duplicate before any reply accepted it", id);
        if (strcmp(status, "accepted") == 0 || !json_object_get(seen, id))
            json_object_set_new(seen, id, json_integer(strcmp(status, "accepted") == 0));
    }
}

/* Every reported status agrees with the events table: an id reported
 * accepted is stored once, any other id not at all. */
static void expect_table_agrees(PGconn *db, const json_t *seen)
{
    const char *id;
    json_t *value;
    json_object_foreach((json_t *)seen, id, value) {
        int64_t rows = rp_test_sql_intf(db, "SELECT count(*) FROM events WHERE id = '%s'", id);
        if (rows != json_integer_value(value))
            rp_test_fail("id %s was %s but the events table has %lld row(s)", id,
                         json_integer_value(value) ? "reported accepted" : "never reported accepted",
                         (long long)rows);
    }
    int64_t total = rp_test_sql_int(db, "SELECT count(*) FROM events");
    int64_t reported = 0;
    json_object_foreach((json_t *)seen, id, value)
        reported += json_integer_value(value);
    if (total != reported)
        rp_test_fail("%lld events stored, %lld reported accepted", (long long)total, (long long)reported);
}

static char *statuses(const json_t *reply)
{
    static char text[256];
    text[0] = '\0';
    for (size_t i = 0; i < json_array_size(reply); i++) {
        strncat(text, i ? " " : "", sizeof text - strlen(text) - 1);
        strncat(text, json_string_value(json_object_get(json_array_get(reply, i), "status")),
                sizeof text - strlen(text) - 1);
    }
    return text;
}

/* Waits until the daemon holds `want` replies behind earlier requests; a
 * reply arriving meanwhile overtook the first request, which cannot have
 * been committed yet (ingest_head is locked). */
static void wait_replies_waiting(const rp_test_daemon *d, void *sock, double want)
{
    for (int waited = 0; waited < WAIT_MS; waited += 100) {
        zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, 100) == 1) {
            json_t *reply = receive_reply(sock);
            char *text = json_dumps(reply, JSON_COMPACT);
            rp_test_fail("a reply overtook the first request, still being committed: %s", text);
        }
        char *metrics = rp_test_metrics(d);
        double waiting = rp_test_metric_sum(metrics, "rapport_replies_waiting{");
        free(metrics);
        if (waiting == want)
            return;
    }
    rp_test_fail("the broker never held %.0f replies behind the first request", want);
}

/* The committer is held (ingest_head locked) while one connection sends
 * valid, invalid, duplicate, not-msgpack and overloaded requests; every
 * answer ready early must wait for the first request's commit. */
static void replies_keep_request_order_on_one_connection(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_reply_order");
    const char *args[] = {"--limits.ingress_queue_events=4", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    char *d0 = valid("d0");
    char *first = rp_test_publish_json(d, d0);
    assert_string_equal(first, "[{\"id\":\"d0\",\"status\":\"accepted\"}]");
    free(first);
    json_t *seen = json_object();
    json_object_set_new(seen, "d0", json_integer(1));
    PGconn *db = rp_test_connect(conninfo);
    PGconn *locker = rp_test_connect(conninfo);
    free(rp_test_sql(locker, "BEGIN"));
    free(rp_test_sql(locker, "LOCK TABLE ingest_head IN ACCESS EXCLUSIVE MODE"));

    /* Queue capacity 4 events: v1 (1) + [v2, r2, d0] (2) + v3 (1) fill it. */
    char *requests[] = {
        valid("v1"),                                     /* queued: accepted */
        invalid("r1"),                                   /* rejected at once */
        batch(valid("v2"), invalid("r2"), valid("d0")),  /* queued: accepted rejected duplicate */
        strdup(NOT_MSGPACK),                             /* rejected at once, id nil */
        valid("v3"),                                     /* queued: accepted */
        valid("v4"),                                     /* overloaded: retry at once */
        batch(valid("v5"), invalid("r3"), NULL),         /* retry, rejected at once */
        d0,                                              /* overloaded: retry at once */
    };
    const char *expected[] = {"accepted", "rejected", "accepted rejected duplicate", "rejected",
                              "accepted", "retry", "retry rejected", "retry"};
    size_t n = sizeof requests / sizeof requests[0];
    void *ctx = zmq_ctx_new();
    void *sock = dealer(ctx, d);
    for (size_t i = 0; i < n; i++)
        send_request(sock, requests[i]);
    wait_replies_waiting(d, sock, 5);   /* r1, not-msgpack, v4, [v5 r3], d0 */
    free(rp_test_sql(locker, "COMMIT"));

    for (size_t i = 0; i < n; i++) {
        json_t *reply = receive_reply(sock);
        expect_reply_matches(requests[i], reply, i);
        if (strcmp(statuses(reply), expected[i]) != 0)
            rp_test_fail("request %zu %s\n  expected %s\n  got      %s", i, requests[i], expected[i], statuses(reply));
        note_statuses(seen, reply);
        json_decref(reply);
        free(requests[i]);
    }
    expect_table_agrees(db, seen);
    json_decref(seen);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    PQfinish(locker);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

/* The same mix, pipelined as fast as one connection can send it against a
 * tiny queue, with nothing held: order and statuses hold under real load. */
static void pipelined_mix_keeps_order_and_statuses(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_reply_order_burst");
    const char *args[] = {"--limits.ingress_queue_events=4", "--limits.max_inflight_requests=1000",
                          "--limits.reply_hwm=1000", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    enum { REQUESTS = 600 };
    char **requests = calloc(REQUESTS, sizeof *requests);
    assert_non_null(requests);
    for (int i = 0; i < REQUESTS; i++) {
        char id[32], id2[32];
        snprintf(id, sizeof id, "b%04d", i);
        snprintf(id2, sizeof id2, "b%04d", i - 3);   /* an earlier id: duplicate or accepted */
        switch (i % 4) {
        case 0: requests[i] = valid(id); break;
        case 1: requests[i] = invalid(id); break;
        case 2: requests[i] = i >= 3 ? valid(id2) : valid(id); break;
        default: requests[i] = batch(valid(id), invalid("bad"), NULL); break;
        }
    }
    void *ctx = zmq_ctx_new();
    void *sock = dealer(ctx, d);
    for (int i = 0; i < REQUESTS; i++)
        send_request(sock, requests[i]);
    json_t *seen = json_object();
    for (int i = 0; i < REQUESTS; i++) {
        json_t *reply = receive_reply(sock);
        expect_reply_matches(requests[i], reply, (size_t)i);
        note_statuses(seen, reply);
        json_decref(reply);
        free(requests[i]);
    }
    PGconn *db = rp_test_connect(conninfo);
    expect_table_agrees(db, seen);
    json_decref(seen);
    free(requests);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replies_keep_request_order_on_one_connection),
        cmocka_unit_test(pipelined_mix_keeps_order_and_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
