/*
 * referrals.h - word of mouth (criterion 6): who referred whom, and the
 * credits that reach the referrer.
 *
 * The wire contract (proto/README.md) publishes `referral` on the
 * **referrer** with `data.referee`; a profile may say the same from the
 * other side with `customer.upsert.referred_by`. The link itself is kept on
 * the referee (scoring_customers.referred_by: the earliest link by event
 * time wins, ties to the smaller referrer id; the same link seen twice
 * counts once), because only the referee's partition knows whether it is
 * already referred and when it first buys. So:
 *
 *   referral (referrer's partition)  -> timer ref:link:N:REFERRER:REFEREE:TS on the referee
 *                                       (N: bytes of REFERRER, so ids with ':' stay apart)
 *   link recorded (referee's partition) -> timer ref:made:...:TS on the referrer
 *   the link converts (sc_referral_conversion_ms: first purchase at most a
 *   day before the link)             -> timer ref:converted:...:TS on the referrer
 *   a late event moves or removes a credit already sent
 *                                    -> ref:unmade:... / ref:unconverted:... at
 *                                       the credit's time, then the new credit
 *
 * Every hop is a durable timer scoped to the customer it changes, so each
 * credit is applied in that customer's own partition, exactly once, with the
 * weight of its event time whenever it arrives.
 */
#ifndef SCORING_REFERRALS_H
#define SCORING_REFERRALS_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "store.h"

/* A `referral` event; referrer is the event's customer. Timers are the
 * call's tenant's (ABI 2), so none of these needs the tenant. */
bool sc_referral_event(rp_ctx *ctx, const rp_host_api *api, const sc_cust *referrer,
                       const rp_event *ev);

/* A customer.upsert on the referee: links it when data.referred_by is set.
 * *linked tells whether the customer's referred_by changed. */
bool sc_referral_upsert(rp_ctx *ctx, const rp_host_api *api, sc_cust *referee,
                        const rp_event *ev, bool *linked);

/* The customer's first purchase by event time moved (a first purchase, or a
 * late one before it): a referred customer's conversion follows.
 * had_purchase: a purchase was handled before this one. */
bool sc_referral_first_purchase(rp_ctx *ctx, const rp_host_api *api, sc_cust *referee,
                                bool had_purchase);

/* A "ref:" timer on c, whose key and payload it reads. *handled is false
 * for any other timer. */
bool sc_referral_timer(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                       const rp_timer *timer, sc_cust *c, bool *handled);

#endif
