/*
 * plugin.c - the care plugin (DOMAIN.md section 3): who to contact, when,
 * how and why, without harassing anyone. docs/plugins/care.md is the
 * reference.
 *
 * This file is the descriptor and the entry points. The host hands every
 * call one tenant with its settings (rp_call); the plugin's state holds only
 * what outlives a call and is no tenant's settings: the plugin-wide
 * settings (to tell a tenant's own budget), the tenants' registrations
 * (tenants.c), the holiday calendars and whether scoring's table exists.
 */
#include <stdlib.h>

#include "glue.h"
#include "schema.h"

static const char *const subscribes[] = {
    "purchase", "customer.upsert", "customer.erase", "contact", "care.done", "key_event",
    "campaign.launched", "holding.updated", "market.price", NULL,
};

static int init(const rp_call *call, void **state)
{
    care_state *st = calloc(1, sizeof *st);
    if (!st) {
        call->api->fail(call->ctx, "care: out of memory");
        return RP_ERROR;
    }
    st->wide = call->settings;
    *state = st;
    /* The budget in force for every tenant without its own (contracts.md). */
    return cr_budget_write(call->ctx, call->api, st->wide, "*") ? RP_OK : RP_ERROR;
}

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    if (count == 0)
        return RP_OK;
    cr_run r;
    cr_run_init(&r, call);
    bool ok = cr_events_run(&r, events, count);
    if (ok) {
        /* The inbox timer (if this call arms it) in the last event's scope. */
        call->api->scope_event(call->ctx, events[count - 1]);
        r.now = call->api->now_ms(call->ctx);
        ok = cr_tenant_ensure(&r, r.earliest);
    }
    return cr_run_end(&r, ok) ? RP_OK : RP_ERROR;
}

static int on_timers(const rp_call *call, const rp_timer *const *timers, size_t count)
{
    if (count == 0)
        return RP_OK;
    if (!cr_timers_run(call, timers, count))
        return RP_ERROR;
    cr_run r;
    cr_run_init(&r, call);
    call->api->scope_timer(call->ctx, timers[count - 1]);
    r.now = call->api->now_ms(call->ctx);
    return cr_run_end(&r, cr_tenant_ensure(&r, r.now)) ? RP_OK : RP_ERROR;
}

static void shutdown_plugin(const rp_call *call)
{
    care_state *st = call->state;
    if (!st)
        return;
    cr_tenants_free(&st->tenants);
    free(st);
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "care",
    .version = "2.1.0",
    .description = "the care schedule: who to contact, when, how and why, within a contact "
                   "budget (DOMAIN.md section 3)",
    .subscribes = subscribes,
    .event_types = NULL,
    /* scoring_customers is read when present, not required (store.c). */
    .requires = NULL,
    .migrations = cr_migrations,
    .settings = cr_setting_table,
    .settings_size = sizeof(cr_settings),
    .settings_check = cr_settings_check,
    .settings_release = cr_settings_release,
    .init = init,
    .on_events = on_events,
    .on_timers = on_timers,
    .shutdown = shutdown_plugin,
    /* The working set is keyed by customer or org, each with its own
     * partition: a run may span partitions. */
    /* RP_PLUGIN_TENANT_CLOCK: its first tenant-clock timer of a tenant holds back
     * the tenant's later events of the same request (plugin.h) */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS | RP_PLUGIN_TENANT_CLOCK,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
