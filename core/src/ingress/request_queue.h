/*
 * request_queue.h - the bounded hand-off from the ingress thread to the
 * committer. The bound is counted in events (limits.ingress_queue_events),
 * not requests, so memory stays bounded whatever the batch sizes; when a
 * request would not fit, the ingress answers "retry" instead of queueing.
 */
#ifndef RP_REQUEST_QUEUE_H
#define RP_REQUEST_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

#include "wire.h"

/* A request in flight: the client's routing envelope and its events. */
typedef struct rp_request {
    struct rp_request *next;
    zmq_msg_t *envelope;        /* identity frame(s) and delimiter, as received */
    size_t envelope_count;
    rp_wire_request wire;
    size_t pending;             /* events waiting for the commit */
    /* Reply ordering (reply_order.c), touched only by the ingress thread. */
    struct rp_peer *peer;       /* the connection's in-flight FIFO */
    struct rp_request *order_next;
    bool answered;              /* reply ready, maybe held behind earlier ones */
    bool in_queue;              /* pushed to the committer: capacity to release */
} rp_request;

typedef struct rp_request_queue rp_request_queue;

rp_request_queue *rp_request_queue_new(size_t max_events);
void rp_request_queue_free(rp_request_queue *q);

/* Adds req if its pending events fit; false when the queue is full. */
bool rp_request_queue_push(rp_request_queue *q, rp_request *req);

/* Takes requests totalling at most max_events pending events (at least one
 * request if any is queued), waiting up to timeout_ms for the first. Returns
 * a linked list (NULL if none). */
rp_request *rp_request_queue_take(rp_request_queue *q, size_t max_events, int64_t timeout_ms);

/* Gives back the capacity of requests the committer has answered. */
void rp_request_queue_release(rp_request_queue *q, size_t events);

/* Events held: waiting for the committer or being committed and answered. */
size_t rp_request_queue_events(rp_request_queue *q);

/* Whether a request waits that the committer has not taken yet. */
bool rp_request_queue_waiting(rp_request_queue *q);

void rp_request_free(rp_request *req);

#endif
