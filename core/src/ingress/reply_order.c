/*
 * reply_order.c - per-connection FIFOs of requests in flight (see
 * reply_order.h). A uthash table keyed by routing identity (copied into the
 * peer); entries are removed as soon as a peer's FIFO empties, so an idle
 * connection costs nothing here.
 */
#include "reply_order.h"
#include "peer_stats.h"

#include <stdlib.h>
#include <string.h>

/* Out of memory inside uthash leaves the peer out (hh.tbl NULL), and the
 * request is answered RP_ORDER_NO_MEMORY, instead of exiting the broker. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

typedef struct rp_peer {
    UT_hash_handle hh;
    rp_request *head, *tail;    /* in arrival order, linked by order_next */
    size_t inflight;
    size_t id_len;
    unsigned char id[];
} rp_peer;

struct rp_reply_order {
    rp_peer *peers;             /* uthash head; NULL = no peer in flight */
    size_t max_inflight;
};

rp_reply_order *rp_reply_order_new(size_t max_inflight_per_peer)
{
    rp_reply_order *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->max_inflight = max_inflight_per_peer;
    return o;
}

void rp_reply_order_free(rp_reply_order *o)
{
    if (!o)
        return;
    rp_peer *p, *next;
    HASH_ITER(hh, o->peers, p, next) {
        HASH_DEL(o->peers, p);
        free(p);
    }
    free(o);
}

static rp_peer *find_or_add(rp_reply_order *o, const unsigned char *id, size_t len)
{
    unsigned hash;
    HASH_VALUE(id, len, hash);      /* once, for the lookup and the insert */
    rp_peer *p = NULL;
    HASH_FIND_BYHASHVALUE(hh, o->peers, id, len, hash, p);
    if (p)
        return p;
    p = calloc(1, sizeof *p + len);
    if (!p)
        return NULL;
    memcpy(p->id, id, len);
    p->id_len = len;
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, o->peers, p->id, len, hash, p);
    if (!p->hh.tbl) {
        free(p);
        return NULL;
    }
    return p;
}

static void forget(rp_reply_order *o, rp_peer *peer)
{
    HASH_DEL(o->peers, peer);
    free(peer);
}

rp_order_enter rp_reply_order_enter(rp_reply_order *o, rp_request *req)
{
    rp_peer *peer = find_or_add(o, zmq_msg_data(&req->envelope[0]), zmq_msg_size(&req->envelope[0]));
    if (!peer)
        return RP_ORDER_NO_MEMORY;
    if (peer->inflight >= o->max_inflight)
        return RP_ORDER_PEER_FULL;   /* never empty here: max_inflight >= 1 */
    req->peer = peer;
    req->order_next = NULL;
    req->answered = false;
    if (peer->tail)
        peer->tail->order_next = req;
    else
        peer->head = req;
    peer->tail = req;
    peer->inflight++;
    return RP_ORDER_ENTERED;
}

rp_request *rp_reply_order_done(rp_reply_order *o, rp_request *req)
{
    rp_peer *peer = req->peer;
    req->answered = true;
    if (peer->head != req) {
        rp_peer_stats_waiting(1);
        return NULL;   /* an earlier request of this peer has not left yet */
    }
    rp_request *ready = peer->head, *last = NULL;
    for (rp_request *r = peer->head; r && r->answered; r = r->order_next) {
        if (r != req)
            rp_peer_stats_waiting(-1);
        last = r;
        peer->inflight--;
    }
    peer->head = last->order_next;
    last->order_next = NULL;
    if (!peer->head) {
        peer->tail = NULL;
        forget(o, peer);
    }
    for (rp_request *r = ready; r; r = r->order_next)
        r->peer = NULL;
    return ready;
}

size_t rp_reply_order_peers(const rp_reply_order *o)
{
    return HASH_COUNT(o->peers);
}
