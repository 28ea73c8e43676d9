/*
 * task.c - turning a trigger into a care task: its deterministic id, the
 * customer's consent, channel and gesture, quiet hours on the customer's
 * clock, the contact budget (place, merge, absorb or defer; never drop),
 * the rows (care_tasks, contact_ledger) and the derived events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rules.h"

static int priority_of(const cr_run *r, const cr_task_spec *t)
{
    if (t->priority >= 1 && t->priority <= 5)
        return t->priority;
    const cr_pair *p = cr_pairs_find(&r->s->priorities, t->kind);
    if (p && p->value >= 1 && p->value <= 5)
        return (int)p->value;
    return cr_kind_rule_of(t->kind)->priority;
}

static bool consent_allows(const cr_run *r, const cr_cust *c, const char *kind)
{
    const cr_kind_rule *rule = cr_kind_rule_of(kind);
    bool contact = c->consent_contact < 0 ? r->s->consent_default : c->consent_contact;
    bool marketing = c->consent_marketing < 0 ? r->s->consent_default : c->consent_marketing;
    if (rule->needs_contact && !contact)
        return false;
    return !rule->marketing || marketing;
}

static bool exempt_kind(const cr_run *r, const char *kind)
{
    return cr_list_has(&r->s->exempt_kinds, kind);
}

/* A budget decision whose time also respects quiet hours: a deferred time
 * that lands in the night moves to the morning and is checked again. */
static bool decide(cr_run *r, cr_cust *c, const cr_task_spec *t, int priority,
                   int64_t due_ms, cr_decision *d)
{
    const cr_budget_policy *b = cr_settings_budget(r->s, c->tier);
    cr_touch *touches = malloc((c->ntouches ? c->ntouches : 1) * sizeof *touches);
    if (!touches)
        return false;
    for (size_t i = 0; i < c->ntouches; i++)
        touches[i] = c->touches[i].touch;
    bool exempt = exempt_kind(r, t->kind);
    bool ok = true;
    for (int tries = 0; ok && tries < 8; tries++) {
        *d = cr_budget_decide(b, touches, c->ntouches, due_ms, priority, exempt);
        if (d->action != CR_DEFER)
            break;
        int64_t shifted;
        ok = cr_quiet_shift(&r->tz, cr_cust_tz(r, c), d->due_ms, r->s->quiet_start,
                            r->s->quiet_end, &shifted);
        if (!ok || shifted == d->due_ms)
            break;
        d->due_ms = shifted;
        if (cr_budget_fits(b, touches, c->ntouches, shifted))
            break;
        due_ms = shifted;   /* the morning is taken too: decide again from there */
    }
    free(touches);
    if (!ok)
        r->api->fail(r->ctx, "care: time zone %s of customer %s failed", cr_cust_tz(r, c), c->id);
    return ok;
}

static bool insert_task(cr_run *r, const cr_cust *c, const cr_task_spec *t,
                        const cr_task_info *info, uint32_t partition)
{
    char part[24], prio[24], due[24], created[24], from[24], done[24];
    const char *values[CR_TASK_COLS] = {
        info->task_id, c ? c->id : NULL, t->org, t->assignee, cr_i64(part, partition),
        t->kind, info->channel, info->gesture, cr_i64(prio, info->priority),
        cr_i64(due, info->due_ms), t->reason, info->status, t->source,
        cr_i64(created, t->created_ms),
        info->deferred_from_ms >= 0 ? cr_i64(from, info->deferred_from_ms) : NULL,
        info->merged_into, info->over_budget ? "true" : "false",
        info->done_ms >= 0 ? cr_i64(done, info->done_ms) : NULL, info->outcome,
    };
    return cr_rows_add_task(r, values);
}

static bool record_touch(cr_run *r, cr_cust *c, const cr_task_info *info, bool marketing)
{
    char part[24], due[24];
    const char *values[CR_TOUCH_COLS] = {c->id, cr_i64(part, c->partition), info->task_id, info->kind,
                                         marketing ? "true" : "false", cr_i64(due, info->due_ms)};
    /* A task made done is no open task: nothing merges with it (store.c
     * loads touches the same way). */
    bool open = info->done_ms < 0;
    return cr_rows_add_touch(r, values)
           && cr_cust_add_touch(c, info->due_ms, info->priority, open ? info->task_id : NULL);
}

/* The less important task planned nearby becomes part of the new one and
 * gives its place in the budget back. */
static bool absorb(cr_run *r, cr_cust *c, size_t index, const char *into, const char *kind)
{
    cr_known_touch *k = &c->touches[index];
    char *victim = k->owned_id;
    const char *p[] = {r->tenant, victim, into};
    const char *lp[] = {r->tenant, c->id, victim};
    bool ok = cr_rows_flush(r) && r->api->db_defer(r->ctx,
                  "UPDATE care_tasks SET status = 'skipped', merged_into = $3, outcome = 'merged'"
                  " WHERE tenant = $1 AND task_id = $2", 3, p) == RP_OK
              && r->api->db_defer(r->ctx,
                  "DELETE FROM contact_ledger WHERE tenant = $1 AND customer = $2"
                  " AND source = 'care' AND ref = $3", 3, lp) == RP_OK
              && cr_emit_merged(r, c->id, victim, into, kind);
    c->touches[index] = c->touches[--c->ntouches];
    free(victim);
    return ok;
}

/* Applies the budget decision to info (status, due, merged_into). */
static bool apply_decision(cr_run *r, cr_cust *c, const cr_task_spec *t, cr_task_info *info)
{
    cr_decision d;
    if (!decide(r, c, t, info->priority, info->due_ms, &d))
        return false;
    info->over_budget = d.over_budget;
    if (d.action == CR_MERGE) {
        info->merged_into = cr_keep(r, c->touches[d.merge_with].owned_id);
        info->status = "skipped";   /* merged_into says where it went */
        return true;
    }
    if (d.due_ms != info->due_ms) {
        info->deferred_from_ms = info->due_ms;
        info->due_ms = d.due_ms;
        /* still pending: deferred_from_ms records the move */
    }
    if (d.action == CR_ABSORB)
        return absorb(r, c, d.merge_with, info->task_id, t->kind);
    return true;
}

/* A task already due when it is made (a backlog being worked off, or a
 * trigger about the past) starts as due, or as expired when its window has
 * ended too, rather than as pending with a timer that would fire at once:
 * the same derived events, without the round trips of the timers. */
static void settle_status(const cr_run *r, cr_task_info *info)
{
    if (info->merged_into || info->due_ms > r->now)
        return;
    info->status = info->due_ms + r->s->window_ms <= r->now ? "expired" : "due";
}

/* A contact named this task before its trigger arrived (a late event): the
 * task is made as that contact left it, done, with the contact's time and
 * outcome, as if it had been closed after being made. A merged task stays
 * skipped, as a closing would have left it. Either way the closure is used
 * up. */
static bool apply_closure(cr_run *r, cr_cust *c, cr_task_info *info)
{
    const cr_closure *k = cr_cust_closure(c, info->task_id);
    if (!k)
        return true;
    if (!info->merged_into) {
        info->status = "done";
        info->done_ms = k->done_ms;
        info->outcome = k->outcome ? cr_keep(r, k->outcome) : NULL;
    }
    const char *p[] = {r->tenant, c->id, info->task_id};
    return r->api->db_defer(r->ctx, "DELETE FROM care_closures WHERE tenant = $1 AND customer = $2"
                                    " AND task_id = $3", 3, p) == RP_OK;
}

static bool publish(cr_run *r, const cr_task_info *info)
{
    if (!cr_emit_created(r, info))
        return false;
    return info->deferred_from_ms < 0 || cr_emit_deferred(r, info);
}

bool cr_task_create(cr_run *r, cr_cust *c, const cr_task_spec *t)
{
    char id[CR_TASK_ID_MAX];
    if (!cr_task_id(id, t->kind, c ? c->id : t->org, t->ref)) {
        r->api->fail(r->ctx, "care: out of memory");
        return false;
    }
    if (c && cr_cust_has_id(c, id))
        return true;                        /* replay or duplicate trigger */
    if (c && !cr_cust_know_id(c, id)) {
        r->api->fail(r->ctx, "care: out of memory");
        return false;
    }
    if (c && !consent_allows(r, c, t->kind))
        return true;                        /* documented: no task without consent */
    cr_task_info info = {.task_id = id, .customer = c ? c->id : NULL, .kind = t->kind,
                         .reason = t->reason, .status = "pending", .priority = priority_of(r, t),
                         .due_ms = t->due_ms, .deferred_from_ms = -1, .done_ms = -1};
    cr_pick_channel(t->kind, c ? c->tier : NULL, c && c->channel[0] ? c->channel : NULL,
                    &info.channel, &info.gesture);
    if (!c) {                               /* account-level request: no person, no budget */
        settle_status(r, &info);
        return insert_task(r, NULL, t, &info, r->api->partition_of(r->ctx, t->org))
               && publish(r, &info) && cr_lifecycle_start(r, &info, NULL, t->org);
    }
    if (!t->skip_quiet && !cr_quiet_shift(&r->tz, cr_cust_tz(r, c), t->due_ms, r->s->quiet_start,
                                          r->s->quiet_end, &info.due_ms)) {
        r->api->fail(r->ctx, "care: time zone of customer %s failed", c->id);
        return false;
    }
    if (!apply_decision(r, c, t, &info))
        return false;
    bool merged = info.merged_into != NULL;
    settle_status(r, &info);
    if (!apply_closure(r, c, &info))
        return false;
    bool done = info.done_ms >= 0;
    return insert_task(r, c, t, &info, c->partition)
           && (merged || record_touch(r, c, &info, cr_kind_rule_of(t->kind)->marketing))
           && publish(r, &info)
           && (merged || done || cr_lifecycle_start(r, &info, c->id, NULL));
}

/* The earliest closing by event time wins (stamps.h): a done task takes a
 * closing that is earlier than its own, so two contacts naming it leave the
 * same done_ms and outcome in either arrival order. */
bool cr_task_close(cr_run *r, const char *task_id, const char *customer, int64_t ts_ms,
                   const char *outcome)
{
    char done[24];
    const char *p[] = {r->tenant, task_id, customer, cr_i64(done, ts_ms), outcome};
    return cr_rows_flush(r) && r->api->db_defer(r->ctx,
               "UPDATE care_tasks SET status = 'done', done_ms = $4, outcome = $5"
               " WHERE tenant = $1 AND task_id = $2 AND customer IS NOT DISTINCT FROM $3"
               " AND (status IN ('pending', 'due', 'expired') OR (status = 'done'"
               "  AND (done_ms > $4::bigint OR (done_ms = $4::bigint"
               "   AND COALESCE(outcome, '') COLLATE \"C\" > COALESCE($5, '') COLLATE \"C\"))))",
               5, p) == RP_OK;
}

/* Remembers a closing of a task that does not exist yet (its trigger is
 * late), unless the task exists after all (made long ago, beyond what the
 * run loads): the task is made done when its trigger arrives (task.c). */
bool cr_task_close_early(cr_run *r, cr_cust *c, const char *task_id, int64_t ts_ms,
                         const char *outcome)
{
    if (!cr_cust_add_closure(c, task_id, ts_ms, outcome)) {
        r->api->fail(r->ctx, "care: out of memory");
        return false;
    }
    char done[24];
    const char *p[] = {r->tenant, c->id, task_id, cr_i64(done, ts_ms), outcome};
    return r->api->db_defer(r->ctx,
               "INSERT INTO care_closures (tenant, customer, task_id, done_ms, outcome)"
               " SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM care_tasks"
               "  WHERE tenant = $1 AND task_id = $3)"
               " ON CONFLICT (tenant, customer, task_id) DO UPDATE SET done_ms = EXCLUDED.done_ms,"
               " outcome = EXCLUDED.outcome WHERE care_closures.done_ms > EXCLUDED.done_ms"
               " OR (care_closures.done_ms = EXCLUDED.done_ms AND COALESCE(care_closures.outcome, '')"
               "  COLLATE \"C\" > COALESCE(EXCLUDED.outcome, '') COLLATE \"C\")", 5, p) == RP_OK;
}
