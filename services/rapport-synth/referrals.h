/*
 * referrals.h - who brought whom. Among the customers who bought, in order
 * of their first purchase, 12 % (after the first 10 %, who were "already
 * there") were referred by an earlier customer:
 *   45 % by a connector (2 % of customers, the core people of seed 001),
 *   35 % by an earlier referee (so chains grow, at most 6 deep),
 *   20 % by any earlier customer.
 * The `referral` event sits on the referrer 1 hour to 14 days before the
 * referee's first purchase (inside the referral plugin's default 90-day
 * window, so they convert), and the referee's profile says referred_by.
 * Besides, 3 fraud-like bursts: one customer refers 8 new people within two
 * hours, people who share the referrer's e-mail and never buy.
 */
#ifndef RP_SYNTH_REFERRALS_H
#define RP_SYNTH_REFERRALS_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "out.h"

#define SYNTH_NO_REFERRER SIZE_MAX

typedef struct synth_referrals {
    size_t *referrer;        /* per customer: index or SYNTH_NO_REFERRER */
    int64_t *referred_ms;    /* per customer: the referral's ts */
} synth_referrals;

/* False on OOM. */
bool synth_plan_referrals(uint64_t seed, const synth_input *input, synth_referrals *plan);
void synth_referrals_free(synth_referrals *plan);

/* The referral events of the plan, and the fraud bursts. */
bool synth_emit_referrals(uint64_t seed, const synth_input *input, const synth_referrals *plan,
                          synth_out *out);

/* The synthetic e-mail of a customer (the fraud burst's referees reuse it). */
void synth_email_of(const char *customer, char *email, size_t size);

#endif
