/*
 * worker.c - a plugin's worker thread.
 *
 * Loop: fetch the next events after the plugin's progress in every partition
 * it serves (one query), plus its due timers (one query); run them through
 * the plugin in one transaction (dispatch.c) that also writes the plugin's
 * effects and its new progress; repeat. When a transaction fails because of
 * the plugin, the worker switches to careful mode: one item per transaction,
 * so the failing item is found, retried up to max_tries times with back-off,
 * and then dead-lettered (dead_letter.c) while the plugin moves on.
 *
 * Progress commits with the effects, so a crash at any instant either keeps
 * both or neither: each event's effects are applied exactly once.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "db.h"
#include "dead_letter.h"
#include "dispatch.h"
#include "lane_tenants.h"
#include "log.h"
#include "metrics.h"
#include "request_queue.h"
#include "worker_state.h"

#define MIN_PER_PARTITION 16

/* Spread the batch over the partitions that had backlog last time. */
static void adapt_per_partition(rp_worker *w, const rp_batch *b)
{
    size_t batch = w->broker->cfg->limits.plugin_batch_events;
    size_t busy = 0;
    for (size_t i = 0; i < b->group_count; i++)
        busy += b->groups[i].more;
    size_t per = batch / (busy ? busy : (b->group_count ? b->group_count : 1));
    w->per_partition_limit = per < MIN_PER_PARTITION ? MIN_PER_PARTITION : per;
}

static bool same_item(const rp_item_ref *a, const rp_item_ref *b)
{
    if (!a->valid || !b->valid || a->is_timer != b->is_timer)
        return false;
    if (a->is_timer)
        return strcmp(a->tenant, b->tenant) == 0 && strcmp(a->key, b->key) == 0;
    return a->partition == b->partition && a->pos == b->pos;
}

static void describe_item(const rp_item_ref *item, char *out, size_t len)
{
    if (item->is_timer)
        snprintf(out, len, "timer tenant=%s key=%s", item->tenant, item->key);
    else
        snprintf(out, len, "event partition=%u pos=%" PRId64, item->partition, item->pos);
}

/* Careful mode: the failing item is retried alone; after max_tries it is
 * handed to dispatch as the dead-letter target. */
static void on_plugin_failure(rp_worker *w, const rp_item_ref *first, size_t items)
{
    rp_plugin_host *h = w->host;
    if (w->careful_remaining == 0) {
        w->careful_remaining = items > 0 ? items : 1;
        rp_log(RP_WARN, "worker", "plugin failed on a batch; retrying item by item",
               "plugin=%s items=%zu error=\"%s\"", h->name, items, h->ctx.error);
        return;
    }
    if (same_item(&w->failing, first))
        w->failing_tries++;
    else {
        w->failing = *first;
        w->failing_tries = 1;
    }
    char what[600];
    describe_item(first, what, sizeof what);
    rp_log(RP_WARN, "worker", "plugin failed", "plugin=%s item=\"%s\" try=%u max_tries=%u error=\"%s\"",
           h->name, what, w->failing_tries, w->broker->cfg->max_tries, h->ctx.error);
    rp_sleep_ms(50 * (int64_t)w->failing_tries, &w->broker->stop_workers);
}

/* One worker per plugin per database: a session advisory lock keyed by the
 * plugin's name. A second rapportd started by mistake on the same database
 * waits here instead of applying events twice; the lock goes with the
 * connection, so a killed broker releases it at once. */
static bool take_plugin_lock(rp_worker *w)
{
    const char *params[] = {w->host->name};
    char err[256];
    PGresult *res = rp_db_query(w->db, "SELECT pg_try_advisory_lock(hashtext('rapport.plugin'), hashtext($1))",
                                1, params, err, sizeof err);
    bool locked = res && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!locked)
        rp_log(RP_WARN, "worker", "another rapportd serves this plugin on this database; waiting",
               "plugin=%s", w->host->name);
    return locked;
}

static bool ensure_connection(rp_worker *w)
{
    while (!(w->db && !rp_db_broken(w->db))) {
        if (w->db)
            PQfinish(w->db);
        w->db = rp_db_connect_retry(w->broker->cfg->database, w->host->name, w->broker->cfg->db_backoff_min_ms,
                                    w->broker->cfg->db_backoff_max_ms, &w->broker->stop_workers);
        w->host->ctx.db = w->db;
        if (!w->db)
            return false;
        if (!take_plugin_lock(w)) {
            PQfinish(w->db);
            w->db = w->host->ctx.db = NULL;
            rp_sleep_ms(w->broker->cfg->db_backoff_max_ms, &w->broker->stop_workers);
            if (atomic_load(&w->broker->stop_workers))
                return false;
        } else if (w->host->desc->flags & RP_PLUGIN_TENANT_CLOCK) {
            /* a failed read leaves tenants out: their events go one per call */
            rp_lane_tenants_load(&w->host->lane_tenants, w->db, w->host->name);
        }
    }
    return true;
}

/* One round: fetch + one transaction. Returns the outcome. */
static rp_txn_outcome run_round(rp_worker *w)
{
    rp_batch batch = {0};
    if (!rp_batch_fetch(w, &batch)) {
        rp_batch_free(&batch);
        return RP_TXN_DB_FAILED;
    }
    bool careful = w->careful_remaining > 0;
    bool give_up = careful && w->failing.valid && w->failing_tries >= w->broker->cfg->max_tries;
    rp_item_ref first = {0};
    size_t items = 0;
    rp_txn_outcome outcome = rp_dispatch(w, &batch, careful ? 1 : SIZE_MAX,
                                         give_up ? &w->failing : NULL, w->host->ctx.error, &first, &items);
    if (outcome == RP_TXN_PLUGIN_FAILED)
        on_plugin_failure(w, &first, items);
    else if (outcome == RP_TXN_COMMITTED) {
        if (careful) {
            /* Whatever committed - the failing item on a retry, or its dead
             * letter - the failure is behind us. */
            w->careful_remaining--;
            w->failing = (rp_item_ref){0};
            w->failing_tries = 0;
        }
        adapt_per_partition(w, &batch);
    }
    rp_batch_free(&batch);
    return outcome;
}

/* The committer's busy time including the group in hand (see group_ends in
 * committer.c for why reading the start twice is enough). */
static int64_t committer_busy_now(rp_broker *b, int64_t now_us)
{
    for (;;) {
        int64_t started = atomic_load(&b->committer_group_started_us);
        int64_t finished = atomic_load(&b->committer_busy_us);
        if (atomic_load(&b->committer_group_started_us) == started)
            return finished + (started ? now_us - started : 0);
    }
}

static rp_ingest_view read_committer(rp_broker *b, int64_t now_ms)
{
    int64_t idle_since = atomic_load(&b->committer_idle_since_ms);
    return (rp_ingest_view){
        .busy_us = committer_busy_now(b, rp_monotonic_us()),
        .requests_waiting = rp_request_queue_waiting(b->queue),
        .idle_ms = idle_since ? now_ms - idle_since : 0,
    };
}

static bool yield_to_ingest(rp_worker *w)
{
    int64_t now = rp_monotonic_ms();
    rp_ingest_view committer = read_committer(w->broker, now);
    bool busy = rp_ingest_busy(&w->ingest, now, &committer);
    return rp_yield_should_pause(&w->yield, now, busy, w->broker->cfg->plugin_yield_ms);
}

/* Woken from idle by a commit: watch the committer for a moment, so the
 * first commit of a burst does not start a transaction that competes with
 * the rest of it (ingest_yield.h). */
static void settle_after_idle(rp_worker *w)
{
    if (w->broker->cfg->plugin_yield_ms <= 0)
        return;
    rp_ingest_restart(&w->ingest, rp_monotonic_ms(), committer_busy_now(w->broker, rp_monotonic_us()),
                      RP_INGEST_SETTLE_MS);
    rp_sleep_ms(RP_INGEST_SETTLE_MS, &w->broker->stop_workers);
}

/* One log line when the database fails a round and one when rounds work
 * again, not one per retry. */
static void note_db_state(rp_worker *w, rp_txn_outcome outcome)
{
    if (outcome == RP_TXN_DB_FAILED && !w->db_failing) {
        w->db_failing = true;
        rp_log(RP_WARN, "worker", "database failed a transaction; rolled back, retrying",
               "plugin=%s connection=%s", w->host->name, rp_db_broken(w->db) ? "lost" : "ok");
    } else if (outcome != RP_TXN_DB_FAILED && w->db_failing) {
        w->db_failing = false;
        rp_log(RP_INFO, "worker", "database works again", "plugin=%s", w->host->name);
    }
}

void *rp_worker_main(void *arg)
{
    rp_plugin_host *h = arg;
    rp_worker w = {.host = h, .broker = h->broker};
    w.per_partition_limit = h->broker->cfg->limits.plugin_batch_events / (h->partition_count ? h->partition_count : 1);
    if (w.per_partition_limit < MIN_PER_PARTITION)
        w.per_partition_limit = MIN_PER_PARTITION;
    rp_log(RP_INFO, "worker", "started", "plugin=%s partitions=%u", h->name, h->partition_count);
    while (!atomic_load(&w.broker->stop_workers)) {
        rp_pulse_round(&h->pulse, false);
        if (!ensure_connection(&w))
            break;
        if (yield_to_ingest(&w)) {
            int64_t paused_from = rp_monotonic_ms();
            rp_sleep_ms(RP_INGEST_YIELD_STEP_MS, &w.broker->stop_workers);
            rp_metrics_plugin_yield(h->name, rp_monotonic_ms() - paused_from);
            continue;
        }
        /* From here until the round's transaction ends, silence means stuck. */
        rp_pulse_round(&h->pulse, true);
        rp_dead_letter_process_retries(&w);
        rp_txn_outcome outcome = run_round(&w);
        rp_pulse_round(&h->pulse, false);
        note_db_state(&w, outcome);
        if (outcome == RP_TXN_IDLE) {
            uint64_t generation = w.seen_generation;
            rp_notify_wait(&w.broker->events_committed, &w.seen_generation, w.broker->cfg->idle_poll_ms);
            if (w.seen_generation != generation)
                settle_after_idle(&w);
        } else if (outcome == RP_TXN_DB_FAILED) {
            rp_sleep_ms(w.broker->cfg->db_backoff_min_ms, &w.broker->stop_workers);
        }
    }
    if (w.db)
        PQfinish(w.db);
    h->ctx.db = NULL;
    rp_log(RP_INFO, "worker", "stopped", "plugin=%s", h->name);
    return NULL;
}
