/*
 * timerbatch.h - how the care plugin cuts the timers of one on_timers call
 * into groups, each handled with one statement per timer kind.
 *
 * Every care timer belongs to one customer (or account): the tasks'
 * lifecycle timers ("due:TASK", "overdue:TASK"), the customer's re-plan
 * timer ("plan:CUSTOMER") and the tenant's inbox ("inbox"). Within a group
 * timers of different kinds are handled kind by kind, not in the call's
 * order, so a group never holds what that could reorder: a re-plan (it reads
 * the customer's tasks and touches) together with another timer of the
 * same customer, or the inbox (it reads all of the tenant's due tasks)
 * together with anything. Lifecycle timers of one customer's different
 * tasks do not touch each other and may share a group.
 */
#ifndef CARE_TIMERBATCH_H
#define CARE_TIMERBATCH_H

#include <stddef.h>

#include "rapport/plugin.h"

#define CR_INBOX_TIMER "inbox"
#define CR_PLAN_PREFIX "plan:"
#define CR_DUE_PREFIX "due:"
#define CR_OVERDUE_PREFIX "overdue:"

typedef enum cr_timer_kind {
    CR_TIMER_INBOX,
    CR_TIMER_PLAN,
    CR_TIMER_LIFECYCLE,     /* due: or overdue: */
    CR_TIMER_UNKNOWN,
} cr_timer_kind;

cr_timer_kind cr_timer_kind_of(const char *key);

/* The end (exclusive) of the group that starts at timers[first]: nothing
 * the comment above keeps apart (the host hands over one tenant's timers
 * per call, ABI 2). */
size_t cr_timer_group_end(const rp_timer *const *timers, size_t first, size_t count);

#endif
