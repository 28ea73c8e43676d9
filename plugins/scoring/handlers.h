/*
 * handlers.h - what each subscribed event type does to the working set.
 */
#ifndef SCORING_HANDLERS_H
#define SCORING_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "store.h"

/* Applies one event (the working set already holds its customer) and
 * re-evaluates the customer. *refit is set by scoring.refit. */
bool sc_handle_event(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t,
                     const rp_event *ev, int64_t now_ms, bool *refit);

/* Applies a customer timer: re-check, referral made/converted. */
bool sc_handle_customer_timer(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t,
                              const rp_timer *timer, sc_cust *c, int64_t now_ms);

#endif
