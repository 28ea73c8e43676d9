/*
 * budget.c - contact-budget decisions (see budget.h).
 */
#include <stdlib.h>

#include "budget.h"

static int count_in(const cr_touch *touches, size_t n, int64_t from_excl, int64_t to_incl)
{
    int count = 0;
    for (size_t i = 0; i < n; i++)
        if (touches[i].ts_ms > from_excl && touches[i].ts_ms <= to_incl)
            count++;
    return count;
}

/* Every window that would contain t ends at t or at a later touch less than
 * window_ms after t; checking those ends covers them all. */
static bool window_fits(const cr_window *w, const cr_touch *touches, size_t n, int64_t t)
{
    if (count_in(touches, n, t - w->window_ms, t) + 1 > w->max_touches)
        return false;
    for (size_t i = 0; i < n; i++) {
        int64_t end = touches[i].ts_ms;
        if (end > t && end < t + w->window_ms
            && count_in(touches, n, end - w->window_ms, end) + 1 > w->max_touches)
            return false;
    }
    return true;
}

bool cr_budget_fits(const cr_budget_policy *p, const cr_touch *touches, size_t n, int64_t t)
{
    for (size_t i = 0; i < p->count; i++)
        if (!window_fits(&p->windows[i], touches, n, t))
            return false;
    return true;
}

/* The closest open care task within the merge window (the more important
 * one on a tie); n when none. */
static size_t merge_partner(const cr_budget_policy *p, const cr_touch *touches, size_t n,
                            int64_t due_ms)
{
    size_t best = n;
    int64_t best_gap = 0;
    for (size_t i = 0; i < n; i++) {
        if (!touches[i].task_id || touches[i].priority < 1)
            continue;
        int64_t gap = llabs(touches[i].ts_ms - due_ms);
        if (gap > p->merge_window_ms)
            continue;
        if (best == n || gap < best_gap
            || (gap == best_gap && touches[i].priority < touches[best].priority)) {
            best = i;
            best_gap = gap;
        }
    }
    return best;
}

/* Would the task fit at due_ms if touches[skip] were gone? */
static bool fits_without(const cr_budget_policy *p, const cr_touch *touches, size_t n,
                         size_t skip, int64_t due_ms)
{
    cr_touch *rest = malloc((n ? n : 1) * sizeof *rest);
    if (!rest)
        return false;       /* out of memory: defer instead, never lose the task */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (i != skip)
            rest[m++] = touches[i];
    bool fits = cr_budget_fits(p, rest, m, due_ms);
    free(rest);
    return fits;
}

/* The earliest instant after due_ms that fits: a window frees up when one of
 * its touches becomes window_ms old (windows are (end - w, end]), so only
 * those instants need testing. */
static int64_t earliest_fit(const cr_budget_policy *p, const cr_touch *touches, size_t n,
                            int64_t due_ms)
{
    int64_t best = INT64_MAX;
    for (size_t i = 0; i < n; i++)
        for (size_t w = 0; w < p->count; w++) {
            int64_t t = touches[i].ts_ms + p->windows[w].window_ms;
            if (t > due_ms && t < best && cr_budget_fits(p, touches, n, t))
                best = t;
        }
    return best;
}

cr_decision cr_budget_decide(const cr_budget_policy *p, const cr_touch *touches, size_t n,
                             int64_t due_ms, int priority, bool exempt_kind)
{
    cr_decision d = {.action = CR_PLACE, .due_ms = due_ms, .merge_with = 0};
    if (cr_budget_fits(p, touches, n, due_ms))
        return d;
    if (exempt_kind || priority <= p->exempt_priority) {
        d.over_budget = true;
        return d;
    }
    size_t partner = merge_partner(p, touches, n, due_ms);
    if (partner < n && touches[partner].priority <= priority) {
        d.action = CR_MERGE;
        d.merge_with = partner;
        return d;
    }
    if (partner < n && fits_without(p, touches, n, partner, due_ms)) {
        d.action = CR_ABSORB;
        d.merge_with = partner;
        return d;
    }
    int64_t later = earliest_fit(p, touches, n, due_ms);
    if (later == INT64_MAX) {
        /* Only when a window allows no touch at all: keep the task, flagged. */
        d.over_budget = true;
        return d;
    }
    d.action = CR_DEFER;
    d.due_ms = later;
    return d;
}
