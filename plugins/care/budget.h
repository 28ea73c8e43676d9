/*
 * budget.h - the contact budget: at most max_touches touches of a customer
 * in any window of window_ms (every plugin's touches count, from
 * contact_ledger). A task that would break it is, by priority:
 *   - placed anyway when it is exempt (its kind is exempt, e.g. the
 *     post-purchase follow-ups the customer's own purchase asked for, or its
 *     priority is at or above exempt_priority, e.g. a stop-loss alert);
 *   - merged with the closest care task already planned within
 *     merge_window_ms: the more important of the two survives and carries
 *     the other's reason (a newsletter rides along with the birthday call;
 *     a birthday call absorbs the newsletter planned the day before and
 *     takes its place in the budget);
 *   - otherwise deferred to the earliest instant at which it fits.
 * Nothing is ever dropped. Pure logic.
 */
#ifndef CARE_BUDGET_H
#define CARE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CR_BUDGET_WINDOWS 4

typedef struct cr_window {
    int64_t window_ms;
    int max_touches;
} cr_window;

typedef struct cr_budget_policy {
    cr_window windows[CR_BUDGET_WINDOWS];
    size_t count;
    int64_t merge_window_ms;
    int exempt_priority;     /* priorities 1..exempt_priority are never held back */
} cr_budget_policy;

/* One touch already on record (contact_ledger). */
typedef struct cr_touch {
    int64_t ts_ms;
    int priority;            /* of the care task; 0 when not an open care task */
    const char *task_id;     /* open care task it belongs to, else NULL */
} cr_touch;

typedef enum cr_action {
    CR_PLACE = 0,            /* due_ms unchanged */
    CR_DEFER,                /* due_ms is the new time */
    CR_MERGE,                /* into touches[merge_with].task_id */
    CR_ABSORB                /* placed at due_ms; touches[merge_with].task_id is
                                merged into it and leaves the budget */
} cr_action;

typedef struct cr_decision {
    cr_action action;
    int64_t due_ms;
    size_t merge_with;
    bool over_budget;        /* placed although the budget is full (exempt) */
} cr_decision;

/* True if one more touch at t keeps every window within its maximum. */
bool cr_budget_fits(const cr_budget_policy *p, const cr_touch *touches, size_t n, int64_t t);

cr_decision cr_budget_decide(const cr_budget_policy *p, const cr_touch *touches, size_t n,
                             int64_t due_ms, int priority, bool exempt_kind);

#endif
