/*
 * timers.c - one tenant's due timers, cut into groups (timerbatch.h): a
 * tenant-clock timer (inbox, campaign, price) alone, or lifecycle moves and
 * re-plans, each kind with one statement for the whole group. Each group has a working set of its own,
 * loaded after the previous group's was written.
 */
#include "glue.h"

static bool handle_group(cr_run *r, const rp_timer *const *timers, size_t n)
{
    r->api->scope_timer(r->ctx, timers[0]);
    r->now = r->api->now_ms(r->ctx);
    switch (cr_timer_kind_of(timers[0]->key)) {
    case CR_TIMER_INBOX:
        return cr_inbox_take(r);
    case CR_TIMER_CAMPAIGN:
        return cr_campaign_timer(r, timers[0]) && cr_store_save(r);
    case CR_TIMER_PRICE:
        return cr_price_timer(r, timers[0]) && cr_store_save(r);
    default:
        break;
    }
    for (size_t i = 0; i < n; i++)
        if (cr_timer_kind_of(timers[i]->key) == CR_TIMER_UNKNOWN)
            r->api->log(r->ctx, RP_LOG_WARN, "care: unknown timer %s ignored", timers[i]->key);
    return cr_lifecycle_timers(r, timers, n) && cr_plan_timers(r, timers, n);
}

bool cr_timers_run(const rp_call *call, const rp_timer *const *timers, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t end = cr_timer_group_end(timers, i, n);
        cr_run r;
        cr_run_init(&r, call);
        bool ok = handle_group(&r, timers + i, end - i);
        if (!cr_run_end(&r, ok))
            return false;
        i = end;
    }
    return true;
}
