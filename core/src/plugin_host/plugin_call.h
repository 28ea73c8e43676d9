/*
 * plugin_call.h - every call into a plugin, with the rp_call it receives.
 *
 * The host, not the plugin, splits work by tenant: a run of events or a set
 * of due timers is ordered by tenant (stably, so each tenant's items keep
 * their order) and each tenant's stretch becomes one call carrying that
 * tenant's settings. The callers (dispatch.c, dead_letter.c, the loader)
 * set the scope and the clock; this file builds the rp_call, makes the call
 * and turns a failure without a message into one.
 */
#ifndef RP_PLUGIN_CALL_H
#define RP_PLUGIN_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include "plugin_host.h"

/* Orders items by tenant, stably. tenants[i] is item i's tenant; perm gets
 * the new order as indexes into the old. False if out of memory. */
bool rp_tenant_order(const char *const *tenants, size_t count, size_t *perm);

/* How many items from the first share its tenant. */
size_t rp_tenant_stretch(const char *const *tenants, size_t count);

/* on_events with events[0..count) of one tenant; ctx->run must be set. */
int rp_call_on_events(rp_ctx *ctx, const rp_event *const *events, size_t count);

/* on_timers with timers[0..count) of one tenant (RP_OK, and the timers
 * spent, for a plugin without on_timers); ctx->timer_run must be set. */
int rp_call_on_timers(rp_ctx *ctx, const rp_timer *const *timers, size_t count);

/* init (storing the plugin's state in the host) and shutdown. */
int rp_call_init(rp_plugin_host *host);
void rp_call_shutdown(rp_plugin_host *host);

#endif
