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
    const char *order_id;       /* "" when a late link converted an old purchase */
    double amount;
    bool flagged;
} rf_converted_info;

bool rf_emit_converted(rf_run *r, const rf_converted_info *c);
bool rf_emit_key_person(rf_run *r, const rf_node *n, const char *evicted);
bool rf_emit_reward(rf_run *r, const rf_reward *rw, const char *key);
bool rf_emit_flagged(rf_run *r, const char *referrer, const char *referee,
                     const char *const *reasons, size_t nreasons, const char *message, bool held);

#endif
