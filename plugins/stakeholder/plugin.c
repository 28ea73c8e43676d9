/*
 * plugin.c - the stakeholder plugin (seed 004, group clients): buying roles
 * per enterprise client, relationship strength per person, coverage gaps,
 * the champion-left alarm and what to do with each person.
 * docs/plugins/stakeholder.md is the reference.
 *
 * This file is the glue: the descriptor and the orchestration of a run. A
 * run is split into stretches of one tenant; for each, the working set is
 * loaded with three queries, events are applied in order in memory (each
 * re-evaluating the coverage of the orgs it affects, so gap events carry
 * the right cause), and the changed rows are written back deferred.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rp_tenant_runs.h"

/* on_events receives no API pointer: the host's static table, kept from init. */
static const rp_host_api *host_api;

typedef struct stakeholder_state {
    sh_settings settings;
} stakeholder_state;

static const char *const subscribes[] = {
    "org.upsert", "stakeholder.upsert", "stakeholder.left", "customer.upsert",
    "contact",    "care.done",          "activity.attended", NULL,
};

static int init(rp_ctx *ctx, const rp_host_api *api)
{
    host_api = api;
    stakeholder_state *st = calloc(1, sizeof *st);
    if (!st) {
        api->fail(ctx, "stakeholder: out of memory");
        return RP_ERROR;
    }
    api->set_state(ctx, st);
    char err[512];
    if (!sh_settings_load(ctx, api, &st->settings, err, sizeof err)) {
        api->fail(ctx, "stakeholder: %s", err);
        return RP_ERROR;
    }
    /* the advice tables, for reports (rapportctl report org) */
    return sh_store_advice(ctx, api) ? RP_OK : RP_ERROR;
}

/* One stretch of one tenant's events (rp_each_tenant_run). */
static bool run_tenant(rp_ctx *ctx, void *settings, const rp_event *const *events, size_t n)
{
    const sh_settings *s = settings;
    sh_run r;
    sh_run_init(&r, ctx, host_api, s, events[0]->tenant);
    bool ok = sh_store_load(&r, events, n);
    for (size_t i = 0; ok && i < n; i++) {
        host_api->scope_event(ctx, events[i]);
        r.now = host_api->now_ms(ctx);
        ok = sh_handle_event(&r, events[i]) && sh_assess_affected(&r);
    }
    ok = ok && sh_assess_timers(&r) && sh_store_save(&r);
    sh_run_free(&r);
    return ok;
}

static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    stakeholder_state *st = host_api->state(ctx);
    return rp_each_tenant_run(ctx, events, count, run_tenant, &st->settings);
}

/* A covering tie of the org may have become weak: re-evaluate it. */
static int on_timer(rp_ctx *ctx, const rp_timer *timer)
{
    stakeholder_state *st = host_api->state(ctx);
    if (strncmp(timer->key, SH_TIMER_PREFIX, strlen(SH_TIMER_PREFIX)) != 0 || !timer->org) {
        host_api->log(ctx, RP_LOG_WARN, "stakeholder: ignoring unknown timer %s", timer->key);
        return RP_OK;
    }
    sh_run r;
    sh_run_init(&r, ctx, host_api, &st->settings, timer->tenant);
    r.now = host_api->now_ms(ctx);
    bool ok = sh_store_load_org(&r, timer->org);
    size_t org = ok ? sh_run_org(&r, timer->org, false) : SH_NONE;
    if (org != SH_NONE)
        r.orgs[org].affected = true;
    ok = ok && sh_assess_affected(&r) && sh_assess_timers(&r) && sh_store_save(&r);
    sh_run_free(&r);
    return ok ? RP_OK : RP_ERROR;
}

static void shutdown_plugin(rp_ctx *ctx)
{
    free(host_api->state(ctx));
    host_api->set_state(ctx, NULL);
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "stakeholder",
    .version = "1.0.0",
    .description = "enterprise clients: buying roles, relationship strength, coverage gaps, "
                   "champion-left alarms, advice per role and style (seed 004)",
    .subscribes = subscribes,
    .config = sh_config_keys,
    .event_types = NULL,
    .schema_sql = sh_schema_sql,
    .init = init,
    .on_events = on_events,
    /* on_events splits a run by tenant and keys its working set by customer
     * or org, each with its own partition: a run may span partitions. */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS,
    .on_timer = on_timer,
    .shutdown = shutdown_plugin,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
