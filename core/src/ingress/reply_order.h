/*
 * reply_order.h - replies leave in request order per connection.
 *
 * The wire contract promises a DEALER with several requests in flight on one
 * connection its replies in the order it sent the requests. The committer
 * answers queued requests in queue order, but the ingress answers some
 * requests at once (rejections, "retry" for db down / overload / shutdown);
 * sent at once they would overtake the same peer's earlier requests still
 * waiting for the commit. So every request enters its peer's FIFO when it
 * arrives, and a reply leaves only when every earlier request of that peer
 * has left: an answer that is ready early is held behind them.
 *
 * A peer is its ROUTER routing identity (unique per connection: ROUTER
 * refuses a second connection with an identity in use). Per-peer state exists
 * only while the peer has a request in flight, so memory is bounded by the
 * requests in flight: at most limits.max_inflight_requests per connection
 * (beyond it a request is dropped unanswered; the publisher's timeout resends
 * it and ids make that safe) times limits.max_connections.
 *
 * Only the ingress thread calls these functions.
 */
#ifndef RP_REPLY_ORDER_H
#define RP_REPLY_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "request_queue.h"

typedef struct rp_reply_order rp_reply_order;

rp_reply_order *rp_reply_order_new(size_t max_inflight_per_peer);

/* Frees the tracking state (not the requests: their owners free them). */
void rp_reply_order_free(rp_reply_order *o);

typedef enum rp_order_enter {
    RP_ORDER_ENTERED = 0,
    RP_ORDER_PEER_FULL,   /* the peer has max_inflight_per_peer requests in flight */
    RP_ORDER_NO_MEMORY
} rp_order_enter;

/* Appends req (routing identity = req->envelope[0]) to its peer's FIFO. */
rp_order_enter rp_reply_order_enter(rp_reply_order *o, rp_request *req);

/* Marks req answered. Returns the requests whose replies may leave now, in
 * order, linked by order_next (NULL when req waits behind earlier ones). The
 * caller sends and frees them; a peer with nothing left is forgotten. */
rp_request *rp_reply_order_done(rp_reply_order *o, rp_request *req);

/* Peers with at least one request in flight (for tests and metrics). */
size_t rp_reply_order_peers(const rp_reply_order *o);

#endif
