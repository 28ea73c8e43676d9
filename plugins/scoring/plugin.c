/*
 * plugin.c - the scoring plugin: customer value from seed 003's nine
 * criteria, the seed-004 pyramid of tiers moved both ways, the core value
 * group's monthly movement, and BG/NBD churn risk.
 *
 * This file is the glue (plugin ABI 2): the descriptor, and the
 * orchestration of a transaction. Every call holds one tenant's events or
 * timers with that tenant's settings (call->tenant, call->settings). Each
 * tenant's working set (aggregates, promotions, every customer the
 * transaction touches) is loaded when a call first needs it and kept across
 * the transaction's calls (api->txn_seq names the transaction); events and
 * timers are applied to it in order in memory, and before_commit writes it
 * back with one deferred statement per table. In event time, where calls
 * hold a few events or one due time each, this turns several round trips
 * per call into about one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "refit.h"
#include "schema.h"
#include "settings.h"
#include "store.h"

#define TENANT_SETS 8       /* working sets kept at once; more are written back early */

/* What init returns and every callback receives in call->state. Settings
 * are not cached here: each call brings its tenant's (call->settings),
 * which the host keeps immutable until shutdown. */
typedef struct scoring_state {
    uint64_t txn;                       /* api->txn_seq the working sets belong to */
    sc_tenant_ctx *sets[TENANT_SETS];   /* one per tenant of that transaction */
    int nsets;
} scoring_state;

static const char *const subscribes[] = {
    "customer.upsert", "customer.erase", "purchase", "refund", "contact", "care.done",
    "deal.opened", "deal.won", "deal.lost", "complaint.opened", "complaint.resolved",
    "suggestion", "survey.response", "activity.attended", "referral",
    "market.competitor_promo", "customer.tier_pinned", "scoring.refit", NULL,
};

static const rp_data_field refit_fields[] = {{NULL, 0, false}};

static const rp_event_type event_types[] = {
    {"scoring.refit", RP_SCOPE_TENANT, refit_fields},
    {NULL, 0, NULL},
};

static int init(const rp_call *call, void **state)
{
    scoring_state *st = calloc(1, sizeof *st);
    if (!st) {
        call->api->fail(call->ctx, "scoring: out of memory");
        return RP_ERROR;
    }
    *state = st;
    return RP_OK;
}

static bool has_type(const rp_event *const *events, size_t n, const char *type)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(events[i]->type, type) == 0)
            return true;
    return false;
}

/* Promotions are needed from the earliest exposure any customer of the
 * stretch has not accounted yet. */
static bool load_promos_for(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t,
                            const rp_event *const *events, size_t n)
{
    int64_t since = events[0]->ts_ms;
    for (size_t i = 0; i < t->ncust; i++)
        if (sc_cust_known(&t->custs[i]) && t->custs[i].ev.promo_seen_ms > 0
            && (int64_t)t->custs[i].ev.promo_seen_ms < since)
            since = (int64_t)t->custs[i].ev.promo_seen_ms;
    for (size_t i = 0; i < n; i++)
        if (events[i]->ts_ms < since)
            since = events[i]->ts_ms;
    return sc_store_load_promos(ctx, api, t, since);
}

static int64_t eval_now(const rp_host_api *api, rp_ctx *ctx, const rp_event *ev)
{
    int64_t now = api->now_ms(ctx);
    return ev->ts_ms > now ? ev->ts_ms : now;
}

/* ------------------------------------------------- per-transaction sets */

static void drop_set(scoring_state *st, int i)
{
    sc_tenant_free(st->sets[i]);
    free(st->sets[i]);
    st->sets[i] = st->sets[--st->nsets];
}

static void drop_all_sets(scoring_state *st)
{
    while (st->nsets > 0)
        drop_set(st, st->nsets - 1);
}

/* Writes every working set back (deferred) and forgets them. */
static bool write_back_sets(rp_ctx *ctx, const rp_host_api *api, scoring_state *st)
{
    bool ok = true;
    while (st->nsets > 0) {
        ok = ok && sc_store_save(ctx, api, st->sets[st->nsets - 1], 0);
        drop_set(st, st->nsets - 1);
    }
    return ok;
}

/* The call's tenant's working set for the current transaction, loaded on
 * first use. Sets kept from an earlier transaction are dropped unwritten:
 * that transaction either wrote them in before_commit or rolled back. The
 * set owns a copy of the tenant's name and points at the call's settings,
 * which outlive it. */
static sc_tenant_ctx *working_set(const rp_call *call)
{
    scoring_state *st = call->state;
    const rp_host_api *api = call->api;
    uint64_t txn = api->txn_seq(call->ctx);
    if (txn != st->txn) {
        drop_all_sets(st);
        st->txn = txn;
    }
    for (int i = 0; i < st->nsets; i++)
        if (strcmp(st->sets[i]->tenant, call->tenant) == 0)
            return st->sets[i];
    if (st->nsets == TENANT_SETS && !write_back_sets(call->ctx, api, st))
        return NULL;
    sc_tenant_ctx *t = malloc(sizeof *t);
    if (!t || !sc_tenant_init(t, call->tenant, call->settings)) {
        if (t)
            sc_tenant_free(t);
        free(t);
        api->fail(call->ctx, "scoring: out of memory for the working set of tenant %s", call->tenant);
        return NULL;
    }
    st->sets[st->nsets++] = t;
    return sc_store_load_tenant(call->ctx, api, t) ? t : NULL;
}

/* A refit reads and rewrites every customer's row: the set goes to the
 * table first, and is dropped after (its P(alive) values are stale). */
static bool refit_tenant(const rp_call *call, sc_tenant_ctx *t, int64_t now)
{
    scoring_state *st = call->state;
    bool ok = sc_store_save(call->ctx, call->api, t, now) && sc_refit(call->ctx, call->api, t, now);
    for (int i = 0; i < st->nsets; i++)
        if (st->sets[i] == t) {
            drop_set(st, i);
            break;
        }
    return ok;
}

static bool add_customers(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t,
                          const rp_event *const *events, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool added;
        if (events[i]->customer && !sc_tenant_cust(t, events[i]->customer, events[i]->partition, &added)) {
            api->fail(ctx, "scoring: out of memory loading customers of tenant %s", t->tenant);
            return false;
        }
    }
    return sc_store_load_customers(ctx, api, t);
}

/* A run of one tenant's events (ABI 2: the host splits by tenant). */
static int on_events(const rp_call *call, const rp_event *const *events, size_t n)
{
    rp_ctx *ctx = call->ctx;
    const rp_host_api *api = call->api;
    sc_tenant_ctx *t = working_set(call);
    bool ok = t && add_customers(ctx, api, t, events, n);
    if (ok && has_type(events, n, "purchase"))
        ok = load_promos_for(ctx, api, t, events, n);
    int64_t now = 0, earliest = INT64_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        bool refit = false;
        api->scope_event(ctx, events[i]);
        now = eval_now(api, ctx, events[i]);
        earliest = now < earliest ? now : earliest;
        ok = sc_handle_event(ctx, api, t, events[i], now, &refit);
        /* scoring.refit: the refit reads every customer, so it runs on the
         * tenant clock at the event's instant (in event time: once every
         * partition has handled what comes before it). */
        if (ok && refit)
            ok = sc_refit_request(ctx, api, t, api->now_ms(ctx));
    }
    ok = ok && sc_refit_ensure_scheduled(ctx, api, t, earliest);
    return ok ? RP_OK : RP_ERROR;
}

/* One customer timer: a re-check or a referral credit. */
static bool customer_timer(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t,
                           const rp_timer *timer, int64_t now)
{
    bool added;
    sc_cust *c = sc_tenant_cust(t, timer->customer, timer->partition, &added);
    if (!c)
        api->fail(ctx, "scoring: out of memory for timer %s", timer->key);
    bool ok = c && sc_store_load_customers(ctx, api, t);
    if (ok && sc_cust_known(c) && c->ev.promo_seen_ms > 0)
        ok = sc_store_load_promos(ctx, api, t, (int64_t)c->ev.promo_seen_ms);
    ok = ok && sc_handle_customer_timer(ctx, api, t, timer, c, now);
    return ok && sc_refit_ensure_scheduled(ctx, api, t, now);
}

/* The refit timer. One set before the refit moved to the tenant clock
 * (ABI 2.1) lives in a partition: it is moved to the tenant clock at its
 * due time instead of refitting in that partition's time. */
static bool refit_timer(const rp_call *call, sc_tenant_ctx *t, const rp_timer *timer, int64_t now)
{
    if (timer->partition != RP_PARTITION_TENANT_CLOCK)
        return sc_refit_arm(call->ctx, call->api, timer->due_ms);
    return refit_tenant(call, t, now);
}

/* Due timers of one tenant, in due order. A refit drops the working set,
 * so it is looked up again for each timer. */
static int on_timers(const rp_call *call, const rp_timer *const *timers, size_t count)
{
    rp_ctx *ctx = call->ctx;
    const rp_host_api *api = call->api;
    bool ok = true;
    for (size_t i = 0; ok && i < count; i++) {
        const rp_timer *timer = timers[i];
        api->scope_timer(ctx, timer);
        int64_t now = api->now_ms(ctx);
        sc_tenant_ctx *t = working_set(call);
        ok = t != NULL;
        if (ok && strcmp(timer->key, SC_REFIT_TIMER) == 0)
            ok = refit_timer(call, t, timer, now);
        else if (ok && timer->customer)
            ok = customer_timer(ctx, api, t, timer, now);
    }
    return ok ? RP_OK : RP_ERROR;
}

static int before_commit(const rp_call *call)
{
    return write_back_sets(call->ctx, call->api, call->state) ? RP_OK : RP_ERROR;
}

static void shutdown_plugin(const rp_call *call)
{
    scoring_state *st = call->state;
    if (st)
        drop_all_sets(st);
    free(st);
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "scoring",
    .version = "2.1.0",     /* tenant clock (ABI 2.1), order-independent facts */
    .description = "customer value (seed 003's nine criteria), tiers both ways, core-group "
                   "movement, BG/NBD churn risk",
    .subscribes = subscribes,
    .event_types = event_types,
    /* No requires: scoring reads only its own tables (referral credits
     * travel through its own timers, not the referral plugin's tables). */
    .requires = NULL,
    .migrations = sc_migrations,
    .settings = sc_setting_table,
    .settings_size = sizeof(sc_settings),
    .settings_check = sc_settings_check,
    .settings_release = NULL,   /* check allocates nothing */
    .init = init,
    .on_events = on_events,
    .on_timers = on_timers,
    .before_commit = before_commit,
    .shutdown = shutdown_plugin,
    /* on_events keys its working set by customer or org, each with its
     * own partition: a run may span partitions. */
    /* RP_PLUGIN_TENANT_CLOCK: its first tenant-clock timer of a tenant holds back
     * the tenant's later events of the same request (plugin.h) */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS | RP_PLUGIN_TENANT_CLOCK,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
