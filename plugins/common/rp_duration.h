/*
 * rp_duration.h - configuration durations ("90d", "1.5h", "250ms") in
 * milliseconds, as the referral and scoring plugins read them.
 */
#ifndef RP_DURATION_H
#define RP_DURATION_H

#include <stdbool.h>
#include <stdint.h>

/* A non-negative number with unit ms, s, m, h, d or w; no unit means days.
 * False for anything else, or beyond ~285 000 years (int64 ms stays exact
 * in a double up to 9e15). */
bool rp_parse_duration(const char *text, int64_t *ms);

#endif
