/* clock.c - the engine clock (see clock.h). */
#include "clock.h"

#include "db.h"

void rp_clock_init(rp_clock *clock, rp_clock_mode mode, int64_t fixed_ms)
{
    clock->mode = mode;
    clock->fixed_ms = fixed_ms;
    atomic_store(&clock->watermark_ms, INT64_MIN);
}

int64_t rp_clock_now(const rp_clock *clock)
{
    switch (clock->mode) {
    case RP_CLOCK_FIXED:
        return clock->fixed_ms;
    case RP_CLOCK_EVENT: {
        int64_t mark = atomic_load(&((rp_clock *)clock)->watermark_ms);
        return mark == INT64_MIN ? 0 : mark;
    }
    case RP_CLOCK_WALL:
    default:
        return rp_wall_ms();
    }
}

void rp_clock_observe(rp_clock *clock, int64_t ts_ms)
{
    int64_t current = atomic_load(&clock->watermark_ms);
    while (ts_ms > current &&
           !atomic_compare_exchange_weak(&clock->watermark_ms, &current, ts_ms)) {
    }
}

const char *rp_clock_mode_name(rp_clock_mode mode)
{
    switch (mode) {
    case RP_CLOCK_EVENT: return "event";
    case RP_CLOCK_FIXED: return "fixed";
    default: return "wall";
    }
}
