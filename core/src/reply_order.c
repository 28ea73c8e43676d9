/*
 * reply_order.c - per-connection FIFOs of requests in flight (see
 * reply_order.h). A chained hash table keyed by routing identity; it grows
 * with the number of peers in flight and entries are removed as soon as a
 * peer's FIFO empties, so an idle connection costs nothing here.
 */
#include "reply_order.h"
#include "peer_stats.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct rp_peer {
    struct rp_peer *chain;
    rp_request *head, *tail;    /* in arrival order, linked by order_next */
    size_t inflight;
    uint64_t hash;
    size_t id_len;
    unsigned char id[];
} rp_peer;

struct rp_reply_order {
    rp_peer **buckets;
    size_t bucket_count;        /* a power of two */
    size_t peers;
    size_t max_inflight;
};

#define FIRST_BUCKETS 64

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

rp_reply_order *rp_reply_order_new(size_t max_inflight_per_peer)
{
    rp_reply_order *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->buckets = calloc(FIRST_BUCKETS, sizeof *o->buckets);
    if (!o->buckets) {
        free(o);
        return NULL;
    }
    o->bucket_count = FIRST_BUCKETS;
    o->max_inflight = max_inflight_per_peer;
    return o;
}

void rp_reply_order_free(rp_reply_order *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->bucket_count; i++) {
        while (o->buckets[i]) {
            rp_peer *next = o->buckets[i]->chain;
            free(o->buckets[i]);
            o->buckets[i] = next;
        }
    }
    free(o->buckets);
    free(o);
}

/* Doubles the table when peers outnumber buckets; a failed grow only makes
 * chains longer. */
static void maybe_grow(rp_reply_order *o)
{
    if (o->peers < o->bucket_count)
        return;
    size_t count = o->bucket_count * 2;
    rp_peer **buckets = calloc(count, sizeof *buckets);
    if (!buckets)
        return;
    for (size_t i = 0; i < o->bucket_count; i++) {
        for (rp_peer *p = o->buckets[i], *next; p; p = next) {
            next = p->chain;
            size_t at = p->hash & (count - 1);
            p->chain = buckets[at];
            buckets[at] = p;
        }
    }
    free(o->buckets);
    o->buckets = buckets;
    o->bucket_count = count;
}

static rp_peer *find_or_add(rp_reply_order *o, const unsigned char *id, size_t len)
{
    uint64_t hash = fnv1a(id, len);
    for (rp_peer *p = o->buckets[hash & (o->bucket_count - 1)]; p; p = p->chain)
        if (p->hash == hash && p->id_len == len && memcmp(p->id, id, len) == 0)
            return p;
    rp_peer *p = calloc(1, sizeof *p + len);
    if (!p)
        return NULL;
    memcpy(p->id, id, len);
    p->id_len = len;
    p->hash = hash;
    maybe_grow(o);
    size_t at = hash & (o->bucket_count - 1);
    p->chain = o->buckets[at];
    o->buckets[at] = p;
    o->peers++;
    return p;
}

static void forget(rp_reply_order *o, rp_peer *peer)
{
    rp_peer **link = &o->buckets[peer->hash & (o->bucket_count - 1)];
    while (*link != peer)
        link = &(*link)->chain;
    *link = peer->chain;
    o->peers--;
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
    return o->peers;
}
