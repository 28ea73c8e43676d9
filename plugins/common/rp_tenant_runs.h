/*
 * rp_tenant_runs.h - splitting a run of events into stretches of one tenant.
 *
 * The host hands on_events a run that may mix tenants; the plugins load a
 * working set and settings per tenant, so each handles one stretch of
 * consecutive same-tenant events at a time, in the run's order.
 */
#ifndef RP_TENANT_RUNS_H
#define RP_TENANT_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "rapport/plugin.h"

/* Handles events[0..n), all of one tenant; false after api->fail. */
typedef bool rp_tenant_run_fn(rp_ctx *ctx, void *arg, const rp_event *const *events, size_t n);

/* Calls run for each stretch in order, stopping at the first that fails:
 * RP_OK or RP_ERROR, ready to return from on_events. */
int rp_each_tenant_run(rp_ctx *ctx, const rp_event *const *events, size_t count,
                       rp_tenant_run_fn *run, void *arg);

#endif
