/*
 * evaluate.h - bringing one customer up to date at "now": value score, tier
 * (with pin, hysteresis and dwell), churn risk, the derived events and
 * history rows their changes produce, and the customer's re-check timer.
 */
#ifndef SCORING_EVALUATE_H
#define SCORING_EVALUATE_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "store.h"

/* cause: "event" type or "recheck", "pin", "pin_expired", recorded in the
 * history. waive_dwell: the customer's first purchase (no dwell applies). */
bool sc_evaluate(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, sc_cust *c,
                 int64_t now_ms, const char *cause, bool waive_dwell);

/* Recomputes p_alive, expected purchases and the risk level from the
 * tenant's BG/NBD parameters; emits customer.churn_risk on a crossing
 * between two known levels. */
bool sc_update_churn(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, sc_cust *c,
                     int64_t now_ms);

/* The timer key of a customer's re-check, "eval:<customer>", in full
 * (at most 5 + 256 bytes, well within the host's timer key limit), so two
 * customers never share one. malloc'd; NULL if out of memory. */
char *sc_recheck_key(const char *customer);

#endif
