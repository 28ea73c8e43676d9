/*
 * plugin.c - the stakeholder plugin (seed 004, group clients): buying roles
 * per enterprise client, relationship strength per person, coverage gaps,
 * the champion-left alarm and what to do with each person.
 * docs/plugins/stakeholder.md is the reference.
 *
 * This file is the glue: the descriptor and the orchestration of a call.
 * The host hands over events or timers of one tenant with that tenant's
 * settings (ABI 2.1). Events record facts and arm the evaluation of the
 * orgs they can change; coverage is evaluated by the orgs' timers on the
 * tenant clock (assess.c says why). The working set is loaded with a few
 * set-based queries and the changed rows are written back deferred.
 * Nothing is kept between calls, so the plugin has no state of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static const char *const subscribes[] = {
    "org.upsert", "stakeholder.upsert", "stakeholder.left", "customer.upsert",
    "contact",    "care.done",          "activity.attended", NULL,
};

static int init(const rp_call *call, void **state)
{
    *state = NULL;   /* everything lives in the database and call->settings */
    if (!RP_API_HAS(call->api, tenant_timer_set)) {
        call->api->fail(call->ctx, "stakeholder: the host has no tenant clock (ABI 2.1 needed)");
        return RP_ERROR;
    }
    /* the advice tables, for reports (rapportctl report org) */
    return sh_store_advice(call->ctx, call->api) ? RP_OK : RP_ERROR;
}

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    const rp_host_api *api = call->api;
    sh_run r;
    sh_run_init(&r, call);
    bool ok = sh_load_for_events(&r, events, count);
    for (size_t i = 0; ok && i < count; i++) {
        api->scope_event(call->ctx, events[i]);
        r.now = api->now_ms(call->ctx);
        ok = sh_handle_event(&r, events[i]);
    }
    ok = ok && sh_assess_timers(&r) && sh_store_save(&r);
    sh_run_free(&r);
    return ok ? RP_OK : RP_ERROR;
}

static bool is_coverage_timer(const rp_timer *t)
{
    return t->org && strncmp(t->key, SH_TIMER_PREFIX, strlen(SH_TIMER_PREFIX)) == 0;
}

/* The orgs of the call's coverage timers (borrowed ids), *n of them; NULL
 * only when out of memory. */
static const char **timer_orgs(const rp_call *call, const rp_timer *const *timers, size_t count,
                               size_t *n)
{
    const char **orgs = malloc((count ? count : 1) * sizeof *orgs);
    *n = 0;
    for (size_t i = 0; orgs && i < count; i++) {
        if (is_coverage_timer(timers[i]))
            orgs[(*n)++] = timers[i]->org;
        else
            call->api->log(call->ctx, RP_LOG_WARN, "stakeholder: ignoring unknown timer %s",
                           timers[i]->key);
    }
    return orgs;
}

/* Each timer: the org's coverage at the timer's instant, from the facts
 * before it (a fact arrived, or a covering tie may have become weak). The
 * orgs are loaded together, then evaluated one by one in the timer's scope
 * (so a gap event's cause is timer:coverage:ORG). In event time a call's
 * timers share one instant; with the wall clock the call's instant is the
 * engine time when it began. */
static int on_timers(const rp_call *call, const rp_timer *const *timers, size_t count)
{
    sh_run r;
    sh_run_init(&r, call);
    if (count > 0)
        call->api->scope_timer(call->ctx, timers[0]);
    r.now = call->api->now_ms(call->ctx);
    size_t norgs;
    const char **orgs = timer_orgs(call, timers, count, &norgs);
    bool ok = orgs ? sh_load_for_timers(&r, orgs, norgs) : sh_fail_oom(&r, "listing timers");
    free(orgs);
    for (size_t i = 0; ok && i < count; i++) {
        if (!is_coverage_timer(timers[i]))
            continue;
        call->api->scope_timer(call->ctx, timers[i]);
        size_t org = sh_run_org(&r, timers[i]->org, false);
        ok = org == SH_NONE || sh_assess_org(&r, org);
    }
    ok = ok && sh_assess_timers(&r) && sh_store_save(&r);
    sh_run_free(&r);
    return ok ? RP_OK : RP_ERROR;
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "stakeholder",
    .version = "2.1.0",
    .description = "enterprise clients: buying roles, relationship strength, coverage gaps, "
                   "champion-left alarms, advice per role and style (seed 004)",
    .subscribes = subscribes,
    .event_types = NULL,
    /* reads no other plugin's tables; writes the care_requests contract
     * table, which migration 1 creates if care has not */
    .requires = NULL,
    .migrations = sh_migrations,
    .settings = sh_settings_table,
    .settings_size = sizeof(sh_settings),
    .settings_check = sh_settings_check,
    .settings_release = NULL,   /* check allocates nothing */
    .init = init,
    .on_events = on_events,
    .on_timers = on_timers,
    /* on_events keys its working set by customer or org, each with its own
     * partition: a run may span partitions. */
    /* RP_PLUGIN_TENANT_CLOCK: its first tenant-clock timer of a tenant holds back
     * the tenant's later events of the same request (plugin.h) */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS | RP_PLUGIN_TENANT_CLOCK,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
