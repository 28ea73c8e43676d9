/*
 * lifecycle.c - a task's life after it is created: pending until its due
 * time, then due (care.task_due), then done when a care.done or a contact
 * names it, or expired when its window ends undone (care.task_overdue).
 * Skipped tasks (merged into another, or consent withdrawn) stay skipped.
 *
 * Two durable timers per task drive it: "due:TASK" at the due time and, once
 * due, "overdue:TASK" at the window end. A timer that finds the task no
 * longer in the state it expects (done early, skipped) does nothing, so no
 * timer ever has to be cancelled. The host hands over due timers in bulk
 * (on_timers): each kind moves all its tasks with one UPDATE. A task made
 * when it is already due (or expired) skips the timers it no longer needs.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static const uint8_t empty_map = 0x80;

/* The task ids of the call's timers whose key starts with prefix, as one
 * SQL array literal; *count says how many (0: none). */
static const char *task_ids(const rp_timer *const *timers, size_t n, const char *prefix,
                            rp_pgarray *ids, size_t *count)
{
    size_t plen = strlen(prefix);
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(timers[i]->key, prefix, plen) == 0) {
            rp_pgarray_add(ids, timers[i]->key + plen);
            (*count)++;
        }
    }
    return *count ? rp_pgarray_finish(ids) : NULL;
}

/* Moves the named tasks that are in one of the `from` states to `to`, in one
 * statement; returns the moved rows: task_id, customer, org, kind, channel,
 * priority, reason, due_ms, window_end_ms. */
static rp_rows *move(cr_run *r, const char *ids, const char *from, const char *to)
{
    const char *p[] = {r->tenant, ids, from, to};
    if (!cr_rows_flush(r))
        return NULL;
    return r->api->db_query(r->ctx,
        "UPDATE care_tasks SET status = $4 WHERE tenant = $1 AND task_id = ANY($2::text[])"
        "   AND status = ANY($3::text[])"
        " RETURNING task_id, customer, org, kind, channel, priority, reason, due_ms, window_end_ms",
        4, p);
}

static cr_lifecycle_row row_of(const rp_host_api *api, const rp_rows *rows, int row)
{
    return (cr_lifecycle_row){
        .task_id = api->rows_value(rows, row, 0),
        .customer = api->rows_value(rows, row, 1),
        .org = api->rows_value(rows, row, 2),
        .kind = api->rows_value(rows, row, 3),
        .channel = api->rows_value(rows, row, 4),
        .priority = atoi(api->rows_value(rows, row, 5)),
        .reason = api->rows_value(rows, row, 6),
        .due_ms = strtoll(api->rows_value(rows, row, 7), NULL, 10),
        .window_end_ms = strtoll(api->rows_value(rows, row, 8), NULL, 10),
    };
}

static bool find_row(const rp_host_api *api, const rp_rows *rows, const char *task_id, int *row)
{
    for (int i = 0; i < api->rows_count(rows); i++) {
        if (strcmp(api->rows_value(rows, i, 0), task_id) == 0) {
            *row = i;
            return true;
        }
    }
    return false;
}

static bool became_due(cr_run *r, const cr_lifecycle_row *row)
{
    const char *key = cr_printf(r, CR_OVERDUE_PREFIX "%s", row->task_id);
    return cr_emit_due(r, row)
           && r->api->timer_set(r->ctx, key, row->window_end_ms, row->customer, row->org,
                                &empty_map, 1) == RP_OK;
}

static bool became_overdue(cr_run *r, const cr_lifecycle_row *row)
{
    return cr_emit_overdue(r, row);
}

/* One state change for all of the call's timers of one kind; then, in the
 * call's order, what follows for each task that did move (a task no longer
 * in a `from` state - done early, skipped - is left alone). */
static bool move_all(cr_run *r, const rp_timer *const *timers, size_t n, const char *prefix,
                     const char *from, const char *to, bool (*then)(cr_run *, const cr_lifecycle_row *))
{
    rp_pgarray ids = {0};
    size_t count;
    const char *array = task_ids(timers, n, prefix, &ids, &count);
    if (count == 0 || !array) {
        rp_pgarray_free(&ids);
        if (count == 0)
            return true;
        r->api->fail(r->ctx, "care: out of memory moving %zu tasks to %s", count, to);
        return false;
    }
    rp_rows *rows = move(r, array, from, to);
    rp_pgarray_free(&ids);
    if (!rows)
        return false;
    bool ok = true;
    size_t plen = strlen(prefix);
    int row;
    for (size_t i = 0; ok && i < n; i++) {
        if (strncmp(timers[i]->key, prefix, plen) != 0 || !find_row(r->api, rows, timers[i]->key + plen, &row))
            continue;
        r->api->scope_timer(r->ctx, timers[i]);
        r->now = r->api->now_ms(r->ctx);
        cr_lifecycle_row moved = row_of(r->api, rows, row);
        ok = then(r, &moved);
    }
    r->api->rows_free(rows);
    return ok;
}

bool cr_lifecycle_timers(cr_run *r, const rp_timer *const *timers, size_t n)
{
    return move_all(r, timers, n, CR_DUE_PREFIX, "{pending}", "due", became_due)
           && move_all(r, timers, n, CR_OVERDUE_PREFIX, "{pending,due}", "expired", became_overdue);
}

/* What a new task's status asks for: a pending task waits for its "due:"
 * timer; one made due (task.c) is announced due at once and waits for its
 * window's end. One made expired - its window ended before it existed: a
 * backlog, a replay on the wall clock, days of downtime caught up - only
 * gets care.task_overdue: care.task_due means "act now", and an outbound
 * system must not be told to act on a task whose time is already over. */
bool cr_lifecycle_start(cr_run *r, const cr_task_info *info, const char *customer, const char *org)
{
    if (strcmp(info->status, "pending") == 0) {
        const char *key = cr_printf(r, CR_DUE_PREFIX "%s", info->task_id);
        return r->api->timer_set(r->ctx, key, info->due_ms, customer, org, &empty_map, 1) == RP_OK;
    }
    cr_lifecycle_row row = {
        .task_id = info->task_id, .customer = customer, .org = org, .kind = info->kind,
        .channel = info->channel, .reason = info->reason, .priority = info->priority,
        .due_ms = info->due_ms, .window_end_ms = info->due_ms + r->s->window_ms,
    };
    if (strcmp(info->status, "due") == 0)
        return became_due(r, &row);
    return strcmp(info->status, "expired") != 0 || became_overdue(r, &row);
}
