/*
 * refit.h - fitting a tenant's BG/NBD model from scoring_customers and
 * refreshing every customer's P(alive), expected purchases and risk level.
 */
#ifndef SCORING_REFIT_H
#define SCORING_REFIT_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "store.h"

#define SC_REFIT_TIMER "bgnbd.refit"

/* Creates the tenant's parameter row and first refit timer if missing. */
bool sc_refit_ensure_scheduled(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms);

/* Fits now (timer or scoring.refit event), stores the parameters, refreshes
 * all customers of the tenant and schedules the next refit. */
bool sc_refit(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms);

#endif
