/*
 * ingest_yield.c - when a plugin worker pauses for ingest (see the header).
 */
#include "ingest_yield.h"

#include <time.h>

int64_t rp_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t rp_monotonic_ms(void)
{
    return rp_monotonic_us() / 1000;
}

void rp_ingest_restart(rp_ingest_sample *s, int64_t now_ms, int64_t busy_us, int64_t window_ms)
{
    *s = (rp_ingest_sample){.taken = true, .at_ms = now_ms, .busy_us = busy_us, .window_ms = window_ms};
}

bool rp_ingest_busy(rp_ingest_sample *s, int64_t now_ms, const rp_ingest_view *committer)
{
    if (committer->requests_waiting)
        return true;
    if (committer->idle_ms >= RP_INGEST_IDLE_ENDS_MS || !s->taken) {
        rp_ingest_restart(s, now_ms, committer->busy_us, 0);
        return false;
    }
    int64_t elapsed_ms = now_ms - s->at_ms;
    if (elapsed_ms < (s->window_ms > 0 ? s->window_ms : RP_INGEST_SAMPLE_MS))
        return s->busy;
    double share = (double)(committer->busy_us - s->busy_us) / ((double)elapsed_ms * 1000.0);
    rp_ingest_restart(s, now_ms, committer->busy_us, 0);
    s->busy = share >= RP_INGEST_BUSY_SHARE;
    return s->busy;
}

bool rp_yield_should_pause(rp_yield_state *s, int64_t now_ms, bool ingest_busy, int64_t max_pause_ms)
{
    if (max_pause_ms <= 0 || now_ms < s->work_until_ms)
        return false;
    if (!ingest_busy) {
        s->pausing = false;
        return false;
    }
    if (!s->pausing) {
        s->pausing = true;
        s->pause_started_ms = now_ms;
        return true;
    }
    int64_t paused_ms = now_ms - s->pause_started_ms;
    if (paused_ms < max_pause_ms)
        return true;
    /* Paused long enough: work as long as we waited, then look again. */
    s->work_until_ms = now_ms + paused_ms;
    s->pausing = false;
    return false;
}
