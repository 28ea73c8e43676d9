/*
 * plugin.c - the survey plugin (DOMAIN.md section 4, seeds 001-003):
 * satisfaction surveys with a fatigue limit and the care plugin's contact
 * budget, complaints with business-hours service levels and escalation,
 * detractors turned into complaints, and silent churn (satisfied words,
 * dropping behaviour). docs/plugins/survey.md is the reference.
 *
 * This file is the glue: the descriptor, the plugin state (settings cache,
 * whether the scoring plugin's table exists) and the orchestration of a run.
 * A run is split into stretches of one tenant; each stretch loads its
 * working set with a few set-based queries (store.c), applies its events in
 * order (handlers.c) and writes through deferred statements. Due timers
 * come in bulk through on_timers, handled the same way (timers.h).
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rp_tenant_runs.h"

#define SETTINGS_CACHE 16

/* on_events receives no API pointer: the host's static table, kept from init. */
static const rp_host_api *host_api;

struct sv_state {
    const rp_host_api *api;
    sv_settings cache[SETTINGS_CACHE];
    int cached;
    int next_victim;
    bool scoring_present;   /* once true it stays: tables are not dropped live */
};

static const char *const subscribes[] = {
    "purchase", "customer.upsert", "customer.erase", "complaint.opened", "complaint.resolved",
    "contact", "survey.response", "suggestion", NULL,
};

const sv_settings *sv_settings_for(rp_ctx *ctx, sv_state *st, const char *tenant)
{
    for (int i = 0; i < st->cached; i++)
        if (strcmp(st->cache[i].tenant, tenant) == 0)
            return &st->cache[i];
    int slot = st->cached < SETTINGS_CACHE ? st->cached++ : st->next_victim++ % SETTINGS_CACHE;
    char err[512];
    if (!sv_settings_load(ctx, st->api, tenant, &st->cache[slot], err, sizeof err)) {
        st->cache[slot].tenant[0] = '\0';
        st->api->fail(ctx, "survey: configuration for tenant %s: %s", tenant, err);
        return NULL;
    }
    return &st->cache[slot];
}

bool sv_scoring_present(rp_ctx *ctx, sv_state *st, bool *present)
{
    if (!st->scoring_present) {
        rp_rows *rows = st->api->db_query(ctx, "SELECT to_regclass('scoring_customers') IS NOT NULL", 0, NULL);
        if (!rows) {
            st->api->fail(ctx, "survey: cannot check for table scoring_customers");
            return false;
        }
        const char *v = st->api->rows_count(rows) ? st->api->rows_value(rows, 0, 0) : NULL;
        st->scoring_present = v && v[0] == 't';
        st->api->rows_free(rows);
    }
    *present = st->scoring_present;
    return true;
}

static int init(rp_ctx *ctx, const rp_host_api *api)
{
    /* Validate the plugin-wide values first, so a bad default stops the
     * start (and nothing is allocated that shutdown would not free). */
    sv_settings *probe = malloc(sizeof *probe);
    char err[512] = "out of memory";
    bool ok = probe && sv_settings_load(ctx, api, "", probe, err, sizeof err);
    free(probe);
    sv_state *st = ok ? calloc(1, sizeof *st) : NULL;
    if (!st) {
        api->fail(ctx, "survey: %s", ok ? "out of memory" : err);
        return RP_ERROR;
    }
    st->api = api;
    host_api = api;
    api->set_state(ctx, st);
    return RP_OK;
}

/* One stretch of one tenant's events (rp_each_tenant_run). */
static bool run_tenant(rp_ctx *ctx, void *state, const rp_event *const *events, size_t n)
{
    sv_state *st = state;
    const sv_settings *s = sv_settings_for(ctx, st, events[0]->tenant);
    if (!s)
        return false;
    sv_run r = {.ctx = ctx, .api = st->api, .st = st, .s = s, .tenant = events[0]->tenant};
    bool ok = sv_store_load(&r, events, n);
    for (size_t i = 0; ok && i < n; i++) {
        st->api->scope_event(ctx, events[i]);
        r.now = st->api->now_ms(ctx);
        ok = sv_handle_event(&r, events[i]);
    }
    ok = ok && sv_store_write_customers(&r);
    sv_run_free(&r);
    return ok;
}

static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    return rp_each_tenant_run(ctx, events, count, run_tenant, host_api->state(ctx));
}

static int on_timers(rp_ctx *ctx, const rp_timer *const *timers, size_t count)
{
    return sv_on_timers(ctx, host_api, host_api->state(ctx), timers, count);
}

static void shutdown_plugin(rp_ctx *ctx)
{
    free(host_api->state(ctx));
    host_api->set_state(ctx, NULL);
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "survey",
    .version = "1.0.0",
    .description = "satisfaction surveys, complaints with business-hours SLAs and escalation, "
                   "silent churn (seeds 001-003)",
    .subscribes = subscribes,
    .config = sv_config_keys,
    .event_types = NULL,
    .schema_sql = sv_schema_sql,
    .init = init,
    .on_events = on_events,
    /* on_events splits a run by tenant and keys its working set by customer
     * or org, each with its own partition: a run may span partitions. */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS,
    /* Due timers in bulk (ABI 1.2): a backlog costs a few statements per
     * call, not a round trip per timer (timers.h). */
    .on_timers = on_timers,
    .shutdown = shutdown_plugin,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
