/*
 * watchdog.h - notices a plugin worker that has work but makes no progress.
 *
 * A worker beats its pulse when it enters a round of work (fetch, then one
 * transaction) and when it leaves it; outside a round (idle, pausing for
 * ingest, waiting for the database) it cannot be stuck. The watchdog thread
 * looks at every pulse once a second;
 * a worker that is inside a round and has not beaten for longer than
 * `worker_stall_ms` is stuck: logged once when it happens (and once when it
 * recovers), counted in /metrics, and /health/ready fails while it lasts.
 */
#ifndef RP_WATCHDOG_H
#define RP_WATCHDOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct rp_broker rp_broker;

typedef struct rp_worker_pulse {
    _Atomic int64_t beat_ms;     /* monotonic ms of the last sign of life */
    atomic_bool in_round;        /* between fetching work and its transaction's end */
    atomic_bool stuck;           /* the watchdog's verdict, read by /health/ready */
    _Atomic uint64_t stalls;     /* times it became stuck, for /metrics */
} rp_worker_pulse;

/* Worker side: entering and leaving a round of work (fetch, then its
 * transaction); both count as a sign of life. */
void rp_pulse_round(rp_worker_pulse *pulse, bool in_round);

/* Judges every worker's pulse now against `worker_stall_ms`, logging changes.
 * Returns how many are stuck and, when names is not NULL, writes their plugin
 * names separated by ", ". */
size_t rp_watchdog_check(rp_broker *b, char *names, size_t names_len);

/* The watchdog's gauges and counters in Prometheus text. */
void rp_watchdog_write_metrics(FILE *out, rp_broker *b);

/* The thread that runs rp_watchdog_check once a second, so a stuck worker is
 * logged even when nobody probes /health/ready. */
bool rp_watchdog_start(rp_broker *b);
void rp_watchdog_stop(rp_broker *b);

#endif
