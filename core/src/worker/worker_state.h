/*
 * worker_state.h - what the files of a plugin's worker share: one item of
 * plugin work, a fetched batch, a transaction's outcome and the worker.
 *
 *   worker.c       the thread: rounds, careful mode, back-off, idle waits
 *   batch.c        fetching a batch of events and due timers
 *   dispatch.c     one transaction over a batch, calls of one tenant each
 *   dead_letter.c  giving up on an item; operator retries
 *
 * Types only, so the four depend on it and not on each other in a loop.
 */
#ifndef RP_WORKER_STATE_H
#define RP_WORKER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "ingest_yield.h"
#include "plugin_host.h"

/* One unit of plugin work: an event (partition, pos) or a timer (tenant, key). */
typedef struct rp_item_ref {
    bool valid;
    bool is_timer;
    uint32_t partition;
    int64_t pos;
    char tenant[RP_KEY_CEILING + 1];
    char key[RP_TIMER_KEY_CEILING + 1];
} rp_item_ref;

typedef struct rp_batch_group {
    uint32_t partition;
    size_t first, count;
    bool more;              /* the partition has events beyond this batch */
    int64_t max_ts;
    int64_t from_pos;       /* the plugin's progress when the batch was read */
} rp_batch_group;

typedef struct rp_batch {
    PGresult *events_res;
    rp_event *events;
    bool *subscribed;
    size_t count;
    rp_batch_group *groups;
    size_t group_count;
    PGresult *timers_res;   /* due timers, loaded into the agenda in the transaction */
    int64_t clock_ms;       /* the engine clock read before the events were fetched */
} rp_batch;

typedef enum rp_txn_outcome {
    RP_TXN_IDLE,            /* nothing to do */
    RP_TXN_COMMITTED,
    RP_TXN_PLUGIN_FAILED,   /* a callback failed; rolled back */
    RP_TXN_DB_FAILED        /* the database failed; rolled back or connection lost */
} rp_txn_outcome;

typedef struct rp_worker {
    rp_plugin_host *host;
    rp_broker *broker;
    PGconn *db;
    size_t per_partition_limit;
    size_t careful_remaining;     /* >0: one item per transaction */
    rp_item_ref failing;          /* the item that failed in careful mode */
    unsigned failing_tries;
    bool db_failing;              /* the last round failed in the database (logged once) */
    uint64_t seen_generation;
    rp_ingest_sample ingest;      /* the committer's load, last seen */
    rp_yield_state yield;         /* pauses while ingest is busy */
} rp_worker;

#endif
