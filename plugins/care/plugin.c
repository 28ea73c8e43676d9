/*
 * plugin.c - the care plugin (DOMAIN.md section 3): who to contact, when,
 * how and why, without harassing anyone. docs/plugins/care.md is the
 * reference.
 *
 * This file is the glue: the descriptor, the per-tenant settings cache and
 * the orchestration of a run. A run is split into stretches of one tenant;
 * each stretch loads its customers with four queries, applies the events in
 * order in memory (tasks and ledger rows go out as deferred statements) and
 * writes the customers' care state back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rp_tenant_runs.h"

#define SETTINGS_CACHE 32

typedef struct cached_settings {
    cr_settings s;
    bool inbox_scheduled;       /* this process has set the tenant's inbox timer */
    cr_holiday_cache holidays;
} cached_settings;

typedef struct care_state {
    const rp_host_api *api;
    cr_settings global;
    cached_settings cache[SETTINGS_CACHE];
    int cached;
    int next_victim;
    bool scoring_table;
} care_state;

/* on_events / on_timers receive no API pointer: the host's table, kept from init. */
static const rp_host_api *host_api;

static const char *const subscribes[] = {
    "purchase", "customer.upsert", "customer.erase", "contact", "care.done", "key_event",
    "campaign.launched", "holding.updated", "market.price", NULL,
};

static bool same_budgets(const cr_settings *a, const cr_settings *b)
{
    return memcmp(a->budgets, b->budgets, sizeof a->budgets) == 0;
}

/* The tenant's settings, parsed once and cached; NULL after api->fail. A
 * tenant with its own budget gets its own contact_budget rows. */
static cached_settings *settings_for(rp_ctx *ctx, care_state *st, const char *tenant)
{
    for (int i = 0; i < st->cached; i++)
        if (strcmp(st->cache[i].s.tenant, tenant) == 0)
            return &st->cache[i];
    int slot = st->cached < SETTINGS_CACHE ? st->cached++ : st->next_victim++ % SETTINGS_CACHE;
    cached_settings *cs = &st->cache[slot];
    char err[512];
    cs->inbox_scheduled = false;
    cs->holidays.first_year = 0;
    bool too_long = strlen(tenant) >= sizeof cs->s.tenant;
    if (too_long || !cr_settings_load(ctx, st->api, tenant, &cs->s, err, sizeof err)) {
        cs->s.tenant[0] = '\0';
        st->api->fail(ctx, "care: configuration for tenant %s: %s", tenant,
                      too_long ? "tenant id too long" : err);
        return NULL;
    }
    if (!same_budgets(&cs->s, &st->global)
        && !cr_settings_write_budget(ctx, st->api, &cs->s, tenant))
        return NULL;
    return cs;
}

static int init(rp_ctx *ctx, const rp_host_api *api)
{
    care_state *st = calloc(1, sizeof *st);
    if (!st) {
        api->fail(ctx, "care: out of memory");
        return RP_ERROR;
    }
    st->api = api;
    host_api = api;
    api->set_state(ctx, st);
    char err[512];
    if (!cr_settings_load(ctx, api, "", &st->global, err, sizeof err)) {
        api->fail(ctx, "care: %s", err);
        return RP_ERROR;
    }
    /* The budget in force for every tenant without its own (contracts.md). */
    return cr_settings_write_budget(ctx, api, &st->global, "*") ? RP_OK : RP_ERROR;
}

static bool load_stretch(cr_run *r, const rp_event *const *events, size_t n)
{
    const char **ids = calloc(n, sizeof *ids);
    if (!ids) {
        r->api->fail(r->ctx, "care: out of memory");
        return false;
    }
    int64_t since = events[0]->ts_ms;
    for (size_t i = 0; i < n; i++) {
        ids[i] = events[i]->customer;
        if (events[i]->ts_ms < since)
            since = events[i]->ts_ms;
    }
    bool ok = cr_store_load(r, ids, n, since);
    free(ids);
    return ok;
}

/* One stretch of one tenant's events (rp_each_tenant_run). */
static bool run_tenant(rp_ctx *ctx, void *state, const rp_event *const *events, size_t n)
{
    care_state *st = state;
    const rp_host_api *api = st->api;
    cached_settings *cs = settings_for(ctx, st, events[0]->tenant);
    if (!cs)
        return false;
    cr_run r;
    cr_run_init(&r, ctx, api, &cs->s, events[0]->tenant, &st->scoring_table, &cs->holidays);
    bool ok = load_stretch(&r, events, n);
    for (size_t i = 0; ok && i < n; i++) {
        api->scope_event(ctx, events[i]);
        r.now = api->now_ms(ctx);
        ok = cr_handle_event(&r, events[i]);
    }
    ok = ok && cr_store_save(&r);
    if (ok && !cs->inbox_scheduled) {
        api->scope_event(ctx, events[n - 1]);
        ok = cr_inbox_schedule(ctx, api, &cs->s, api->now_ms(ctx));
        cs->inbox_scheduled = ok;
    }
    cr_run_free(&r);
    return ok;
}

static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    return rp_each_tenant_run(ctx, events, count, run_tenant, host_api->state(ctx));
}

/* One group of timers (timerbatch.h): the inbox alone, or lifecycle moves
 * and re-plans, each kind with one statement for the whole group. */
static bool handle_group(rp_ctx *ctx, care_state *st, const rp_timer *const *timers, size_t n)
{
    cached_settings *cs = settings_for(ctx, st, timers[0]->tenant);
    if (!cs)
        return false;
    cr_run r;
    st->api->scope_timer(ctx, timers[0]);
    cr_run_init(&r, ctx, st->api, &cs->s, timers[0]->tenant, &st->scoring_table, &cs->holidays);
    bool ok;
    if (cr_timer_kind_of(timers[0]->key) == CR_TIMER_INBOX) {
        ok = cr_inbox_take(&r);
        cs->inbox_scheduled = ok;
    } else {
        for (size_t i = 0; i < n; i++)
            if (cr_timer_kind_of(timers[i]->key) == CR_TIMER_UNKNOWN)
                st->api->log(ctx, RP_LOG_WARN, "care: unknown timer %s ignored", timers[i]->key);
        ok = cr_lifecycle_timers(&r, timers, n) && cr_plan_timers(&r, timers, n);
    }
    cr_run_free(&r);
    return ok;
}

static int on_timers(rp_ctx *ctx, const rp_timer *const *timers, size_t count)
{
    care_state *st = host_api->state(ctx);
    for (size_t i = 0; i < count;) {
        size_t end = cr_timer_group_end(timers, i, count);
        if (!handle_group(ctx, st, timers + i, end - i))
            return RP_ERROR;
        i = end;
    }
    return RP_OK;
}

static void shutdown_plugin(rp_ctx *ctx)
{
    free(host_api->state(ctx));
    host_api->set_state(ctx, NULL);
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "care",
    .version = "1.0.0",
    .description = "the care schedule: who to contact, when, how and why, within a contact "
                   "budget (DOMAIN.md section 3)",
    .subscribes = subscribes,
    .config = cr_config_keys,
    .event_types = NULL,
    .schema_sql = cr_schema_sql,
    .init = init,
    .on_events = on_events,
    /* on_events splits a run by tenant and keys its working set by customer
     * or org, each with its own partition: a run may span partitions. */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS,
    .on_timers = on_timers,
    .shutdown = shutdown_plugin,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
