/*
 * test_peer_limits.c - bounded memory per peer and in total (issue 16,
 * item 3) against the real broker: a publisher that never reads its replies
 * gets them dropped and counted once limits.reply_hwm are held (not queued
 * without bound), and connections beyond limits.max_connections are refused
 * while the existing ones keep working. Every wait is on a condition.
 */
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

#include "rp_test.h"

#define WAIT_MS 60000

static double metric(const rp_test_daemon *d, const char *prefix)
{
    char *text = rp_test_metrics(d);
    double value = rp_test_metric_sum(text, prefix);
    free(text);
    return value;
}

static void pause_briefly(void)
{
    struct timespec t = {0, 50000000};
    nanosleep(&t, NULL);
}

/* Waits until the metric is at least want. */
static void wait_metric_at_least(const rp_test_daemon *d, const char *prefix, double want)
{
    for (int waited = 0; waited < WAIT_MS; waited += 50) {
        if (metric(d, prefix) >= want)
            return;
        pause_briefly();
    }
    rp_test_fail("%s never reached %.0f (now %.0f)", prefix, want, metric(d, prefix));
}

static void *dealer(void *ctx, const char *endpoint, int rcvhwm)
{
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0, small = 4096;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (rcvhwm > 0) {
        zmq_setsockopt(sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
        zmq_setsockopt(sock, ZMQ_RCVBUF, &small, sizeof small);
    }
    assert_int_equal(zmq_connect(sock, endpoint), 0);
    return sock;
}

/* A customer.erase event with id, as msgpack. */
static size_t erase_event(char *out, size_t cap, const char *id)
{
    int n = snprintf(out, cap, "\x84\xa2" "id%c%s\xa4" "type\xae" "customer.erase\xa2" "ts\x05\xa8" "customer\xa1" "x",
                     (char)(0xa0 | strlen(id)), id);
    return (size_t)n;
}

/* Sends one event on sock and expects an "accepted" reply. */
static void expect_accepted(void *sock, const char *id)
{
    char frame[128], reply[256];
    size_t len = erase_event(frame, sizeof frame, id);
    assert_int_equal(zmq_send(sock, frame, len, 0), (int)len);
    zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, WAIT_MS) != 1)
        rp_test_fail("no reply to %s within %d ms", id, WAIT_MS);
    int got = zmq_recv(sock, reply, sizeof reply, 0);
    if (got <= 0 || !memmem(reply, (size_t)got, "accepted", 8))
        rp_test_fail("event %s not accepted", id);
}

/* 1000 empty maps: each is rejected ("id: required"), so one 1 KB request
 * makes a reply of tens of kilobytes, all answered without the database. */
static uint8_t *rejected_batch(size_t *len)
{
    uint8_t *frame = malloc(3 + 1000);
    assert_non_null(frame);
    frame[0] = 0xdc;
    frame[1] = 1000 >> 8;
    frame[2] = 1000 & 0xff;
    memset(frame + 3, 0x80, 1000);
    *len = 3 + 1000;
    return frame;
}

static void publisher_that_never_reads_gets_replies_dropped_and_counted(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_peer_never_reads");
    const char *args[] = {"--limits.reply_hwm=2", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    void *ctx = zmq_ctx_new();
    /* The client's own queue and kernel buffer are tiny, so unread replies
     * back up into the broker quickly. */
    void *lazy = dealer(ctx, d->ingress, 1);
    enum { REQUESTS = 300 };
    size_t len;
    uint8_t *frame = rejected_batch(&len);
    for (int i = 0; i < REQUESTS; i++)
        assert_int_equal(zmq_send(lazy, frame, len, 0), (int)len);
    free(frame);
    /* Every request is answered (counted at send time, delivered or not)... */
    wait_metric_at_least(d, "rapport_events_total{outcome=\"rejected\"", REQUESTS * 1000.0);
    /* ...and those the peer could not take were dropped, not queued. */
    double dropped = metric(d, "rapport_replies_dropped_total{socket=\"ingress\"");
    if (dropped < 1)
        rp_test_fail("no reply was dropped for a peer that never reads");
    /* The broker still serves others meanwhile. */
    void *other = dealer(ctx, d->ingress, 0);
    expect_accepted(other, "ok1");
    /* Every reply was either delivered or counted as dropped: the peer now
     * reads what was held for it and gets exactly the rest. */
    int expected = REQUESTS - (int)dropped, received = 0;
    zmq_pollitem_t item = {.socket = lazy, .events = ZMQ_POLLIN};
    while (received < expected && zmq_poll(&item, 1, WAIT_MS) == 1) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        assert_true(zmq_msg_recv(&msg, lazy, 0) >= 0);
        zmq_msg_close(&msg);
        received++;
    }
    assert_int_equal(received, expected);
    zmq_close(lazy);
    zmq_close(other);
    zmq_ctx_term(ctx);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

/* Waits until the client socket's handshake is refused by the broker. */
static void wait_refused(void *ctx, void *sock)
{
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    zmq_connect(mon, "inproc://test-refused-monitor");
    for (int waited = 0; waited < WAIT_MS; waited += 100) {
        zmq_pollitem_t item = {.socket = mon, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, 100) != 1)
            continue;
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        zmq_msg_init(&addr);
        zmq_msg_recv(&head, mon, 0);
        zmq_msg_recv(&addr, mon, 0);
        uint16_t event;
        memcpy(&event, zmq_msg_data(&head), sizeof event);
        zmq_msg_close(&head);
        zmq_msg_close(&addr);
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            zmq_close(mon);
            return;
        }
    }
    (void)sock;
    rp_test_fail("a connection beyond limits.max_connections was not refused");
}

static void connections_beyond_the_limit_are_refused(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_peer_max_connections");
    const char *args[] = {"--limits.max_connections=2", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    void *ctx = zmq_ctx_new();
    void *first = dealer(ctx, d->ingress, 0);
    void *second = dealer(ctx, d->ingress, 0);
    expect_accepted(first, "a1");
    expect_accepted(second, "a2");
    void *third = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(third, ZMQ_LINGER, &linger, sizeof linger);
    zmq_socket_monitor(third, "inproc://test-refused-monitor", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    assert_int_equal(zmq_connect(third, d->ingress), 0);
    char frame[128];
    size_t len = erase_event(frame, sizeof frame, "a3");
    assert_int_equal(zmq_send(third, frame, len, ZMQ_DONTWAIT), (int)len);   /* queued until it connects */
    wait_refused(ctx, third);
    wait_metric_at_least(d, "rapport_connections_refused_total{", 1);
    /* The connections already open keep working. */
    expect_accepted(first, "a4");
    expect_accepted(second, "a5");
    /* One leaves: once the broker has seen it go, a new connection gets in.
     * (libzmq clients treat a refused handshake as a protocol error and do
     * not retry on their own, so the refused one stays out.) */
    zmq_close(first);
    for (int waited = 0; metric(d, "rapport_connections_open{") != 1; waited += 50) {
        if (waited > WAIT_MS)
            rp_test_fail("the broker never saw the first connection leave");
        pause_briefly();
    }
    void *fourth = dealer(ctx, d->ingress, 0);
    expect_accepted(fourth, "a6");
    zmq_close(fourth);
    zmq_close(second);
    zmq_close(third);
    zmq_ctx_term(ctx);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(publisher_that_never_reads_gets_replies_dropped_and_counted),
        cmocka_unit_test(connections_beyond_the_limit_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
