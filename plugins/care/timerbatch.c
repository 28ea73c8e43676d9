/*
 * timerbatch.c - cutting an on_timers call into groups (timerbatch.h).
 */
#include <string.h>

#include "timerbatch.h"

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

cr_timer_kind cr_timer_kind_of(const char *key)
{
    if (strcmp(key, CR_INBOX_TIMER) == 0)
        return CR_TIMER_INBOX;
    if (starts_with(key, CR_CAMPAIGN_PREFIX))
        return CR_TIMER_CAMPAIGN;
    if (starts_with(key, CR_PRICE_PREFIX))
        return CR_TIMER_PRICE;
    if (starts_with(key, CR_PLAN_PREFIX))
        return CR_TIMER_PLAN;
    if (starts_with(key, CR_DUE_PREFIX) || starts_with(key, CR_OVERDUE_PREFIX))
        return CR_TIMER_LIFECYCLE;
    return CR_TIMER_UNKNOWN;
}

bool cr_timer_tenant_wide(cr_timer_kind kind)
{
    return kind == CR_TIMER_INBOX || kind == CR_TIMER_CAMPAIGN || kind == CR_TIMER_PRICE;
}

/* Whose timer it is: its customer, else its account, else its key. */
static const char *owner_of(const rp_timer *t)
{
    return t->customer ? t->customer : t->org ? t->org : t->key;
}

/* Whether timers[j] may not join timers[first .. j-1]. */
static bool must_wait(const rp_timer *const *timers, size_t first, size_t j)
{
    const rp_timer *t = timers[j];
    if (cr_timer_tenant_wide(cr_timer_kind_of(t->key)))
        return true;
    bool replans = cr_timer_kind_of(t->key) == CR_TIMER_PLAN;
    for (size_t i = first; i < j; i++) {
        bool either_replans = replans || cr_timer_kind_of(timers[i]->key) == CR_TIMER_PLAN;
        if (either_replans && strcmp(owner_of(timers[i]), owner_of(t)) == 0)
            return true;
    }
    return false;
}

size_t cr_timer_group_end(const rp_timer *const *timers, size_t first, size_t count)
{
    if (first >= count)
        return count;
    if (cr_timer_tenant_wide(cr_timer_kind_of(timers[first]->key)))
        return first + 1;
    size_t j = first + 1;
    while (j < count && !must_wait(timers, first, j))
        j++;
    return j;
}
