/*
 * plugin.c - the referral plugin (seeds 001 and 003: old customers bring new
 * ones): referral chains, conversion, key people, attribution, rewards held
 * back by fraud guards. docs/plugins/referral.md is the reference.
 *
 * This file is the glue: the descriptor and the orchestration of a run. A
 * run is split into stretches of one tenant; for each stretch the working
 * set (every customer the stretch touches with its whole referral chain, the
 * referees' links, the key-people set) is loaded with three queries, events
 * are applied in order in memory, and the changed nodes are written back
 * with one statement. Handlers of one plugin never run concurrently, so the
 * cross-partition walks up a chain see a consistent forest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rp_tenant_runs.h"

#define SETTINGS_CACHE 32

/* on_events receives no API pointer: the host's static table, kept from init. */
static const rp_host_api *host_api;

typedef struct referral_state {
    const rp_host_api *api;
    rf_settings cache[SETTINGS_CACHE];
    int cached;
    int next_victim;
} referral_state;

static const char *const subscribes[] = {
    "referral", "customer.upsert", "purchase", "refund", "customer.erase", NULL,
};

/* The tenant's settings, parsed once and cached (configuration does not
 * change while the daemon runs). NULL after api->fail on a bad value. */
static const rf_settings *settings_for(rp_ctx *ctx, referral_state *st, const char *tenant)
{
    for (int i = 0; i < st->cached; i++)
        if (strcmp(st->cache[i].tenant, tenant) == 0)
            return &st->cache[i];
    int slot = st->cached < SETTINGS_CACHE ? st->cached++ : st->next_victim++ % SETTINGS_CACHE;
    char err[512];
    bool too_long = strlen(tenant) >= sizeof st->cache[slot].tenant;
    if (too_long || !rf_settings_load(ctx, st->api, tenant, &st->cache[slot], err, sizeof err)) {
        st->cache[slot].tenant[0] = '\0';
        st->api->fail(ctx, "referral: configuration for tenant %s: %s", tenant,
                      too_long ? "tenant id too long" : err);
        return NULL;
    }
    return &st->cache[slot];
}

static int init(rp_ctx *ctx, const rp_host_api *api)
{
    referral_state *st = calloc(1, sizeof *st);
    if (!st) {
        api->fail(ctx, "referral: out of memory");
        return RP_ERROR;
    }
    st->api = api;
    host_api = api;
    api->set_state(ctx, st);
    /* Validate the plugin-wide values now, so a bad default stops the start. */
    rf_settings probe;
    char err[512];
    if (!rf_settings_load(ctx, api, "", &probe, err, sizeof err)) {
        api->fail(ctx, "referral: %s", err);
        return RP_ERROR;
    }
    return RP_OK;
}

/* One stretch of one tenant's events (rp_each_tenant_run). */
static bool run_tenant(rp_ctx *ctx, void *state, const rp_event *const *events, size_t n)
{
    referral_state *st = state;
    const rp_host_api *api = st->api;
    const rf_settings *s = settings_for(ctx, st, events[0]->tenant);
    if (!s)
        return false;
    rf_run r;
    bool ok = rf_run_init(&r, ctx, api, s, events[0]->tenant);
    if (!ok)
        api->fail(ctx, "referral: out of memory starting a run");
    ok = ok && rf_store_load(&r, events, n);
    for (size_t i = 0; ok && i < n; i++) {
        api->scope_event(ctx, events[i]);
        r.now = api->now_ms(ctx);
        ok = rf_handle_event(&r, events[i]);
    }
    ok = ok && rf_store_save(&r);
    rf_run_free(&r);
    return ok;
}

static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    return rp_each_tenant_run(ctx, events, count, run_tenant, host_api->state(ctx));
}

static void shutdown_plugin(rp_ctx *ctx)
{
    free(host_api->state(ctx));
    host_api->set_state(ctx, NULL);
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "referral",
    .version = "1.0.0",
    .description = "referral chains, conversion, key people, attribution, rewards with "
                   "fraud guards (seeds 001, 003)",
    .subscribes = subscribes,
    .config = rf_config_keys,
    .event_types = NULL,
    .schema_sql = rf_schema_sql,
    .init = init,
    .on_events = on_events,
    /* on_events splits a run by tenant and keys its working set by customer
     * or org, each with its own partition: a run may span partitions. */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS,
    .on_timer = NULL,
    .shutdown = shutdown_plugin,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
