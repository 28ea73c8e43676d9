/*
 * emit.h - the referral plugin's derived events (fields documented in
 * docs/plugins/referral.md). Each returns false after api->fail.
 */
#ifndef REFERRAL_EMIT_H
#define REFERRAL_EMIT_H

#include "glue.h"

typedef struct rf_converted_info {
    const char *referrer, *referee;
    int64_t depth, days_to_convert, referred_ms, converted_ms;
    const char *order_id;       /* the converting purchase's, "" if it had none */
    double amount;              /* the converting purchase's */
    bool flagged;
    /* A late event changed a conversion already announced: the event is sent
     * again with "correction": true and the link's status now ("converted",
     * or "preexisting" / "expired" when the conversion no longer holds). */
    bool correction;
    const char *status;
} rf_converted_info;

bool rf_emit_converted(rf_run *r, const rf_converted_info *c);
bool rf_emit_key_person(rf_run *r, const rf_node *n, const char *evicted);
bool rf_emit_reward(rf_run *r, const rf_reward *rw, const char *key);
/* correction: the flags announced before changed (a late event lifted one);
 * reasons are then the flags that hold now, maybe none. */
bool rf_emit_flagged(rf_run *r, const char *referrer, const char *referee,
                     const char *const *reasons, size_t nreasons, const char *message, bool held,
                     bool correction);

#endif
