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
 * calls shrinks, and with it the plugin's load/save round trips. Such a
 * plugin's due timers of all partitions fire first, before any events.
 *
 * A plugin with on_timers (ABI 1.2) gets the due timers of a partition (of
 * all partitions, as above) in as few calls as the budgets allow; in event
 * time one call holds timers of one due time only. In event time every
 * partition has its own clock (its events' times), and a plugin evaluating
 * "now" once per run would mix clocks, so runs stay per partition.
 *
 * The tenant clock (tenant_timer_set, ABI 2.1): such timers live in the
 * tenant lane (partition -1). In event time the partitions advance in
 * rounds: each up to the lane's next timer (no event at or after it, no
 * timer after it), then that timer fires once every partition is complete
 * before it, so it sees all of them at one instant. In wall-clock time the
 * lane's due timers fire after the batch's events, once no partition has
 * more events waiting. event_lateness_ms holds event-time timers back
 * behind the watermark; and a timer fires before a fetched event only if no
 * fetched event of its partition precedes it in time, unless it is the
 * event's own scope's (docs/architecture.md "Tenant clock").
 *
 * After the last call of a transaction, a plugin's before_commit (ABI 1.3)
 * writes back what it kept across the calls, before progress and commit.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "lane_tenants.h"
#include "partition.h"
#include "pg_array.h"
#include "plugin_call.h"
#include "dead_letter.h"
#include "dispatch.h"

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
    size_t *progress_slot;  /* per batch group: its entry in progress, SIZE_MAX if none */
    bool stop;              /* item budget used or a callback failed */
    bool failed;
    bool runs_span;         /* the plugin takes runs across partitions */
    bool called;            /* the plugin had a call: before_commit is due */
    const rp_event **run;   /* the run being gathered */
    size_t pending;         /* events in run, not yet handed to the plugin */
    /* event time only: */
    int64_t *ahead;         /* per batch event: the earliest ts from it to its group's end */
    int64_t fire_horizon;   /* the latest due a timer may fire at before a fetched event */
} txn_state;

/* The group's partition has handled its events up to pos. A partition's
 * events may be handled in several stretches (event time: rounds up to the
 * tenant clock), so the entry is found by group, and listed once. */
static void note_progress(txn_state *s, const rp_batch_group *g, int64_t pos)
{
    size_t *slot = &s->progress_slot[g - s->batch->groups];
    if (*slot == SIZE_MAX) {
        *slot = s->progress_count++;
        s->progress[*slot] = (progress_entry){g->partition, g->from_pos, pos};
    }
    s->progress[*slot].pos = pos;
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

/* The key whose events must see each other's timers: the customer, else the
 * org; NULL for a tenant-wide event, which is ordered against all. */
static const char *scope_key(const rp_event *ev)
{
    return ev->customer ? ev->customer : ev->org;
}

/* Whether timer t must fire before ev when it is due first: a timer of the
 * event's tenant and customer (org), or either without one. */
static bool timer_of_scope(const rp_timer_entry *t, const rp_event *ev)
{
    if (strcmp(t->tenant, ev->tenant) != 0)
        return false;
    const char *kt = t->customer ? t->customer : t->org, *ke = scope_key(ev);
    return !kt || !ke || strcmp(kt, ke) == 0;
}

/* Which live timers a firing takes: of one partition (or the tenant lane),
 * or of all partitions; optionally only those of one event's scope. */
typedef struct timer_pick {
    bool all_partitions;
    uint32_t partition;
    const rp_event *scope;
} timer_pick;

static bool picked(const timer_pick *pick, const rp_timer_entry *t)
{
    bool place = pick->all_partitions ? t->partition != RP_TENANT_LANE : t->partition == pick->partition;
    return place && (!pick->scope || timer_of_scope(t, pick->scope));
}

static int64_t now_for(const txn_state *s, int64_t event_time)
{
    const rp_clock *clock = &s->w->broker->clock;
    return clock->mode == RP_CLOCK_EVENT ? event_time : rp_clock_now(clock);
}

/* What a timer callback borrows. The callback may re-arm a timer it is
 * handling, which replaces the entry's customer, org and payload in place,
 * and may add timers, which can move the entries; so the callback's views
 * and scope point at copies that live until it returns (an entry's tenant
 * and key strings never change and are freed only with the transaction). */
typedef struct timer_snapshot {
    char *customer, *org, *cause;
    uint8_t *payload;
} timer_snapshot;

static char *copy_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool take_snapshot(const rp_timer_entry *t, timer_snapshot *snap, rp_timer *out)
{
    snap->customer = copy_or_null(t->customer);
    snap->org = copy_or_null(t->org);
    size_t cause_len = strlen("timer:") + strlen(t->key) + 1;
    snap->cause = malloc(cause_len);
    if (snap->cause)
        snprintf(snap->cause, cause_len, "timer:%s", t->key);
    snap->payload = malloc(t->payload_len ? t->payload_len : 1);
    if (snap->payload && t->payload_len)
        memcpy(snap->payload, t->payload, t->payload_len);
    *out = (rp_timer){
        .struct_size = sizeof *out, .tenant = t->tenant, .key = t->key, .customer = snap->customer,
        .org = snap->org, .due_ms = t->due_ms, .partition = t->partition,
        .payload = {snap->payload, t->payload_len},
    };
    return snap->payload && snap->cause && (!t->customer || snap->customer) && (!t->org || snap->org);
}

static void drop_snapshot(timer_snapshot *snap)
{
    free(snap->customer);
    free(snap->org);
    free(snap->cause);
    free(snap->payload);
}

/* One on_events call with a tenant's stretch of the run. */
static void call_events(txn_state *s, const rp_event *const *events, size_t count)
{
    rp_ctx *ctx = &s->w->host->ctx;
    begin_callback(ctx);
    rp_ctx_scope_event(ctx, events[0]);
    ctx->scope.now_ms = now_for(s, events[count - 1]->ts_ms);
    ctx->run = events;
    ctx->run_count = count;
    s->called = true;
    int rc = rp_call_on_events(ctx, events, count);
    ctx->run = NULL;
    ctx->run_count = 0;
    callback_failed(s, rc);
}

static void out_of_memory(txn_state *s, const char *what, size_t count)
{
    rp_log(RP_ERR, "worker", "out of memory; transaction rolled back", "plugin=%s what=%s count=%zu",
           s->w->host->name, what, count);
    s->failed = s->stop = true;
}

/* Hands the gathered run to the plugin, one call per tenant: the run is
 * ordered by tenant (each tenant's events keep their order) and each
 * tenant's stretch is a call with that tenant's settings. */
static void flush_run(txn_state *s)
{
    size_t count = s->pending;
    s->pending = 0;
    if (count == 0)
        return;
    const char **tenants = malloc(count * sizeof *tenants);
    size_t *perm = malloc(count * sizeof *perm);
    const rp_event **ordered = malloc(count * sizeof *ordered);
    for (size_t i = 0; tenants && i < count; i++)
        tenants[i] = s->run[i]->tenant;
    if (!tenants || !perm || !ordered || !rp_tenant_order(tenants, count, perm)) {
        out_of_memory(s, "ordering a run by tenant", count);
    } else {
        for (size_t i = 0; i < count; i++) {
            ordered[i] = s->run[perm[i]];
            tenants[i] = ordered[i]->tenant;
        }
        for (size_t at = 0; at < count && !s->failed;) {
            size_t n = rp_tenant_stretch(tenants + at, count - at);
            call_events(s, ordered + at, n);
            at += n;
        }
    }
    free(tenants);
    free(perm);
    free(ordered);
}

/* One on_timers call with timers of one tenant. The timers are already
 * spent. */
static void call_tenant_timers(txn_state *s, const rp_timer *const *timers, const char *const *causes,
                               size_t count)
{
    rp_ctx *ctx = &s->w->host->ctx;
    begin_callback(ctx);
    ctx->timer_run = timers;
    ctx->timer_causes = causes;
    ctx->timer_run_count = count;
    ctx->scope.now_ms = now_for(s, timers[0]->due_ms);
    rp_ctx_scope_timer_at(ctx, 0);
    s->called = true;
    int rc = rp_call_on_timers(ctx, timers, count);
    ctx->timer_run = NULL;
    ctx->timer_causes = NULL;
    ctx->timer_run_count = 0;
    ctx->scope.cause = NULL;   /* the snapshots go when the caller returns */
    ctx->scope.customer = ctx->scope.org = NULL;
    callback_failed(s, rc);
}

/* The due timers in calls of one tenant each, ordered by tenant (each
 * tenant's timers keep their due order). */
static void call_timer_handler(txn_state *s, const rp_timer **timers, const char **causes, size_t count)
{
    const char **tenants = malloc(count * sizeof *tenants);
    size_t *perm = malloc(count * sizeof *perm);
    const rp_timer **by_tenant = malloc(count * sizeof *by_tenant);
    const char **by_tenant_causes = malloc(count * sizeof *by_tenant_causes);
    for (size_t i = 0; tenants && i < count; i++)
        tenants[i] = timers[i]->tenant;
    if (!tenants || !perm || !by_tenant || !by_tenant_causes || !rp_tenant_order(tenants, count, perm)) {
        out_of_memory(s, "ordering timers by tenant", count);
    } else {
        for (size_t i = 0; i < count; i++) {
            by_tenant[i] = timers[perm[i]];
            by_tenant_causes[i] = causes[perm[i]];
            tenants[i] = by_tenant[i]->tenant;
        }
        for (size_t at = 0; at < count && !s->failed;) {
            size_t n = rp_tenant_stretch(tenants + at, count - at);
            call_tenant_timers(s, by_tenant + at, by_tenant_causes + at, n);
            at += n;
        }
    }
    free(tenants);
    free(perm);
    free(by_tenant);
    free(by_tenant_causes);
}

/* Fires count due timers in one call; with count 1 also the dead-letter
 * path of the worker's one-item-per-transaction retries. */
static void fire_timers(txn_state *s, rp_timer_entry *const *due, size_t count)
{
    timer_snapshot *snaps = calloc(count, sizeof *snaps);
    rp_timer *timers = calloc(count, sizeof *timers);
    const rp_timer **ptrs = calloc(count, sizeof *ptrs);
    const char **causes = calloc(count, sizeof *causes);
    bool ok = snaps && timers && ptrs && causes;
    for (size_t i = 0; ok && i < count; i++) {
        ok = take_snapshot(due[i], &snaps[i], &timers[i]);
        ptrs[i] = &timers[i];
        causes[i] = snaps[i].cause;
    }
    if (!ok) {
        rp_log(RP_ERR, "worker", "out of memory firing timers; transaction rolled back",
               "plugin=%s timers=%zu", s->w->host->name, count);
        s->failed = s->stop = true;
    } else {
        rp_item_ref ref = timer_ref(due[0]);
        note_first(s, &ref);
        for (size_t i = 0; i < count; i++)
            rp_fx_timer_fired(due[i]);
        s->items += count;
        s->timers_fired += count;
        if (count == 1 && is_dead_target(s, &ref)) {
            if (!rp_dead_letter_record(s->w, &ref, NULL, ptrs[0], s->dead_error, s->w->failing_tries))
                s->failed = s->stop = true;
        } else {
            call_timer_handler(s, ptrs, causes, count);
        }
    }
    for (size_t i = 0; snaps && i < count; i++)
        drop_snapshot(&snaps[i]);
    free(snaps);
    free(timers);
    free(ptrs);
    free(causes);
}

/* A stop request (SIGTERM) ends the transaction after the current callback:
 * what is done commits, the rest waits for the next start. */
static bool budget_left(const txn_state *s)
{
    return !s->stop && !atomic_load(&s->w->broker->stop_workers) && s->items < s->max_items &&
           s->timers_fired < s->w->broker->cfg->limits.plugin_batch_events;
}

/* How many timers one call may take: what the budgets leave, and one at a
 * time for plugins without on_timers and while isolating a failing item. */
static size_t timer_call_limit(const txn_state *s)
{
    if (s->dead_target && s->dead_target->valid)
        return 1;
    size_t by_items = s->max_items - s->items;
    size_t by_timers = s->w->broker->cfg->limits.plugin_batch_events - s->timers_fired;
    return by_items < by_timers ? by_items : by_timers;
}

/* Timers due at one instant fire in (tenant, key) order, whether they were
 * loaded or set in this transaction, so the order never depends on how the
 * database returned ties or on arrival order. */
static int by_due_then_key(const void *a, const void *b)
{
    const rp_timer_entry *x = *(rp_timer_entry *const *)a, *y = *(rp_timer_entry *const *)b;
    if (x->due_ms != y->due_ms)
        return x->due_ms < y->due_ms ? -1 : 1;
    int by_tenant = strcmp(x->tenant, y->tenant);
    return by_tenant ? by_tenant : strcmp(x->key, y->key);
}

/* The live timers of pick due at or before bound, earliest first, at most limit of them; in event time only
 * those of the earliest due time. Returns how many were put in out. */
static size_t collect_due(txn_state *s, const timer_pick *pick, int64_t bound, rp_timer_entry **out,
                          size_t limit)
{
    rp_txn_effects *fx = &s->w->host->ctx.fx;
    size_t n = 0;
    for (size_t i = 0; i < fx->timer_count; i++) {
        rp_timer_entry *t = &fx->timers[i];
        if (t->state == RP_TIMER_LIVE && t->due_ms <= bound && picked(pick, t))
            out[n++] = t;
    }
    qsort(out, n, sizeof *out, by_due_then_key);
    if (s->w->broker->clock.mode == RP_CLOCK_EVENT)
        for (size_t i = 1; i < n; i++)
            if (out[i]->due_ms != out[0]->due_ms) {
                n = i;
                break;
            }
    return n < limit ? n : limit;
}

/* Fires the live timers of pick due at or before bound, earliest first, as
 * many per call as allowed.
 * Returns how many fired. */
static size_t fire_due_timers(txn_state *s, const timer_pick *pick, int64_t bound)
{
    size_t fired = 0;
    while (budget_left(s)) {
        rp_txn_effects *fx = &s->w->host->ctx.fx;
        rp_timer_entry **due = malloc((fx->timer_count ? fx->timer_count : 1) * sizeof *due);
        if (!due) {
            rp_log(RP_ERR, "worker", "out of memory collecting due timers; transaction rolled back",
                   "plugin=%s", s->w->host->name);
            s->failed = s->stop = true;
            return fired;
        }
        size_t count = collect_due(s, pick, bound, due, timer_call_limit(s));
        if (count > 0 && s->pending) {
            /* The gathered run goes first (the timers must see its effects);
             * it may set timers, which can move the entries: collect again. */
            free(due);
            flush_run(s);
            continue;
        }
        if (count > 0)
            fire_timers(s, due, count);
        free(due);
        fired += count;
        if (count == 0)
            return fired;
    }
    return fired;
}

/* Fires this partition's live timers due at or before bound, earliest first. */
static size_t fire_due(txn_state *s, uint32_t partition, int64_t bound)
{
    timer_pick pick = {.partition = partition};
    return fire_due_timers(s, &pick, bound);
}

/* Fires the live timers of ev's scope in its partition due at or before
 * bound, earliest first. */
static size_t fire_scope_due(txn_state *s, const rp_event *ev, int64_t bound)
{
    timer_pick pick = {.partition = ev->partition, .scope = ev};
    return fire_due_timers(s, &pick, bound);
}

/* The earliest live timer of pick due at or before bound, or NULL. */
static const rp_timer_entry *first_due(txn_state *s, const timer_pick *pick, int64_t bound)
{
    rp_txn_effects *fx = &s->w->host->ctx.fx;
    const rp_timer_entry *best = NULL;
    for (size_t i = 0; i < fx->timer_count; i++) {
        const rp_timer_entry *t = &fx->timers[i];
        if (t->state == RP_TIMER_LIVE && t->due_ms <= bound && picked(pick, t) && (!best || t->due_ms < best->due_ms))
            best = t;
    }
    return best;
}

/* ---------------------------------------------------------------- events */

static bool same_scope(const rp_event *a, const rp_event *b)
{
    if (strcmp(a->tenant, b->tenant) != 0)
        return false;
    const char *ka = scope_key(a), *kb = scope_key(b);
    return !ka || !kb || strcmp(ka, kb) == 0;
}

/* Event time: whether ev must not join the gathered run because an earlier
 * event of its customer (org, tenant-wide) is in it at an earlier time. A
 * timer the run arms for that event's scope may fall due before ev, and it
 * must fire first (the caller fires it after this run's flush). Events of
 * other customers and of the same instant keep sharing the run, so a replay
 * still hands the plugin runs of many events. */
static bool clock_moves_for_scope(const txn_state *s, const rp_event *ev)
{
    for (size_t i = 0; i < s->pending; i++)
        if (s->run[i]->ts_ms < ev->ts_ms && same_scope(s->run[i], ev))
            return true;
    return false;
}

static int64_t earlier(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Event time: whether a timer must fire (or be waited for) before event
 * number index, ev: one of ev's own scope due at or before ev, or any of the
 * partition's due before every event from ev on (an event of another
 * customer that arrived out of order, behind ev, must still come before
 * its customer's later timers). */
static bool timer_precedes(txn_state *s, size_t index, const rp_event *ev, int64_t barrier)
{
    timer_pick any = {.partition = ev->partition}, own = {.partition = ev->partition, .scope = ev};
    int64_t cap = earlier(s->fire_horizon, barrier);
    return first_due(s, &any, earlier(s->ahead[index], cap)) || first_due(s, &own, ev->ts_ms);
}

/* RP_PLUGIN_TENANT_CLOCK in event time: whether ev must be handed alone,
 * because its tenant has no tenant-clock timer of the plugin yet (stored,
 * or armed in this transaction): one it arms must hold back the rest. */
static bool needs_own_call(txn_state *s, const rp_event *ev)
{
    rp_plugin_host *h = s->w->host;
    if (!(h->desc->flags & RP_PLUGIN_TENANT_CLOCK) || rp_lane_tenants_has(&h->lane_tenants, ev->tenant))
        return false;
    const rp_txn_effects *fx = &h->ctx.fx;
    for (size_t i = 0; i < fx->timer_count; i++) {
        const rp_timer_entry *t = &fx->timers[i];
        if (t->partition == RP_TENANT_LANE && t->state == RP_TIMER_LIVE && strcmp(t->tenant, ev->tenant) == 0)
            return false;
    }
    return true;
}

/* After a commit: the tenants that armed tenant-clock timers have them. */
static void remember_lane_tenants(txn_state *s)
{
    rp_plugin_host *h = s->w->host;
    if (!(h->desc->flags & RP_PLUGIN_TENANT_CLOCK))
        return;
    const rp_txn_effects *fx = &h->ctx.fx;
    for (size_t i = 0; i < fx->timer_count; i++)
        if (fx->timers[i].partition == RP_TENANT_LANE && fx->timers[i].state == RP_TIMER_LIVE)
            rp_lane_tenants_add(&h->lane_tenants, fx->timers[i].tenant);
}

/* Dispatches events of group g from *next on; returns at a timer boundary,
 * at the first event at or after barrier (the tenant clock's next timer)
 * that no later fetched event of the partition precedes,
 * at the end of the group, or when the item budget is used up. */
static void dispatch_events(txn_state *s, const rp_batch_group *g, size_t *next, bool event_time,
                            int64_t barrier)
{
    rp_batch *b = s->batch;
    size_t end = g->first + g->count, gathered = 0;
    while (*next < end && budget_left(s)) {
        const rp_event *ev = &b->events[*next];
        /* A timer due before ev goes first, also when the run is still empty:
         * events the plugin does not take (skipped below) may have moved the
         * clock past the time the caller fired timers up to. Breaking with an
         * empty run sends the caller back to fire them at ev's time. */
        bool alone = event_time && b->subscribed[*next] && needs_own_call(s, ev);
        if (event_time && ((ev->ts_ms >= barrier && s->ahead[*next] >= barrier) || (gathered > 0 && (alone || clock_moves_for_scope(s, ev))) ||
                           timer_precedes(s, *next, ev, barrier)))
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
        }
        note_progress(s, g, ev->pos);
        (*next)++;
        if (alone)
            break;
    }
    if (!s->runs_span)
        flush_run(s);
}

/* How far a partition's clock may advance once its fetched events are
 * handled. In event time: the watermark read before the events were
 * fetched, not the watermark now. Events committed since then are not in
 * this batch, and a timer due after the old watermark may precede some of
 * them (a complaint's first-response clock fired before the reply that
 * arrived while the transaction ran). */
static int64_t watermark_bound(const txn_state *s)
{
    if (s->w->broker->clock.mode == RP_CLOCK_EVENT)
        return s->batch->clock_ms;
    return rp_clock_now(&s->w->broker->clock);
}

/* ---------------------------------------------------------------- wall clock */

static bool has_timer_in(txn_state *s, uint32_t partition)
{
    return rp_fx_next_due(&s->w->host->ctx.fx, partition, INT64_MAX) != NULL;
}

static const rp_batch_group *group_of(const rp_batch *b, uint32_t partition)
{
    for (size_t i = 0; i < b->group_count; i++)
        if (b->groups[i].partition == partition)
            return &b->groups[i];
    return NULL;
}

static bool caught_up(const rp_batch *b)
{
    for (size_t i = 0; i < b->group_count; i++)
        if (b->groups[i].more)
            return false;
    return true;
}

/* Wall clock: per partition, its due timers, then its events. Tenant-clock
 * timers last, and only once the batch holds every event committed before
 * it was read in every partition (no group has more): such a timer may
 * assume that every partition has handled what was accepted before it fell
 * due. */
static void dispatch_wall_clock(txn_state *s)
{
    int64_t now = watermark_bound(s);
    /* Runs across partitions: the due timers of all partitions go first,
     * in as few on_timers calls as allowed. */
    if (s->runs_span)
        fire_due_timers(s, &(timer_pick){.all_partitions = true}, now);
    for (uint32_t p = 0; p < s->w->host->partition_count && budget_left(s); p++) {
        const rp_batch_group *g = group_of(s->batch, p);
        if (!g && !has_timer_in(s, p))
            continue;
        fire_due(s, p, now);
        size_t next = g ? g->first : 0, end = g ? g->first + g->count : 0;
        while (budget_left(s) && next < end)
            dispatch_events(s, g, &next, false, INT64_MAX);
    }
    if (!s->failed)
        flush_run(s);
    if (budget_left(s) && caught_up(s->batch))
        fire_due(s, RP_TENANT_LANE, now);
}

/* ---------------------------------------------------------------- event time */

/* The latest due time a partition's timers may fire at: the watermark read
 * with the batch, less event_lateness_ms (events up to that late still come
 * before the timers they precede). */
static int64_t timer_horizon(const txn_state *s)
{
    int64_t lateness = s->w->broker->cfg->event_lateness_ms;
    return s->batch->clock_ms - lateness;
}

/* The tenant clock's next timer: no partition handles an event at or after
 * it, or fires a timer after it, before it has fired. INT64_MAX if none. */
static int64_t tenant_barrier(const txn_state *s)
{
    rp_txn_effects *fx = &s->w->host->ctx.fx;
    int64_t barrier = INT64_MAX;
    for (size_t i = 0; i < fx->timer_count; i++) {
        const rp_timer_entry *t = &fx->timers[i];
        if (t->state == RP_TIMER_LIVE && t->partition == RP_TENANT_LANE && t->due_ms < barrier)
            barrier = t->due_ms;
    }
    return barrier;
}

/* The instant at which the partitions stop for the tenant clock: its next
 * timer, once the watermark (less event_lateness_ms) has reached it. Until
 * then events at or after it are still handled, so that events arriving up
 * to event_lateness_ms out of order behind them are not held up; with
 * lateness 0 every fetched event is within the horizon, and the cut is
 * exact. INT64_MAX when nothing stops them. */
static int64_t blocking_barrier(txn_state *s)
{
    int64_t barrier = tenant_barrier(s);
    return barrier <= s->fire_horizon ? barrier : INT64_MAX;
}

/* Handles partition p's events and timers in time order as far as it may:
 * up to the barrier; a timer only up to the horizon, and before an event
 * only if no fetched event of the partition precedes it in time, or if it
 * is of the event's own scope (a timer of the event's scope due before it
 * but past the horizon stalls the partition). cursor is the next event of
 * the partition's group. Returns whether anything moved. */
static bool advance_partition(txn_state *s, uint32_t p, const rp_batch_group *g, size_t *cursor)
{
    size_t end = g ? g->first + g->count : 0;
    bool moved = false;
    while (budget_left(s) && g && *cursor < end) {
        /* A tenant-wide event handled just now may have armed a
         * tenant-clock timer: the barrier is read again each step. */
        int64_t barrier = blocking_barrier(s);
        int64_t cap = earlier(s->fire_horizon, tenant_barrier(s));
        const rp_event *ev = &s->batch->events[*cursor];
        if (ev->ts_ms >= barrier && s->ahead[*cursor] >= barrier) {
            /* Blocked until the tenant-clock timer fires (no fetched event
             * of the partition precedes it any more): the partition's
             * timers due up to it fire first. */
            return fire_due(s, p, cap) > 0 || moved;
        }
        size_t fired = fire_due(s, p, earlier(s->ahead[*cursor], cap));
        if (budget_left(s))
            fired += fire_scope_due(s, ev, earlier(ev->ts_ms, cap));
        timer_pick own = {.partition = p, .scope = ev};
        if (!budget_left(s) || first_due(s, &own, ev->ts_ms))
            return moved || fired > 0;   /* stalled: its timer is past the horizon */
        size_t before = *cursor;
        dispatch_events(s, g, cursor, true, barrier);
        if (*cursor == before && fired == 0)
            return moved;
        moved = true;
    }
    if (!budget_left(s))
        return moved;
    /* After the events: the partition's clock may advance to the watermark
     * only if no more of its events wait beyond this batch (those may be up
     * to event_lateness_ms earlier than the batch's latest). */
    int64_t lateness = s->w->broker->cfg->event_lateness_ms;
    int64_t bound = g && g->more ? g->max_ts - lateness : timer_horizon(s);
    return fire_due(s, p, earlier(bound, tenant_barrier(s))) > 0 || moved;
}

/* Whether partition p has handled every fetched event before instant b:
 * its next event is at or after b (an earlier one behind it is late for
 * the tenant clock), or it has none left and those beyond the batch are at
 * or after b: none wait, or they are no earlier than the batch's latest
 * (or the held event's time, when the batch was cut behind unloaded
 * timers) less event_lateness_ms. */
static bool reached(const txn_state *s, const rp_batch_group *g, size_t cursor, int64_t b)
{
    if (!g)
        return true;
    if (cursor < g->first + g->count)
        return s->batch->events[cursor].ts_ms >= b;
    return !g->more || g->max_ts - s->w->broker->cfg->event_lateness_ms >= b;
}

/* Fires the tenant clock's timers due at b once every partition has
 * reached b and the watermark read with the batch, less event_lateness_ms,
 * has too: first every partition's timers due at or before b (also those
 * an out-of-order event behind the partition's next one still held back),
 * then the tenant-clock timers. */
static bool fire_tenant_clock(txn_state *s, const size_t *cursors)
{
    int64_t b = tenant_barrier(s);
    if (b == INT64_MAX || b > timer_horizon(s))
        return false;
    uint32_t partitions = s->w->host->partition_count;
    for (uint32_t p = 0; p < partitions; p++) {
        const rp_batch_group *g = group_of(s->batch, p);
        if (!reached(s, g, g ? cursors[g - s->batch->groups] : 0, b))
            return false;
    }
    size_t fired = 0;
    for (uint32_t p = 0; p < partitions && budget_left(s); p++)
        fired += fire_due(s, p, b);
    if (budget_left(s))
        fired += fire_due(s, RP_TENANT_LANE, b);
    return fired > 0;
}

/* What event time needs of the batch: per event, the earliest time from it
 * to its group's end; and the horizon for timers before fetched events:
 * the latest time the watermark is known to have reached (the batch's
 * clock, or a fetched event's time), less event_lateness_ms. */
static bool plan_event_time(txn_state *s)
{
    const rp_batch *b = s->batch;
    s->ahead = malloc((b->count ? b->count : 1) * sizeof *s->ahead);
    if (!s->ahead)
        return false;
    int64_t reached = b->clock_ms;
    for (size_t gi = 0; gi < b->group_count; gi++) {
        const rp_batch_group *g = &b->groups[gi];
        int64_t low = INT64_MAX;
        for (size_t k = g->count; k-- > 0;) {
            int64_t ts = b->events[g->first + k].ts_ms;
            low = earlier(low, ts);
            s->ahead[g->first + k] = low;
            if (ts > reached)
                reached = ts;
        }
    }
    s->fire_horizon = reached - s->w->broker->cfg->event_lateness_ms;
    return true;
}

/* Event time: rounds of every partition advancing to the tenant clock's
 * next timer, then that timer firing, until nothing moves. A partition
 * never handles an event at or after a pending tenant-clock timer, so the
 * timer sees every partition at the same instant. */
static void dispatch_event_time(txn_state *s)
{
    size_t *cursors = malloc((s->batch->group_count ? s->batch->group_count : 1) * sizeof *cursors);
    if (!cursors) {
        out_of_memory(s, "partition cursors", s->batch->group_count);
        return;
    }
    for (size_t i = 0; i < s->batch->group_count; i++)
        cursors[i] = s->batch->groups[i].first;
    if (!plan_event_time(s)) {
        free(cursors);
        out_of_memory(s, "event-time plan", s->batch->count);
        return;
    }
    bool moved = true;
    while (moved && budget_left(s)) {
        moved = false;
        for (uint32_t p = 0; p < s->w->host->partition_count && budget_left(s); p++) {
            const rp_batch_group *g = group_of(s->batch, p);
            if (g || has_timer_in(s, p))
                moved |= advance_partition(s, p, g, g ? &cursors[g - s->batch->groups] : NULL);
        }
        if (budget_left(s))
            moved |= fire_tenant_clock(s, cursors);
    }
    free(cursors);
    free(s->ahead);
    s->ahead = NULL;
    /* Progress already covers the gathered events: they must run before the
     * commit, also when the budget or a stop request ended the loop. */
    if (!s->failed)
        flush_run(s);
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
        if (!rp_fx_timer_loaded(fx, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                                rp_partition_from_column((int32_t)be32toh(part)),
                                (int64_t)be64toh(due),
                                PQgetisnull(res, r, 4) ? NULL : PQgetvalue(res, r, 4),
                                PQgetisnull(res, r, 5) ? NULL : PQgetvalue(res, r, 5),
                                (const uint8_t *)PQgetvalue(res, r, 6), (size_t)PQgetlength(res, r, 6)))
            return false;
    }
    return true;
}

static void dispatch_all(txn_state *s)
{
    if (s->w->broker->clock.mode == RP_CLOCK_EVENT)
        dispatch_event_time(s);
    else
        dispatch_wall_clock(s);
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

/* The plugin writes back what it kept across the transaction's calls. */
static bool before_commit(txn_state *s)
{
    if (s->failed || !s->called)
        return !s->failed;
    if (rp_ctx_before_commit(&s->w->host->ctx) == RP_OK)
        return true;
    s->failed = true;
    return false;
}

static rp_txn_outcome finish(txn_state *s)
{
    rp_worker *w = s->w;
    rp_ctx *ctx = &w->host->ctx;
    char err[512] = "";
    size_t emitted = 0;
    /* The plugin's own deferred statements first, so that a failure among
     * them is charged to the plugin; a progress conflict is not its fault. */
    bool ok = before_commit(s) && rp_fx_flush_deferred(&ctx->fx, w->db, err, sizeof err);
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
    remember_lane_tenants(s);
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
    size_t groups = batch->group_count ? batch->group_count : 1;
    s.progress = calloc(groups, sizeof *s.progress);
    s.progress_slot = malloc(groups * sizeof *s.progress_slot);
    for (size_t i = 0; s.progress_slot && i < groups; i++)
        s.progress_slot[i] = SIZE_MAX;
    s.run = calloc(batch->count ? batch->count : 1, sizeof *s.run);
    rp_txn_outcome outcome = RP_TXN_DB_FAILED;
    char err[512];
    rp_ctx_begin_txn(&w->host->ctx);
    if (s.progress && s.progress_slot && s.run && rp_db_run(w->db, "BEGIN", err, sizeof err)) {
        if (!load_timers(&s))
            s.failed = true;
        else
            dispatch_all(&s);
        outcome = finish(&s);
    }
    *items = s.items;
    /* Everything fetched was held back (event time: behind the lateness
     * horizon or the tenant clock): nothing moves until new events move
     * the watermark, so the worker waits as when idle instead of
     * fetching the same batch again at once. */
    if (outcome == RP_TXN_COMMITTED && s.items == 0 && s.progress_count == 0)
        outcome = RP_TXN_IDLE;
    free(s.progress);
    free(s.progress_slot);
    free(s.run);
    return outcome;
}
