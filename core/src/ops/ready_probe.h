/*
 * ready_probe.h - what readiness needs from the database, sampled at most
 * once per RP_READY_CACHE_MS over a connection of its own.
 *
 * A probe must stay cheap and prompt however often it is asked and however
 * slow the database is: probes in between read the cached sample, and while
 * one probe refreshes it the others do not wait but read the previous one.
 * The sample is a `SELECT 1`-class round trip (is the database reachable
 * from here, now, not only when the committer last tried) and, when
 * ready_max_lag_ms is set, the age of the oldest event a loaded plugin has
 * not processed yet: one index probe per (plugin, partition) on
 * events (partition, pos), never a count.
 */
#ifndef RP_READY_PROBE_H
#define RP_READY_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "broker.h"

#define RP_READY_CACHE_MS 1000
#define RP_READY_STATEMENT_TIMEOUT "2s"

typedef struct rp_ready_sample {
    bool sampled;             /* false until the first refresh ended */
    bool db_ok;
    char db_error[256];
    int64_t lag_ms;           /* oldest unprocessed event's age; 0 = none or not measured */
    char lag_plugin[64];      /* the plugin it belongs to */
} rp_ready_sample;

typedef struct rp_ready_probe rp_ready_probe;

/* Reconnects after failures with the db_backoff_* back-off. */
rp_ready_probe *rp_ready_probe_new(int64_t backoff_min_ms, int64_t backoff_max_ms);
void rp_ready_probe_free(rp_ready_probe *probe);

/* The current sample of broker b (refreshed first when stale and nobody
 * else is refreshing it). */
void rp_ready_probe_sample(rp_ready_probe *probe, rp_broker *b, rp_ready_sample *out);

#endif
