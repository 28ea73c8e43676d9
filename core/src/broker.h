/*
 * broker.h - one running broker: the threads an event passes through and the
 * state they share.
 *
 *   ingress thread   ROUTER socket: receive frame -> decode/validate ->
 *                    queue for the committer; forward replies to clients.
 *   committer thread one transaction per group of requests: positions,
 *                    COPY into events, duplicates detected, COMMIT, then
 *                    replies ("accepted" only after COMMIT returned).
 *   plugin workers   one thread per plugin: read events after the plugin's
 *                    progress, run handlers and due timers, commit effects +
 *                    progress + derived events together.
 *   publisher thread PUB of committed derived events, and the replay ROUTER.
 *   HTTP             /metrics, /health/live, /health/ready (libmicrohttpd's
 *                    thread pool; health.h).
 */
#ifndef RP_BROKER_H
#define RP_BROKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "backoff.h"
#include "clock.h"
#include "config.h"
#include "event_types.h"
#include "http.h"
#include "metrics.h"
#include "notify.h"

typedef struct rp_request_queue rp_request_queue;
typedef struct rp_plugin_host rp_plugin_host;
typedef struct rp_ready_probe rp_ready_probe;

typedef struct rp_broker {
    rp_config *cfg;
    rp_type_registry *types;
    rp_clock clock;
    void *zmq;                      /* the ZeroMQ context */

    atomic_bool stopping;           /* SIGTERM: stop taking new events */
    atomic_bool ingress_paused;     /* the ingress thread saw `stopping` and reads no more */
    atomic_bool committer_done;     /* the committer drained its queue */
    atomic_bool stop_workers;       /* workers finish their transaction and exit */
    atomic_bool publisher_stop;     /* publish what is committed, then exit */
    atomic_bool db_up;              /* the committer's connection works */
    /* What plugin workers read of the committer (ingest_yield.h). */
    _Atomic int64_t committer_busy_us;       /* time spent in finished groups */
    _Atomic int64_t committer_group_started_us; /* the group in hand; 0 = none */
    _Atomic int64_t committer_idle_since_ms; /* when the last group ended; 0 = in a group */

    rp_request_queue *queue;        /* ingress -> committer */
    struct rp_peer_limit *peer_limit; /* limits.max_connections (peer_limit.h) */
    rp_notify events_committed;     /* committer -> workers */
    rp_notify outbox_committed;     /* workers -> publisher */

    rp_plugin_host **plugins;
    size_t plugin_count;

    pthread_t ingress_thread, committer_thread, publisher_thread;
    bool threads_started;
    pthread_t watchdog_thread;      /* watchdog.c: judges the workers' pulses */
    bool watchdog_started;
    atomic_bool watchdog_stop;
    rp_http *http;
    rp_ready_probe *ready;          /* readiness' database sample (ready_probe.h) */
    _Atomic unsigned core_threads_exited; /* rp_core_thread bits (health.h) */
    void *lag_db;                   /* PGconn for /metrics lag gauges (broker_metrics.c) */
    pthread_mutex_t lag_lock;
    rp_backoff lag_backoff;         /* lag_db reconnects, under lag_lock */
} rp_broker;

/* Loads plugins (refusing the start on any plugin error), applies migrations,
 * binds sockets and starts every thread. false with err on failure. */
bool rp_broker_start(rp_broker *broker, rp_config *cfg, char *err, size_t errlen);

/* Graceful stop: stop reading ingress, commit and answer what is in flight,
 * let workers finish their current transaction, publish, join, free. */
void rp_broker_stop(rp_broker *broker);

/* Threads' entry points (one file each). */
void *rp_ingress_main(void *broker);
void *rp_committer_main(void *broker);
void *rp_publisher_main(void *broker);

#endif
