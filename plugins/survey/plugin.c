/*
 * plugin.c - the survey plugin (DOMAIN.md section 4, seeds 001-003):
 * satisfaction surveys with a fatigue limit and the care plugin's contact
 * budget, complaints with business-hours service levels and escalation,
 * detractors turned into complaints, and silent churn (satisfied words,
 * dropping behaviour). docs/plugins/survey.md is the reference.
 *
 * This file is the glue of ABI 2: the descriptor, the plugin state and the
 * orchestration of a run. The host hands every call one tenant with its
 * settings (call->settings), so a run is that tenant's: it loads its working
 * set with a few set-based queries (store.c), applies its events in order
 * (handlers.c) and writes through deferred statements. Due timers come in
 * bulk through on_timers, handled the same way (timers.h).
 */
#include <stdlib.h>

#include "glue.h"
#include "timers.h"

static const char *const subscribes[] = {
    "purchase", "customer.upsert", "customer.erase", "complaint.opened", "complaint.resolved",
    "contact", "survey.response", "suggestion", NULL,
};

static int init(const rp_call *call, void **state)
{
    sv_state *st = calloc(1, sizeof *st);
    if (!st) {
        call->api->fail(call->ctx, "survey: out of memory");
        return RP_ERROR;
    }
    *state = st;
    return RP_OK;
}

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    sv_run r;
    sv_run_init(&r, call);
    bool ok = sv_store_load(&r, events, count);
    for (size_t i = 0; ok && i < count; i++) {
        call->api->scope_event(call->ctx, events[i]);
        r.now = call->api->now_ms(call->ctx);
        ok = sv_handle_event(&r, events[i]);
    }
    ok = ok && sv_store_write_customers(&r);
    sv_run_free(&r);
    return ok ? RP_OK : RP_ERROR;
}

static int on_timers(const rp_call *call, const rp_timer *const *timers, size_t count)
{
    return sv_timers_handle(call, timers, count) ? RP_OK : RP_ERROR;
}

static void shutdown_plugin(const rp_call *call)
{
    free(call->state);
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "survey",
    .version = "2.0.0",
    .description = "satisfaction surveys, complaints with business-hours SLAs and escalation, "
                   "silent churn (seeds 001-003)",
    .subscribes = subscribes,
    .event_types = NULL,
    /* scoring_customers is read when it exists and the plugin works without
     * it (scoring.c), so the scoring plugin is not required. */
    .requires = NULL,
    .migrations = sv_migrations,
    .settings = sv_settings_table,
    .settings_size = sizeof(sv_settings),
    .settings_check = sv_settings_check,
    .settings_release = sv_settings_release,
    .init = init,
    .on_events = on_events,
    /* Due timers in bulk: a backlog costs a few statements per call, not a
     * round trip per timer (timers.h). */
    .on_timers = on_timers,
    .shutdown = shutdown_plugin,
    /* The working set is keyed by customer, each with its own partition: a
     * run may span partitions. */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
