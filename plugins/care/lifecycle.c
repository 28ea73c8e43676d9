/*
 * lifecycle.c - a task's life after it is created: pending until its due
 * time, then due (care.task_due), then done when a care.done or a contact
 * names it, or expired when its window ends undone (care.task_overdue).
 * Skipped tasks (merged into another, or consent withdrawn) stay skipped.
 *
 * Two durable timers per task drive it: "due:TASK" at the due time and, once
 * due, "overdue:TASK" at the window end. A timer that finds the task no
 * longer in the state it expects (done early, skipped) does nothing, so no
 * timer ever has to be cancelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

#define DUE_PREFIX "due:"
#define OVERDUE_PREFIX "overdue:"

static const uint8_t empty_map = 0x80;

bool cr_lifecycle_arm(cr_run *r, const cr_task_info *info, const char *customer, const char *org)
{
    char key[CR_TASK_ID_MAX + 16];
    snprintf(key, sizeof key, DUE_PREFIX "%s", info->task_id);
    return r->api->timer_set(r->ctx, r->tenant, key, info->due_ms, customer, org,
                             &empty_map, 1) == RP_OK;
}

/* Moves the task from one of the `from` states to `to`; fills row (malloc'd
 * by the host) with customer, org, kind, channel, priority, reason, due_ms,
 * window_end_ms when it moved, NULL when it was not in a `from` state. */
static rp_rows *move(cr_run *r, const char *task_id, const char *from, const char *to)
{
    const char *p[] = {r->tenant, task_id, from, to};
    return r->api->db_query(r->ctx,
        "UPDATE care_tasks SET status = $4 WHERE tenant = $1 AND task_id = $2"
        "   AND status = ANY($3::text[])"
        " RETURNING customer, org, kind, channel, priority, reason, due_ms, window_end_ms",
        4, p);
}

static cr_lifecycle_row row_of(const rp_host_api *api, const rp_rows *rows, const char *task_id)
{
    return (cr_lifecycle_row){
        .task_id = task_id,
        .customer = api->rows_value(rows, 0, 0),
        .org = api->rows_value(rows, 0, 1),
        .kind = api->rows_value(rows, 0, 2),
        .channel = api->rows_value(rows, 0, 3),
        .priority = atoi(api->rows_value(rows, 0, 4)),
        .reason = api->rows_value(rows, 0, 5),
        .due_ms = strtoll(api->rows_value(rows, 0, 6), NULL, 10),
        .window_end_ms = strtoll(api->rows_value(rows, 0, 7), NULL, 10),
    };
}

static bool became_due(cr_run *r, const char *task_id)
{
    rp_rows *rows = move(r, task_id, "{pending}", "due");
    if (!rows)
        return false;
    bool ok = true;
    if (r->api->rows_count(rows) == 1) {
        cr_lifecycle_row row = row_of(r->api, rows, task_id);
        char key[CR_TASK_ID_MAX + 16];
        snprintf(key, sizeof key, OVERDUE_PREFIX "%s", task_id);
        ok = cr_emit_due(r, &row)
             && r->api->timer_set(r->ctx, r->tenant, key, row.window_end_ms, row.customer,
                                  row.org, &empty_map, 1) == RP_OK;
    }
    r->api->rows_free(rows);
    return ok;
}

static bool became_overdue(cr_run *r, const char *task_id)
{
    rp_rows *rows = move(r, task_id, "{pending,due}", "expired");
    if (!rows)
        return false;
    bool ok = true;
    if (r->api->rows_count(rows) == 1) {
        cr_lifecycle_row row = row_of(r->api, rows, task_id);
        ok = cr_emit_overdue(r, &row);
    }
    r->api->rows_free(rows);
    return ok;
}

bool cr_lifecycle_timer(cr_run *r, const char *key, bool *handled)
{
    *handled = true;
    if (strncmp(key, DUE_PREFIX, strlen(DUE_PREFIX)) == 0)
        return became_due(r, key + strlen(DUE_PREFIX));
    if (strncmp(key, OVERDUE_PREFIX, strlen(OVERDUE_PREFIX)) == 0)
        return became_overdue(r, key + strlen(OVERDUE_PREFIX));
    *handled = false;
    return true;
}
