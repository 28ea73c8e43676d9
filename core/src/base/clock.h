/*
 * clock.h - the engine clock, the single source of "now" for the broker and
 * every plugin. Modes (config key `clock`):
 *   wall       system time
 *   event      follows event time: the highest ts the broker has accepted
 *              (the watermark). Timers of a partition fire interleaved with
 *              that partition's events in ts order; historical replays thus
 *              produce what live operation would have produced.
 *   fixed:<ms> frozen, for tests
 */
#ifndef RP_CLOCK_H
#define RP_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"

typedef struct rp_clock {
    rp_clock_mode mode;
    int64_t fixed_ms;
    _Atomic int64_t watermark_ms;  /* event mode: max accepted ts (INT64_MIN if none) */
} rp_clock;

void rp_clock_init(rp_clock *clock, rp_clock_mode mode, int64_t fixed_ms);
/* "now" when nothing more specific is known (no event being handled). */
int64_t rp_clock_now(const rp_clock *clock);
void rp_clock_observe(rp_clock *clock, int64_t ts_ms);
const char *rp_clock_mode_name(rp_clock_mode mode);

#endif
