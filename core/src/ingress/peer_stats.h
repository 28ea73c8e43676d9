/*
 * peer_stats.h - what the broker dropped or refused to keep its memory and
 * file descriptors bounded (issue 16, item 3), for /metrics and tests:
 * replies dropped at a peer's send high-water mark, requests dropped beyond
 * limits.max_inflight_requests, connections refused beyond
 * limits.max_connections, and the connections open now.
 */
#ifndef RP_PEER_STATS_H
#define RP_PEER_STATS_H

#include <stdint.h>
#include <stdio.h>

typedef enum rp_peer_counter {
    RP_PEER_REPLY_DROPPED = 0,       /* ingress reply not sent: peer not reading (HWM) or gone */
    RP_PEER_REQUEST_DROPPED,         /* request dropped: too many in flight on its connection */
    RP_PEER_CONNECTION_REFUSED,      /* connection refused at limits.max_connections */
    RP_PEER_COUNTER_COUNT
} rp_peer_counter;

void rp_peer_stats_add(rp_peer_counter counter);
uint64_t rp_peer_stats_get(rp_peer_counter counter);

/* Replies ready but waiting behind earlier requests of their connection
 * (reply_order.c); delta +1 or -1. */
void rp_peer_stats_waiting(int64_t delta);

/* Connections open on the ingress and replay ROUTERs (peer_limit.c). */
void rp_peer_stats_set_open(int64_t open);

/* Writes the counters in Prometheus text format. */
void rp_peer_stats_write(FILE *out);

#endif
