/*
 * plugin.c - the referral plugin (seeds 001 and 003: old customers bring new
 * ones): referral chains, conversion, key people, attribution, rewards held
 * back by fraud guards. docs/plugins/referral.md is the reference.
 *
 * This file is the descriptor and the orchestration of a call. The host
 * hands over the events of one tenant at a time with that tenant's finished
 * settings, so the plugin keeps no state of its own: each call loads its
 * working set (every customer the events touch with its whole referral
 * chain, the links the events bear on) with a fixed number of
 * queries, applies the events in order in memory, and writes the changed
 * nodes back with one statement. Handlers of one plugin never run
 * concurrently, so the cross-partition walks up a chain see a consistent
 * forest. The key people, which rank the whole tenant, are recomputed on
 * the tenant clock (keypeople.c), the only timer.
 */
#include <stddef.h>
#include <string.h>

#include "glue.h"

static const char *const subscribes[] = {
    "referral", "customer.upsert", "purchase", "refund", "customer.erase", NULL,
};

static int init(const rp_call *call, void **state)
{
    (void)call;
    *state = NULL;  /* everything a call needs arrives with it */
    return RP_OK;
}

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    const rp_host_api *api = call->api;
    rf_run r;
    bool ok = rf_run_init(&r, call);
    if (!ok)
        api->fail(call->ctx, "referral: out of memory starting a run (tenant %s)", call->tenant);
    ok = ok && rf_store_load(&r, events, count);
    for (size_t i = 0; ok && i < count; i++) {
        api->scope_event(call->ctx, events[i]);
        r.now = r.forest.now = api->now_ms(call->ctx);
        r.first_now = r.now < r.first_now ? r.now : r.first_now;
        ok = rf_handle_event(&r, events[i]);
    }
    ok = ok && rf_store_save(&r) && rf_key_people_schedule(&r);
    rf_run_free(&r);
    return ok ? RP_OK : RP_ERROR;
}

static int on_timers(const rp_call *call, const rp_timer *const *timers, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(timers[i]->key, RF_CUT_TIMER) == 0 && !rf_key_people_cut(call, timers[i]))
            return RP_ERROR;
    return RP_OK;
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "referral",
    .version = "2.1.0",
    .description = "referral chains, conversion, key people, attribution, rewards with "
                   "fraud guards (seeds 001, 003)",
    .subscribes = subscribes,
    .event_types = NULL,
    .requires = NULL,           /* reads only its own tables */
    .migrations = rf_migrations,
    .settings = rf_settings_table,
    .settings_size = sizeof(rf_settings),
    .settings_check = rf_settings_check,
    .settings_release = NULL,   /* the check allocates nothing */
    .init = init,
    .on_events = on_events,
    .on_timers = on_timers,     /* the key people's cuts on the tenant clock */
    .before_commit = NULL,
    .shutdown = NULL,
    /* the working set is keyed by customer, each with its own partition:
     * a run may span partitions */
    /* RP_PLUGIN_TENANT_CLOCK: its first tenant-clock timer of a tenant holds back
     * the tenant's later events of the same request (plugin.h) */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS | RP_PLUGIN_TENANT_CLOCK,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
