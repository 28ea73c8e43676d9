/*
 * timerbatch.h - how the care plugin cuts the timers of one on_timers call
 * into groups, each handled with one statement per timer kind.
 *
 * A care timer belongs to one customer (or account): the tasks' lifecycle
 * timers ("due:TASK", "overdue:TASK") and the customer's re-plan timer
 * ("plan:CUSTOMER"); or to the whole tenant, on the tenant clock: the inbox
 * ("inbox"), a campaign ("campaign:EVENT_ID") and a price move
 * ("price:EVENT_ID"). Within a group timers of different kinds are handled
 * kind by kind, not in the call's order, so a group never holds what that
 * could reorder: a re-plan (it reads the customer's tasks and touches)
 * together with another timer of the same customer, or a tenant-wide timer
 * (it reads and writes many customers' tasks) together with anything.
 * Lifecycle timers of one customer's different tasks do not touch each
 * other and may share a group.
 */
#ifndef CARE_TIMERBATCH_H
#define CARE_TIMERBATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "rapport/plugin.h"

#define CR_INBOX_TIMER "inbox"
#define CR_PLAN_PREFIX "plan:"
#define CR_DUE_PREFIX "due:"
#define CR_OVERDUE_PREFIX "overdue:"
#define CR_CAMPAIGN_PREFIX "campaign:"
#define CR_PRICE_PREFIX "price:"

typedef enum cr_timer_kind {
    CR_TIMER_INBOX,
    CR_TIMER_CAMPAIGN,
    CR_TIMER_PRICE,
    CR_TIMER_PLAN,
    CR_TIMER_LIFECYCLE,     /* due: or overdue: */
    CR_TIMER_UNKNOWN,
} cr_timer_kind;

cr_timer_kind cr_timer_kind_of(const char *key);
/* Whether the kind is one of the tenant clock's (inbox, campaign, price),
 * handled alone. */
bool cr_timer_tenant_wide(cr_timer_kind kind);

/* The end (exclusive) of the group that starts at timers[first]: nothing
 * the comment above keeps apart (the host hands over one tenant's timers
 * per call, ABI 2). */
size_t cr_timer_group_end(const rp_timer *const *timers, size_t first, size_t count);

#endif
