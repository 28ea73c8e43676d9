/*
 * lane_tenants.h - the tenants that have a tenant-clock timer of one plugin
 * (a row in the tenant lane, timers.partition = -1), for plugins with
 * RP_PLUGIN_TENANT_CLOCK: in event time the worker hands such a plugin a
 * tenant's events one per call until the tenant has one, so the first
 * tenant-clock timer it arms already holds back the tenant's later events.
 *
 * Only the plugin's worker thread touches the set. It only grows: a tenant
 * whose timer fired and was not re-armed keeps its place (its events are
 * then batched as usual, which is what a plugin that stopped using the
 * tenant clock wants).
 */
#ifndef RP_LANE_TENANTS_H
#define RP_LANE_TENANTS_H

#include <stdbool.h>

#include <libpq-fe.h>

typedef struct rp_lane_tenants rp_lane_tenants;

/* Reads the plugin's tenants with a tenant-lane timer into *set (which may
 * already hold some). false if the query failed (the set keeps what it had). */
bool rp_lane_tenants_load(rp_lane_tenants **set, PGconn *db, const char *plugin);
bool rp_lane_tenants_has(rp_lane_tenants *const *set, const char *tenant);
/* false when out of memory (the tenant stays out: one event per call longer). */
bool rp_lane_tenants_add(rp_lane_tenants **set, const char *tenant);
void rp_lane_tenants_free(rp_lane_tenants **set);

#endif
