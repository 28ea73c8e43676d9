/*
 * silent.c - the silent-churn rule (silent.h).
 */
#include "silent.h"

static bool dropped(double then, double now, double factor)
{
    return then > 0 && now >= 0 && now <= then * factor;
}

sv_silent_reason sv_silent_check(double p_alive_then, double p_alive_now,
                                 double purchases_then, double purchases_now, double factor)
{
    bool alive = dropped(p_alive_then, p_alive_now, factor);
    bool buys = dropped(purchases_then, purchases_now, factor);
    if (alive && buys)
        return SV_SILENT_BOTH;
    if (alive)
        return SV_SILENT_P_ALIVE;
    return buys ? SV_SILENT_PURCHASES : SV_SILENT_NONE;
}

const char *sv_silent_reason_name(sv_silent_reason r)
{
    switch (r) {
    case SV_SILENT_P_ALIVE: return "p_alive";
    case SV_SILENT_PURCHASES: return "expected_purchases";
    case SV_SILENT_BOTH: return "p_alive,expected_purchases";
    default: return "none";
    }
}

bool sv_silent_watchable(double p_alive_then, double purchases_then)
{
    return p_alive_then > 0 || purchases_then > 0;
}
