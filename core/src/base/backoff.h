/*
 * backoff.h - when a reconnecting thread may try again, and when its state
 * changed enough to be worth one log line.
 *
 * Every thread that reconnects to PostgreSQL keeps one rp_backoff. The first
 * failure after a success allows the next try after min_ms; each further
 * failure doubles the wait up to max_ms; a success resets it. The functions
 * take the time as an argument (monotonic ms), so the arithmetic is pure and
 * unit-tested with exact values; callers pass rp_monotonic_ms().
 *
 * Logging: rp_backoff_failed returns true only for the failure that ends a
 * working period, rp_backoff_succeeded only for the success that ends an
 * outage, so an outage costs two log lines per thread, not one per try.
 */
#ifndef RP_BACKOFF_H
#define RP_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rp_backoff {
    int64_t min_ms, max_ms;
    int64_t delay_ms;       /* the wait after the last failure; 0 = not failing */
    int64_t next_try_ms;    /* no attempt before this monotonic time */
    uint64_t failures;      /* consecutive failed attempts */
    int64_t down_since_ms;  /* when the current outage began */
} rp_backoff;

/* min_ms < 1 counts as 1; max_ms < min_ms counts as min_ms. */
void rp_backoff_init(rp_backoff *bo, int64_t min_ms, int64_t max_ms);

/* Whether an attempt may be made at now_ms. */
bool rp_backoff_due(const rp_backoff *bo, int64_t now_ms);

/* Records a failed attempt at now_ms and schedules the next one. True when
 * this failure begins an outage (log it). */
bool rp_backoff_failed(rp_backoff *bo, int64_t now_ms);

/* Records a successful attempt. True when it ends an outage (log it). */
bool rp_backoff_succeeded(rp_backoff *bo);

/* How long to wait from now_ms until the next attempt (0 = now). */
int64_t rp_backoff_wait_ms(const rp_backoff *bo, int64_t now_ms);

#endif
