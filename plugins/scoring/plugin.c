/*
 * plugin.c - the scoring plugin: customer value from seed 003's nine
 * criteria, the seed-004 pyramid of tiers moved both ways, the core value
 * group's monthly movement, and BG/NBD churn risk.
 *
 * This file is the glue: the descriptor, and the orchestration of a
 * transaction. Each tenant's working set (aggregates, promotions, every
 * customer the transaction touches) is loaded when a call first needs it
 * and kept across the transaction's calls (ABI 1.3: api->txn_seq names the
 * transaction); events and timers are applied to it in order in memory, and
 * before_commit writes it back with one deferred statement per table. In
 * event time, where calls hold a few events or one due time each, this
 * turns several round trips per call into about one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "refit.h"
#include "rp_tenant_runs.h"
#include "schema.h"
#include "settings.h"
#include "store.h"

#define SETTINGS_CACHE 32
#define TENANT_SETS 8       /* working sets kept at once; more are written back early */

/* on_events/on_timer receive no API pointer: the host's table, kept from
 * init (it is a static table of the host, valid for the process). */
static const rp_host_api *host_api;

typedef struct scoring_state {
    const rp_host_api *api;
    sc_settings cache[SETTINGS_CACHE];
    int cached;
    int next_victim;
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

/* The tenant's settings, parsed once and cached (config does not change
 * while the daemon runs). NULL after api->fail on a bad value. */
static const sc_settings *settings_for(rp_ctx *ctx, scoring_state *st, const char *tenant)
{
    for (int i = 0; i < st->cached; i++)
        if (strcmp(st->cache[i].tenant, tenant) == 0)
            return &st->cache[i];
    int slot = st->cached < SETTINGS_CACHE ? st->cached++ : st->next_victim++ % SETTINGS_CACHE;
    char err[256];
    if (strlen(tenant) >= sizeof st->cache[slot].tenant
        || !sc_settings_load(ctx, st->api, tenant, &st->cache[slot], err, sizeof err)) {
        st->cache[slot].tenant[0] = '\0';
        st->api->fail(ctx, "scoring: configuration for tenant %s: %s", tenant,
                      strlen(tenant) >= sizeof st->cache[slot].tenant ? "tenant id too long" : err);
        return NULL;
    }
    return &st->cache[slot];
}

static int init(rp_ctx *ctx, const rp_host_api *api)
{
    scoring_state *st = calloc(1, sizeof *st);
    if (!st) {
        api->fail(ctx, "scoring: out of memory");
        return RP_ERROR;
    }
    st->api = api;
    host_api = api;
    api->set_state(ctx, st);
    /* Validate the plugin-wide values now, so a bad default stops the start. */
    sc_settings probe;
    char err[256];
    if (!sc_settings_load(ctx, api, "", &probe, err, sizeof err)) {
        api->fail(ctx, "scoring: %s", err);
        return RP_ERROR;
    }
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
static bool write_back_sets(rp_ctx *ctx, scoring_state *st)
{
    bool ok = true;
    while (st->nsets > 0) {
        ok = ok && sc_store_save(ctx, st->api, st->sets[st->nsets - 1], 0);
        drop_set(st, st->nsets - 1);
    }
    return ok;
}

/* The tenant's working set for the current transaction, loaded on first
 * use. Sets kept from an earlier transaction are dropped unwritten: that
 * transaction either wrote them in before_commit or rolled back. */
static sc_tenant_ctx *working_set(rp_ctx *ctx, scoring_state *st, const char *tenant)
{
    uint64_t txn = st->api->txn_seq(ctx);
    if (txn != st->txn) {
        drop_all_sets(st);
        st->txn = txn;
    }
    for (int i = 0; i < st->nsets; i++)
        if (strcmp(st->sets[i]->s->tenant, tenant) == 0)
            return st->sets[i];
    const sc_settings *s = settings_for(ctx, st, tenant);
    if (!s || (st->nsets == TENANT_SETS && !write_back_sets(ctx, st)))
        return NULL;
    sc_tenant_ctx *t = malloc(sizeof *t);
    if (!t) {
        st->api->fail(ctx, "scoring: out of memory for the working set of tenant %s", tenant);
        return NULL;
    }
    sc_tenant_init(t, s);
    st->sets[st->nsets++] = t;
    return sc_store_load_tenant(ctx, st->api, t) ? t : NULL;
}

/* A refit reads and rewrites every customer's row: the set goes to the
 * table first, and is dropped after (its P(alive) values are stale). */
static bool refit_tenant(rp_ctx *ctx, scoring_state *st, sc_tenant_ctx *t, int64_t now)
{
    bool ok = sc_store_save(ctx, st->api, t, now) && sc_refit(ctx, st->api, t, now);
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
            api->fail(ctx, "scoring: out of memory loading customers of tenant %s", t->s->tenant);
            return false;
        }
    }
    return sc_store_load_customers(ctx, api, t);
}

/* One stretch of one tenant's events (rp_each_tenant_run). */
static bool run_tenant(rp_ctx *ctx, void *state, const rp_event *const *events, size_t n)
{
    scoring_state *st = state;
    const rp_host_api *api = st->api;
    sc_tenant_ctx *t = working_set(ctx, st, events[0]->tenant);
    bool ok = t && add_customers(ctx, api, t, events, n);
    if (ok && has_type(events, n, "purchase"))
        ok = load_promos_for(ctx, api, t, events, n);
    bool refit = false;
    int64_t now = 0;
    for (size_t i = 0; ok && i < n; i++) {
        api->scope_event(ctx, events[i]);
        now = eval_now(api, ctx, events[i]);
        ok = sc_handle_event(ctx, api, t, events[i], now, &refit);
    }
    ok = ok && sc_refit_ensure_scheduled(ctx, api, t, now);
    if (ok && refit)
        ok = refit_tenant(ctx, st, t, now);
    return ok;
}

static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    return rp_each_tenant_run(ctx, events, count, run_tenant, host_api->state(ctx));
}

static int on_timer(rp_ctx *ctx, const rp_timer *timer)
{
    scoring_state *st = host_api->state(ctx);
    const rp_host_api *api = host_api;
    int64_t now = api->now_ms(ctx);
    sc_tenant_ctx *t = working_set(ctx, st, timer->tenant);
    bool ok = t != NULL;
    if (ok && strcmp(timer->key, SC_REFIT_TIMER) == 0) {
        ok = refit_tenant(ctx, st, t, now);
    } else if (ok && timer->customer) {
        bool added;
        sc_cust *c = sc_tenant_cust(t, timer->customer, timer->partition, &added);
        if (!c)
            api->fail(ctx, "scoring: out of memory for timer %s", timer->key);
        ok = c && sc_store_load_customers(ctx, api, t);
        if (ok && sc_cust_known(c) && c->ev.promo_seen_ms > 0)
            ok = sc_store_load_promos(ctx, api, t, (int64_t)c->ev.promo_seen_ms);
        ok = ok && sc_handle_customer_timer(ctx, api, t, timer, c, now);
        ok = ok && sc_refit_ensure_scheduled(ctx, api, t, now);
    }
    return ok ? RP_OK : RP_ERROR;
}

static int before_commit(rp_ctx *ctx)
{
    scoring_state *st = host_api->state(ctx);
    return write_back_sets(ctx, st) ? RP_OK : RP_ERROR;
}

static void shutdown_plugin(rp_ctx *ctx)
{
    scoring_state *st = host_api->state(ctx);
    if (st)
        drop_all_sets(st);
    free(st);
    host_api->set_state(ctx, NULL);
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "scoring",
    .version = "1.0.0",
    .description = "customer value (seed 003's nine criteria), tiers both ways, core-group "
                   "movement, BG/NBD churn risk",
    .subscribes = subscribes,
    .config = sc_config_keys,
    .event_types = event_types,
    .schema_sql = sc_schema_sql,
    .init = init,
    .on_events = on_events,
    /* on_events splits a run by tenant and keys its working set by customer
     * or org, each with its own partition: a run may span partitions. */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS,
    .on_timer = on_timer,
    .before_commit = before_commit,
    .shutdown = shutdown_plugin,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
