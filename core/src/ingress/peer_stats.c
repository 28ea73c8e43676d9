/* peer_stats.c - counters of what was dropped or refused (see peer_stats.h). */
#include "peer_stats.h"

#include <inttypes.h>
#include <stdatomic.h>

static _Atomic uint64_t counters[RP_PEER_COUNTER_COUNT];
static _Atomic int64_t open_connections;
static _Atomic int64_t waiting_replies;

void rp_peer_stats_waiting(int64_t delta)
{
    atomic_fetch_add_explicit(&waiting_replies, delta, memory_order_relaxed);
}

void rp_peer_stats_add(rp_peer_counter counter)
{
    atomic_fetch_add_explicit(&counters[counter], 1, memory_order_relaxed);
}

uint64_t rp_peer_stats_get(rp_peer_counter counter)
{
    return atomic_load_explicit(&counters[counter], memory_order_relaxed);
}

void rp_peer_stats_set_open(int64_t open)
{
    atomic_store_explicit(&open_connections, open, memory_order_relaxed);
}

void rp_peer_stats_write(FILE *out)
{
    fprintf(out,
            "# HELP rapport_replies_dropped_total Replies not sent because the peer stopped reading (send high-water mark) or left.\n"
            "# TYPE rapport_replies_dropped_total counter\n"
            "rapport_replies_dropped_total{socket=\"ingress\"} %" PRIu64 "\n"
            "# HELP rapport_requests_dropped_total Ingress requests dropped unanswered: limits.max_inflight_requests reached on their connection.\n"
            "# TYPE rapport_requests_dropped_total counter\n"
            "rapport_requests_dropped_total{socket=\"ingress\"} %" PRIu64 "\n"
            "# HELP rapport_connections_refused_total Connections refused at limits.max_connections.\n"
            "# TYPE rapport_connections_refused_total counter\n"
            "rapport_connections_refused_total{sockets=\"ingress+replay\"} %" PRIu64 "\n"
            "# HELP rapport_connections_open Connections open on the ingress and replay sockets.\n"
            "# TYPE rapport_connections_open gauge\n"
            "rapport_connections_open{sockets=\"ingress+replay\"} %" PRId64 "\n"
            "# HELP rapport_replies_waiting Replies ready but held behind earlier requests of their connection (replies leave in request order).\n"
            "# TYPE rapport_replies_waiting gauge\n"
            "rapport_replies_waiting{socket=\"ingress\"} %" PRId64 "\n",
            rp_peer_stats_get(RP_PEER_REPLY_DROPPED),
            rp_peer_stats_get(RP_PEER_REQUEST_DROPPED), rp_peer_stats_get(RP_PEER_CONNECTION_REFUSED),
            atomic_load_explicit(&open_connections, memory_order_relaxed),
            atomic_load_explicit(&waiting_replies, memory_order_relaxed));
}
