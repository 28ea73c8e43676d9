/*
 * refit.h - fitting a tenant's BG/NBD model from scoring_customers,
 * snapshotting the tenant's RFM distribution and refreshing every
 * customer's P(alive), expected purchases and risk level, on the tenant
 * clock.
 */
#ifndef SCORING_REFIT_H
#define SCORING_REFIT_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "store.h"

#define SC_REFIT_TIMER "bgnbd.refit"

/* Arms the tenant's refit timer on the tenant clock (replacing any). */
bool sc_refit_arm(rp_ctx *ctx, const rp_host_api *api, int64_t due_ms);

/* Creates the tenant's parameter row and first refit timer (first_fit_after
 * after now_ms) if missing, or moves a pending first refit earlier. */
bool sc_refit_ensure_scheduled(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms);

/* A refit at due_ms (scoring.refit), on the tenant clock; also the first
 * one (no first cut before it). */
bool sc_refit_request(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t due_ms);

/* Fits now (the refit timer, on the tenant clock), stores the parameters,
 * takes the snapshot of the tenant's RFM distribution, refreshes all
 * customers' P(alive) and schedules the next refit. The tenant's first
 * timer is its first cut instead, which only schedules the first refit. */
bool sc_refit(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms);

#endif
