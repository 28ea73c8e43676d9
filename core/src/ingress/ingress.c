/*
 * ingress.c - the ingress thread: the ROUTER socket publishers talk to.
 *
 * It receives a request (routing envelope + one body frame), decodes and
 * validates it (wire_decode.c), answers at once what needs no database
 * (rejections, "retry" while the database is down or the queue is full) and
 * queues the rest for the committer. The committer hands finished requests
 * back over an inproc socket, and this thread sends the replies: only this
 * thread ever touches the ROUTER socket, since ZeroMQ sockets are not
 * thread-safe.
 *
 * REQ clients send [identity]["" delimiter][body]; DEALER clients may send
 * [identity][body] or [identity][""][body]. The envelope is echoed as it came.
 *
 * Replies leave in request order per connection (reply_order.h): an answer
 * ready at once waits behind the same peer's requests still being committed.
 * A reply the peer does not read is dropped at the socket's send high-water
 * mark (limits.reply_hwm), logged and counted, never queued without bound.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "broker.h"
#include "ingress_internal.h"
#include "log.h"
#include "peer_limit.h"
#include "peer_stats.h"
#include "reply_order.h"
#include "request_queue.h"
#include "zmq_frames.h"

#define MAX_REQUEST_FRAMES 8   /* identity, delimiter, body, and room to detect extras */

static void count_outcomes(const rp_wire_request *wire)
{
    for (size_t i = 0; i < wire->count; i++) {
        const rp_wire_event *ev = &wire->events[i];
        switch (ev->status) {
        case RP_STATUS_ACCEPTED: rp_metrics_event(RP_OUTCOME_ACCEPTED, NULL); break;
        case RP_STATUS_DUPLICATE: rp_metrics_event(RP_OUTCOME_DUPLICATE, NULL); break;
        case RP_STATUS_RETRY: rp_metrics_event(RP_OUTCOME_RETRY, ev->reject_reason); break;
        default: rp_metrics_event(RP_OUTCOME_REJECTED, ev->reject_reason); break;
        }
    }
}

/* Sends the reply for req on the ROUTER and frees req. */
static void send_reply(void *router, rp_request *req, rp_request_queue *queue)
{
    count_outcomes(&req->wire);
    size_t len = 0;
    uint8_t *body = rp_wire_encode_reply(&req->wire, &len);
    bool ok = body != NULL;
    for (size_t i = 0; ok && i < req->envelope_count; i++)
        ok = zmq_msg_send(&req->envelope[i], router, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0;
    if (ok)
        ok = zmq_send(router, body, len, ZMQ_DONTWAIT) >= 0;
    if (!ok) {
        /* EAGAIN: the peer stopped reading and reached limits.reply_hwm;
         * EHOSTUNREACH: it left. Its publisher resends and gets duplicate. */
        rp_peer_stats_add(RP_PEER_REPLY_DROPPED);
        rp_log(RP_WARN, "ingress", "reply not delivered", "error=\"%s\" events=%zu",
               body ? zmq_strerror(errno) : "out of memory", req->wire.count);
    }
    free(body);
    if (req->in_queue)
        rp_request_queue_release(queue, req->pending);
    rp_request_free(req);
}

static void mark_pending(rp_wire_request *wire, rp_event_status status, const char *reason,
                         const char *fmt, const char *detail)
{
    for (size_t i = 0; i < wire->count; i++) {
        rp_wire_event *ev = &wire->events[i];
        if (ev->status != RP_STATUS_PENDING)
            continue;
        ev->status = status;
        ev->reject_reason = reason;
        snprintf(ev->error, sizeof ev->error, fmt, detail);
    }
}

static size_t count_pending(const rp_wire_request *wire)
{
    size_t n = 0;
    for (size_t i = 0; i < wire->count; i++)
        n += wire->events[i].status == RP_STATUS_PENDING;
    return n;
}

/* Splits frames into envelope and body per the header comment; the body index
 * or -1 when the message is not [identity][delimiter?][one body frame]. */
static int find_body(zmq_msg_t *frames, size_t count)
{
    if (count == 2)
        return 1;
    if (count == 3 && zmq_msg_size(&frames[1]) == 0)
        return 2;
    return -1;
}

static rp_request *request_from_frames(rp_broker *b, zmq_msg_t *frames, size_t count, bool too_many)
{
    rp_request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    int body = too_many ? -1 : find_body(frames, count);
    size_t envelope = body < 0 ? (count >= 3 && zmq_msg_size(&frames[1]) == 0 ? 2 : 1) : (size_t)body;
    req->envelope = calloc(envelope, sizeof(zmq_msg_t));
    if (!req->envelope) {
        free(req);
        return NULL;
    }
    for (size_t i = 0; i < envelope; i++) {
        zmq_msg_init(&req->envelope[i]);
        zmq_msg_move(&req->envelope[i], &frames[i]);
    }
    req->envelope_count = envelope;
    bool decoded;
    if (body < 0)
        decoded = rp_wire_reject_frame(&req->wire, "request must be exactly one frame after the routing envelope",
                                       "bad_framing");
    else
        decoded = rp_wire_decode(zmq_msg_data(&frames[body]), zmq_msg_size(&frames[body]),
                                 &b->cfg->limits, b->types, b->cfg->partitions, &req->wire);
    if (!decoded) {
        rp_request_free(req);
        return NULL;
    }
    req->pending = count_pending(&req->wire);
    return req;
}

/* Sends the replies rp_reply_order_done released, in order. */
static void send_ready(void *router, rp_request *ready, rp_request_queue *queue)
{
    while (ready) {
        rp_request *next = ready->order_next;
        send_reply(router, ready, queue);
        ready = next;
    }
}

/* Answers req without the database when it can (true), else queues it for
 * the committer (false). */
static bool answer_now(rp_broker *b, rp_request *req)
{
    if (req->pending == 0)
        return true;
    if (atomic_load(&b->stopping)) {
        mark_pending(&req->wire, RP_STATUS_RETRY, "shutting_down", "%s", "broker is shutting down; retry later");
        return true;
    }
    if (!atomic_load(&b->db_up)) {
        mark_pending(&req->wire, RP_STATUS_RETRY, "db_down", "%s",
                     "database unavailable; the broker is reconnecting, retry later");
        return true;
    }
    /* Set before the push: once queued, only the committer may touch req
     * until it hands it back. */
    req->in_queue = true;
    if (rp_request_queue_push(b->queue, req))
        return false;
    req->in_queue = false;
    char detail[64];
    snprintf(detail, sizeof detail, "%zu", b->cfg->limits.ingress_queue_events);
    mark_pending(&req->wire, RP_STATUS_RETRY, "overloaded",
                 "overloaded: ingress queue full (limits.ingress_queue_events=%s); retry later", detail);
    return true;
}

/* Drops a request that cannot be tracked: answering it would overtake its
 * peer's earlier requests. The publisher's timeout resends it. */
static void drop_request(rp_broker *b, rp_request *req, rp_order_enter why)
{
    rp_peer_stats_add(RP_PEER_REQUEST_DROPPED);
    if (why == RP_ORDER_PEER_FULL)
        rp_log(RP_WARN, "ingress", "request dropped unanswered",
               "reason=\"too many requests in flight on one connection (limits.max_inflight_requests=%zu)\" events=%zu",
               b->cfg->limits.max_inflight_requests, req->wire.count);
    else
        rp_log(RP_ERR, "ingress", "request dropped unanswered", "reason=\"out of memory\" events=%zu",
               req->wire.count);
    rp_request_free(req);
}

/* Decides what happens to a new request: answered now (the reply waits for
 * the peer's earlier ones), or queued. */
static void admit(rp_broker *b, void *router, rp_reply_order *order, rp_request *req)
{
    rp_order_enter entered = rp_reply_order_enter(order, req);
    if (entered != RP_ORDER_ENTERED) {
        drop_request(b, req, entered);
        return;
    }
    if (answer_now(b, req))
        send_ready(router, rp_reply_order_done(order, req), b->queue);
}

static void handle_incoming(rp_broker *b, void *router, rp_reply_order *order)
{
    zmq_msg_t frames[MAX_REQUEST_FRAMES];
    bool too_many;
    size_t count = rp_zmq_recv_frames(router, frames, MAX_REQUEST_FRAMES, ZMQ_DONTWAIT, &too_many);
    if (count == 0)
        return;
    rp_request *req = count >= 2 ? request_from_frames(b, frames, count, too_many) : NULL;
    if (count < 2)
        rp_log(RP_WARN, "ingress", "dropped message without routing envelope", "frames=%zu", count);
    else if (!req)
        rp_log(RP_ERR, "ingress", "out of memory decoding a request", NULL);
    rp_zmq_close_frames(frames, count);
    if (req)
        admit(b, router, order, req);
}

static void forward_committed(rp_broker *b, void *router, void *replies, rp_reply_order *order)
{
    rp_request *req;
    while (zmq_recv(replies, &req, sizeof req, ZMQ_DONTWAIT) == sizeof req)
        send_ready(router, rp_reply_order_done(order, req), b->queue);
}

static void *open_router(rp_broker *b)
{
    void *router = zmq_socket(b->zmq, ZMQ_ROUTER);
    int one = 1;
    /* Oversized frames are read and rejected with a message up to this hard
     * cap; beyond it ZeroMQ drops the connection before we allocate. */
    int64_t hard_cap = (int64_t)b->cfg->limits.max_frame_bytes * 4 + 65536;
    int linger = 0;
    zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(router, ZMQ_MAXMSGSIZE, &hard_cap, sizeof hard_cap);
    zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger);
    /* A peer that stops reading holds at most limits.reply_hwm replies
     * here; the next ones are dropped (send_reply), so memory stays
     * bounded. The ZAP domain enforces limits.max_connections. */
    rp_peer_limit_prepare(router, &b->cfg->limits);
    if (zmq_bind(router, b->cfg->ingress) != 0) {
        rp_log(RP_ERR, "ingress", "cannot bind", "endpoint=%s error=\"%s\"", b->cfg->ingress,
               zmq_strerror(errno));
        zmq_close(router);
        return NULL;
    }
    return router;
}

bool rp_ingress_bind(rp_broker *b, void **router_out)
{
    *router_out = open_router(b);
    return *router_out != NULL;
}

void *rp_ingress_main(void *arg)
{
    rp_ingress_args *args = arg;
    rp_broker *b = args->broker;
    void *router = args->router;
    void *replies = zmq_socket(b->zmq, ZMQ_PULL);
    zmq_bind(replies, RP_INGRESS_REPLIES_ENDPOINT);
    free(args);
    rp_reply_order *order = rp_reply_order_new(b->cfg->limits.max_inflight_requests);
    if (!order) {
        rp_log(RP_ERR, "ingress", "out of memory starting", NULL);
        abort();
    }
    rp_log(RP_INFO, "ingress", "listening", "endpoint=%s", b->cfg->ingress);

    while (true) {
        bool stopping = atomic_load(&b->stopping);
        if (stopping)
            atomic_store(&b->ingress_paused, true);
        if (stopping && atomic_load(&b->committer_done)) {
            forward_committed(b, router, replies, order);
            break;
        }
        zmq_pollitem_t items[2] = {
            {.socket = replies, .events = ZMQ_POLLIN},
            {.socket = router, .events = stopping ? 0 : ZMQ_POLLIN},
        };
        if (zmq_poll(items, 2, 100) < 0 && errno != EINTR)
            break;
        if (items[0].revents & ZMQ_POLLIN)
            forward_committed(b, router, replies, order);
        if (items[1].revents & ZMQ_POLLIN)
            handle_incoming(b, router, order);
    }
    rp_reply_order_free(order);
    zmq_close(replies);
    zmq_close(router);
    rp_log(RP_INFO, "ingress", "closed", NULL);
    return NULL;
}
