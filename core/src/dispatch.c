/*
 * dispatch.c - one plugin transaction: the batch's events and the due timers
 * of each partition, in order, then the plugin's effects and progress.
 *
 * Per partition, in event-time mode, a timer fires before the first event
 * whose ts is past the timer's due time, so a replay of history produces the
 * same sequence as live operation would have. Consecutive events are handed
 * to on_events as one run (a run is cut where a known timer falls due);
 * timers set by a run that fall due inside the run's own time span fire right
 * after the run. In wall-clock mode due timers fire before the partition's
 * events.
 *
 * For a plugin with RP_PLUGIN_RUNS_SPAN_PARTITIONS, in wall-clock mode, the
 * run is not handed over at the end of a partition but kept pending, so the
 * next partition's events join it; it is handed over before any timer fires
 * (a timer must see the effects of the events before it) and at the end.
 * The sequence of events the plugin sees is the same; only the number of
 * calls shrinks, and with it the plugin's load/save round trips. In event
 * time every partition has its own clock (its events' times), and a plugin
 * evaluating "now" once per run would mix clocks, so runs stay per partition.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "pg_array.h"
#include "worker.h"

typedef struct progress_entry {
    uint32_t partition;
    int64_t from_pos;       /* what the progress was when the batch was read */
    int64_t pos;
} progress_entry;

typedef struct txn_state {
    rp_worker *w;
    rp_batch *batch;
    size_t max_items, items, timers_fired;
    const rp_item_ref *dead_target;
    const char *dead_error;
    rp_item_ref *first_item;
    progress_entry *progress;
    size_t progress_count;
    bool stop;              /* item budget used or a callback failed */
    bool failed;
    bool runs_span;         /* the plugin takes runs across partitions */
    const rp_event **run;   /* the run being gathered */
    size_t pending;         /* events in run, not yet handed to the plugin */
} txn_state;

static void note_progress(txn_state *s, const rp_batch_group *g, int64_t pos)
{
    if (s->progress_count && s->progress[s->progress_count - 1].partition == g->partition) {
        s->progress[s->progress_count - 1].pos = pos;
        return;
    }
    s->progress[s->progress_count++] = (progress_entry){g->partition, g->from_pos, pos};
}

static void note_first(txn_state *s, const rp_item_ref *item)
{
    if (!s->first_item->valid)
        *s->first_item = *item;
}

static rp_item_ref event_ref(const rp_event *ev)
{
    return (rp_item_ref){.valid = true, .partition = ev->partition, .pos = ev->pos};
}

static rp_item_ref timer_ref(const rp_timer_entry *t)
{
    rp_item_ref ref = {.valid = true, .is_timer = true, .partition = t->partition};
    snprintf(ref.tenant, sizeof ref.tenant, "%s", t->tenant);
    snprintf(ref.key, sizeof ref.key, "%s", t->key);
    return ref;
}

static bool is_dead_target(const txn_state *s, const rp_item_ref *item)
{
    const rp_item_ref *d = s->dead_target;
    if (!d || !d->valid || d->is_timer != item->is_timer)
        return false;
    if (d->is_timer)
        return strcmp(d->tenant, item->tenant) == 0 && strcmp(d->key, item->key) == 0;
    return d->partition == item->partition && d->pos == item->pos;
}

static void begin_callback(rp_ctx *ctx)
{
    ctx->failed = false;
    ctx->error[0] = '\0';
    ctx->scope_set = false;
    ctx->run = NULL;
    ctx->run_count = 0;
}

static bool callback_failed(txn_state *s, int rc)
{
    rp_ctx *ctx = &s->w->host->ctx;
    if (rc == RP_OK && !ctx->failed)
        return false;
    if (!ctx->failed)
        snprintf(ctx->error, sizeof ctx->error, "handler returned an error without a message");
    s->failed = s->stop = true;
    return true;
}

/* ---------------------------------------------------------------- timers */

static int64_t now_for(const txn_state *s, int64_t event_time)
{
    const rp_clock *clock = &s->w->broker->clock;
    return clock->mode == RP_CLOCK_EVENT ? event_time : rp_clock_now(clock);
}

/* What a timer callback borrows. The callback may re-arm its own timer,
 * which replaces the entry's customer, org and payload in place, so the
 * callback's view and scope point at copies that live until it returns
 * (tenant and key never change for an entry). */
typedef struct timer_snapshot {
    char *customer, *org;
    uint8_t *payload;
} timer_snapshot;

static char *copy_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool take_snapshot(const rp_timer_entry *t, timer_snapshot *snap)
{
    snap->customer = copy_or_null(t->customer);
    snap->org = copy_or_null(t->org);
    snap->payload = malloc(t->payload_len ? t->payload_len : 1);
    if (snap->payload && t->payload_len)
        memcpy(snap->payload, t->payload, t->payload_len);
    return snap->payload && (!t->customer || snap->customer) && (!t->org || snap->org);
}

static void drop_snapshot(timer_snapshot *snap)
{
    free(snap->customer);
    free(snap->org);
    free(snap->payload);
}

/* Hands the gathered run to the plugin. */
static void flush_run(txn_state *s)
{
    if (s->pending == 0)
        return;
    rp_worker *w = s->w;
    rp_ctx *ctx = &w->host->ctx;
    size_t count = s->pending;
    s->pending = 0;
    begin_callback(ctx);
    rp_ctx_scope_event(ctx, s->run[0]);
    ctx->scope.now_ms = now_for(s, s->run[count - 1]->ts_ms);
    ctx->run = (const rp_event *const *)s->run;
    ctx->run_count = count;
    int rc = w->host->desc->on_events(ctx, (const rp_event *const *)s->run, count);
    ctx->run = NULL;
    ctx->run_count = 0;
    callback_failed(s, rc);
}

static void fire_timer(txn_state *s, rp_timer_entry *t)
{
    rp_worker *w = s->w;
    rp_ctx *ctx = &w->host->ctx;
    rp_item_ref ref = timer_ref(t);
    note_first(s, &ref);
    char cause[600];
    snprintf(cause, sizeof cause, "timer:%s", t->key);
    timer_snapshot snap;
    if (!take_snapshot(t, &snap)) {
        drop_snapshot(&snap);
        rp_log(RP_ERR, "worker", "out of memory firing a timer; transaction rolled back",
               "plugin=%s key=%s", w->host->name, t->key);
        s->failed = s->stop = true;
        return;
    }
    rp_timer timer = {
        .struct_size = sizeof timer, .tenant = t->tenant, .key = t->key, .customer = snap.customer,
        .org = snap.org, .due_ms = t->due_ms, .partition = t->partition,
        .payload = {snap.payload, t->payload_len},
    };
    s->items++;
    s->timers_fired++;
    rp_fx_timer_fired(t);
    if (is_dead_target(s, &ref)) {
        if (!rp_dead_letter_record(w, &ref, NULL, &timer, s->dead_error, w->failing_tries))
            s->failed = s->stop = true;
    } else if (w->host->desc->on_timer) {
        begin_callback(ctx);
        ctx->scope = (rp_scope_state){.tenant = timer.tenant, .customer = timer.customer,
                                      .org = timer.org, .cause = cause, .partition = timer.partition,
                                      .now_ms = now_for(s, timer.due_ms)};
        int rc = w->host->desc->on_timer(ctx, &timer);
        ctx->scope.cause = NULL;   /* `cause` is on this stack frame */
        ctx->scope.customer = ctx->scope.org = NULL;   /* so is the snapshot */
        callback_failed(s, rc);
    }
    drop_snapshot(&snap);
}

/* A stop request (SIGTERM) ends the transaction after the current callback:
 * what is done commits, the rest waits for the next start. */
static bool budget_left(const txn_state *s)
{
    return !s->stop && !atomic_load(&s->w->broker->stop_workers) && s->items < s->max_items &&
           s->timers_fired < s->w->broker->cfg->limits.plugin_batch_events;
}

/* Fires this partition's live timers due at or before bound, earliest first. */
static void fire_due(txn_state *s, uint32_t partition, int64_t bound)
{
    rp_timer_entry *t;
    while (budget_left(s) && (t = rp_fx_next_due(&s->w->host->ctx.fx, partition, bound)) != NULL) {
        if (s->pending) {
            /* The gathered run goes first (the timer must see its effects);
             * it may set timers, which can move the entries: pick again. */
            flush_run(s);
            continue;
        }
        fire_timer(s, t);
    }
}

/* ---------------------------------------------------------------- events */

/* Dispatches events of group g from *next on; returns at a timer boundary,
 * at the end of the group, or when the item budget is used up. */
static void dispatch_events(txn_state *s, const rp_batch_group *g, size_t *next, bool event_time)
{
    rp_batch *b = s->batch;
    rp_txn_effects *fx = &s->w->host->ctx.fx;
    size_t end = g->first + g->count, gathered = 0;
    int64_t latest_gathered_ts = INT64_MIN;
    while (*next < end && budget_left(s)) {
        const rp_event *ev = &b->events[*next];
        /* In event time a run stops where the clock moves forward: a timer
         * the run itself arms may fall due before the later event, and it
         * must fire first (the caller fires it after this run's flush). */
        if (event_time && gathered > 0 &&
            (ev->ts_ms > latest_gathered_ts || rp_fx_next_due(fx, g->partition, ev->ts_ms)))
            break;
        if (b->subscribed[*next]) {
            rp_item_ref ref = event_ref(ev);
            note_first(s, &ref);
            if (is_dead_target(s, &ref)) {
                flush_run(s);
                s->items++;
                if (!s->stop && !rp_dead_letter_record(s->w, &ref, ev, NULL, s->dead_error, s->w->failing_tries))
                    s->failed = s->stop = true;
                note_progress(s, g, ev->pos);
                (*next)++;
                return;
            }
            s->run[s->pending++] = ev;
            s->items++;
            gathered++;
            if (ev->ts_ms > latest_gathered_ts)
                latest_gathered_ts = ev->ts_ms;
        }
        note_progress(s, g, ev->pos);
        (*next)++;
    }
    if (!s->runs_span)
        flush_run(s);
}

static int64_t watermark_bound(const txn_state *s)
{
    return rp_worker_clock_bound(s->w);
}

static void dispatch_partition(txn_state *s, uint32_t partition, const rp_batch_group *g)
{
    bool event_time = s->w->broker->clock.mode == RP_CLOCK_EVENT;
    if (!event_time)
        fire_due(s, partition, watermark_bound(s));
    size_t next = g ? g->first : 0;
    size_t end = g ? g->first + g->count : 0;
    while (budget_left(s) && next < end) {
        if (event_time)
            fire_due(s, partition, s->batch->events[next].ts_ms);
        if (!budget_left(s))
            break;
        dispatch_events(s, g, &next, event_time);
    }
    if (!budget_left(s) || !event_time)
        return;
    /* After the events: the partition's clock may advance to the watermark
     * only if no more of its events wait beyond this batch. */
    fire_due(s, partition, g && g->more ? g->max_ts : watermark_bound(s));
}

/* ---------------------------------------------------------------- transaction */

static bool load_timers(txn_state *s)
{
    PGresult *res = s->batch->timers_res;
    rp_txn_effects *fx = &s->w->host->ctx.fx;
    for (int r = 0; r < PQntuples(res); r++) {
        uint32_t part;
        uint64_t due;
        memcpy(&part, PQgetvalue(res, r, 2), 4);
        memcpy(&due, PQgetvalue(res, r, 3), 8);
        if (!rp_fx_timer_loaded(fx, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1), be32toh(part),
                                (int64_t)be64toh(due),
                                PQgetisnull(res, r, 4) ? NULL : PQgetvalue(res, r, 4),
                                PQgetisnull(res, r, 5) ? NULL : PQgetvalue(res, r, 5),
                                (const uint8_t *)PQgetvalue(res, r, 6), (size_t)PQgetlength(res, r, 6)))
            return false;
    }
    return true;
}

static bool has_timer_in(const rp_txn_effects *fx, uint32_t partition)
{
    for (size_t i = 0; i < fx->timer_count; i++)
        if (fx->timers[i].partition == partition && fx->timers[i].state == RP_TIMER_LIVE)
            return true;
    return false;
}

static const rp_batch_group *group_of(const rp_batch *b, uint32_t partition)
{
    for (size_t i = 0; i < b->group_count; i++)
        if (b->groups[i].partition == partition)
            return &b->groups[i];
    return NULL;
}

static void dispatch_all(txn_state *s)
{
    rp_txn_effects *fx = &s->w->host->ctx.fx;
    for (uint32_t p = 0; p < s->w->host->partition_count && !s->stop; p++) {
        const rp_batch_group *g = group_of(s->batch, p);
        if (g || has_timer_in(fx, p))
            dispatch_partition(s, p, g);
    }
    /* Progress already covers the gathered events: they must run before the
     * commit, also when the budget or a stop request ended the loop. */
    if (!s->failed)
        flush_run(s);
}

/* Compare-and-set: each partition's progress must still be what it was
 * when the batch was read, or another worker has applied these events and
 * this transaction must not commit. */
static bool write_progress(txn_state *s, char *err, size_t errlen)
{
    if (s->progress_count == 0)
        return true;
    rp_pg_array parts, from, positions;
    rp_pg_array_init(&parts);
    rp_pg_array_init(&from);
    rp_pg_array_init(&positions);
    for (size_t i = 0; i < s->progress_count; i++) {
        rp_pg_array_int(&parts, s->progress[i].partition);
        rp_pg_array_int(&from, s->progress[i].from_pos);
        rp_pg_array_int(&positions, s->progress[i].pos);
    }
    const char *params[] = {s->w->host->name, rp_pg_array_finish(&parts), rp_pg_array_finish(&from),
                            rp_pg_array_finish(&positions)};
    PGresult *res = rp_db_query(s->w->db,
        "UPDATE plugin_progress p SET pos = v.pos, updated_at = now() "
        "FROM unnest($2::int[], $3::bigint[], $4::bigint[]) AS v(partition, from_pos, pos) "
        "WHERE p.plugin = $1 AND p.partition = v.partition AND p.pos = v.from_pos",
        4, params, err, errlen);
    rp_pg_array_free(&parts);
    rp_pg_array_free(&from);
    rp_pg_array_free(&positions);
    bool ok = res && strtoull(PQcmdTuples(res), NULL, 10) == s->progress_count;
    if (res && !ok) {
        snprintf(err, errlen, "progress of plugin %s moved during the transaction (another worker?); "
                 "rolled back", s->w->host->name);
        rp_log(RP_ERR, "worker", "progress conflict; transaction rolled back", "plugin=%s", s->w->host->name);
    }
    PQclear(res);
    return ok;
}

static rp_txn_outcome finish(txn_state *s)
{
    rp_worker *w = s->w;
    rp_ctx *ctx = &w->host->ctx;
    char err[512] = "";
    size_t emitted = 0;
    /* The plugin's own deferred statements first, so that a failure among
     * them is charged to the plugin; a progress conflict is not its fault. */
    bool ok = !s->failed && rp_fx_flush_deferred(&ctx->fx, w->db, err, sizeof err);
    if (ok && !write_progress(s, err, sizeof err)) {
        if (!rp_db_broken(w->db))
            rp_db_run(w->db, "ROLLBACK", NULL, 0);
        rp_fx_reset(&ctx->fx);
        return RP_TXN_DB_FAILED;
    }
    ok = ok && rp_fx_write(&ctx->fx, w->db, w->host->name, &emitted, err, sizeof err) &&
         rp_db_run(w->db, "COMMIT", err, sizeof err);
    if (!ok) {
        bool plugin_fault = s->failed || (!rp_db_broken(w->db) && err[0]);
        if (!s->failed && err[0]) {
            /* A deferred statement of the plugin (or its effects) failed at
             * flush: that is the plugin's failure, found late. */
            snprintf(ctx->error, sizeof ctx->error, "%s", err);
        }
        if (!rp_db_broken(w->db))
            rp_db_run(w->db, "ROLLBACK", NULL, 0);
        rp_fx_reset(&ctx->fx);
        return plugin_fault && !rp_db_broken(w->db) ? RP_TXN_PLUGIN_FAILED : RP_TXN_DB_FAILED;
    }
    rp_fx_reset(&ctx->fx);
    if (emitted) {
        rp_metrics_derived(emitted);
        rp_notify_bump(&w->broker->outbox_committed);
    }
    return RP_TXN_COMMITTED;
}

rp_txn_outcome rp_dispatch(rp_worker *w, rp_batch *batch, size_t max_items,
                           const rp_item_ref *dead_target, const char *dead_error,
                           rp_item_ref *first_item, size_t *items)
{
    *first_item = (rp_item_ref){0};
    *items = 0;
    if (batch->count == 0 && PQntuples(batch->timers_res) == 0)
        return RP_TXN_IDLE;
    char dead_error_copy[512];
    snprintf(dead_error_copy, sizeof dead_error_copy, "%s", dead_error ? dead_error : "");
    txn_state s = {.w = w, .batch = batch, .max_items = max_items, .dead_target = dead_target,
                   .dead_error = dead_error_copy, .first_item = first_item,
                   .runs_span = (w->host->desc->flags & RP_PLUGIN_RUNS_SPAN_PARTITIONS) != 0 &&
                                w->broker->clock.mode != RP_CLOCK_EVENT};
    s.progress = calloc(w->host->partition_count + 1, sizeof *s.progress);
    s.run = calloc(batch->count ? batch->count : 1, sizeof *s.run);
    rp_txn_outcome outcome = RP_TXN_DB_FAILED;
    char err[512];
    if (s.progress && s.run && rp_db_run(w->db, "BEGIN", err, sizeof err)) {
        if (!load_timers(&s))
            s.failed = true;
        else
            dispatch_all(&s);
        outcome = finish(&s);
    }
    *items = s.items;
    free(s.progress);
    free(s.run);
    return outcome;
}
