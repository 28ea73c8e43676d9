/*
 * backoff.c - exponential reconnect back-off with log-once state changes
 * (backoff.h).
 */
#include "backoff.h"

void rp_backoff_init(rp_backoff *bo, int64_t min_ms, int64_t max_ms)
{
    if (min_ms < 1)
        min_ms = 1;
    if (max_ms < min_ms)
        max_ms = min_ms;
    *bo = (rp_backoff){.min_ms = min_ms, .max_ms = max_ms};
}

bool rp_backoff_due(const rp_backoff *bo, int64_t now_ms)
{
    return bo->failures == 0 || now_ms >= bo->next_try_ms;
}

bool rp_backoff_failed(rp_backoff *bo, int64_t now_ms)
{
    bool begins = bo->failures == 0;
    if (begins) {
        bo->delay_ms = bo->min_ms;
        bo->down_since_ms = now_ms;
    } else {
        /* Doubling stops at max_ms, so the product never overflows. */
        bo->delay_ms = bo->delay_ms > bo->max_ms / 2 ? bo->max_ms : bo->delay_ms * 2;
    }
    bo->failures++;
    bo->next_try_ms = now_ms + bo->delay_ms;
    return begins;
}

bool rp_backoff_succeeded(rp_backoff *bo)
{
    bool ends = bo->failures > 0;
    bo->failures = 0;
    bo->delay_ms = 0;
    bo->next_try_ms = 0;
    return ends;
}

int64_t rp_backoff_wait_ms(const rp_backoff *bo, int64_t now_ms)
{
    return rp_backoff_due(bo, now_ms) ? 0 : bo->next_try_ms - now_ms;
}
