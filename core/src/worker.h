/*
 * worker.h - state shared by the plugin worker's files: worker.c (the loop
 * and fetching), dispatch.c (one transaction: events and timers in order),
 * dead_letter.c (giving up on an item; operator retries).
 */
#ifndef RP_WORKER_H
#define RP_WORKER_H

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
    char tenant[257];
    char key[513];
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

/* dispatch.c: runs one transaction over the batch. With max_items, stops
 * after that many items (events handled or timers fired). If dead_target is
 * valid and is the first item, it is dead-lettered instead of handled.
 * *first_item gets the first item the transaction reached; *items the count. */
rp_txn_outcome rp_dispatch(rp_worker *w, rp_batch *batch, size_t max_items,
                           const rp_item_ref *dead_target, const char *dead_error,
                           rp_item_ref *first_item, size_t *items);

/* dead_letter.c */
bool rp_dead_letter_record(rp_worker *w, const rp_item_ref *item, const rp_event *ev,
                           const rp_timer *timer, const char *error, unsigned tries);
void rp_dead_letter_process_retries(rp_worker *w);

/* Reads an event from a binary-format row with the columns
 * partition, pos, tenant, id, type, ts_ms, customer, org, data. */
void rp_worker_event_from_row(const PGresult *res, int row, rp_event *ev);

/* The engine clock's bound for due timers right now. */
int64_t rp_worker_clock_bound(const rp_worker *w);

#endif
