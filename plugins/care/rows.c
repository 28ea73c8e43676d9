/*
 * rows.c - the care_tasks and contact_ledger rows a run creates, gathered
 * and written with one INSERT ... SELECT FROM unnest(...) per table instead
 * of one statement per row (a backlog makes tens of thousands of tasks).
 *
 * The rows reach the transaction's statement queue when cr_rows_flush runs:
 * before any other statement that reads or writes those tables (the callers
 * in store.c, task.c, profile.c and lifecycle.c), and when the run saves.
 * So every statement still sees the rows made before it.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static const char *const insert_tasks_sql =
    "INSERT INTO care_tasks (tenant, task_id, customer, org, assignee, partition, kind, channel,"
    " gesture, priority, due_ms, reason, status, source, created_ms, deferred_from_ms,"
    " merged_into, over_budget, done_ms, outcome, window_end_ms)"
    " SELECT $1, task_id, customer, org, assignee, partition, kind, channel, gesture, priority,"
    " due_ms, reason, status, source, created_ms, deferred_from_ms, merged_into, over_budget,"
    " done_ms, outcome, due_ms + $2::bigint"
    " FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[],"
    " $9::text[], $10::text[], $11::int[], $12::bigint[], $13::text[], $14::text[], $15::text[],"
    " $16::bigint[], $17::bigint[], $18::text[], $19::boolean[], $20::bigint[], $21::text[])"
    " AS t(task_id, customer, org, assignee, partition, kind, channel, gesture, priority, due_ms,"
    " reason, status, source, created_ms, deferred_from_ms, merged_into, over_budget, done_ms,"
    " outcome)"
    " ON CONFLICT (tenant, task_id) DO NOTHING";

static const char *const insert_touches_sql =
    "INSERT INTO contact_ledger (tenant, customer, partition, source, ref, kind, marketing, ts_ms)"
    " SELECT $1, customer, partition, 'care', ref, kind, marketing, ts_ms"
    " FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::boolean[], $7::bigint[])"
    " AS l(customer, partition, ref, kind, marketing, ts_ms)"
    " ON CONFLICT (tenant, customer, source, ref) DO NOTHING";

static void add_row(cr_rowbuf *b, const char *const *values, int ncols)
{
    for (int i = 0; i < ncols; i++)
        rp_pgarray_add(&b->cols[i], values[i]);
    b->rows++;
}

static bool out_of_memory(const cr_rowbuf *b, int ncols)
{
    for (int i = 0; i < ncols; i++)
        if (b->cols[i].text.oom)
            return true;
    return false;
}

bool cr_rows_add_task(cr_run *r, const char *const values[CR_TASK_COLS])
{
    add_row(&r->new_tasks, values, CR_TASK_COLS);
    if (!out_of_memory(&r->new_tasks, CR_TASK_COLS))
        return true;
    r->api->fail(r->ctx, "care: out of memory gathering new tasks");
    return false;
}

bool cr_rows_add_touch(cr_run *r, const char *const values[CR_TOUCH_COLS])
{
    add_row(&r->new_touches, values, CR_TOUCH_COLS);
    if (!out_of_memory(&r->new_touches, CR_TOUCH_COLS))
        return true;
    r->api->fail(r->ctx, "care: out of memory gathering new ledger rows");
    return false;
}

static void reset(cr_rowbuf *b)
{
    for (int i = 0; i < CR_ROWBUF_MAX_COLS; i++)
        rp_pgarray_free(&b->cols[i]);
    b->rows = 0;
}

/* Queues one INSERT for the gathered rows: params are the fixed ones, then
 * one array per column. */
static bool queue(cr_run *r, cr_rowbuf *b, const char *sql, const char *const *fixed, int nfixed,
                  int ncols)
{
    if (b->rows == 0)
        return true;
    const char *params[2 + CR_ROWBUF_MAX_COLS];
    for (int i = 0; i < nfixed; i++)
        params[i] = fixed[i];
    bool ok = true;
    for (int i = 0; i < ncols; i++)
        ok = ok && (params[nfixed + i] = rp_pgarray_finish(&b->cols[i])) != NULL;
    if (!ok)
        r->api->fail(r->ctx, "care: out of memory writing %zu rows", b->rows);
    ok = ok && r->api->db_defer(r->ctx, sql, nfixed + ncols, params) == RP_OK;
    reset(b);
    return ok;
}

bool cr_rows_flush(cr_run *r)
{
    char window[24];
    const char *task_fixed[] = {r->tenant, cr_i64(window, r->s->window_ms)};
    const char *touch_fixed[] = {r->tenant};
    return queue(r, &r->new_tasks, insert_tasks_sql, task_fixed, 2, CR_TASK_COLS)
           && queue(r, &r->new_touches, insert_touches_sql, touch_fixed, 1, CR_TOUCH_COLS);
}

void cr_rows_free(cr_run *r)
{
    reset(&r->new_tasks);
    reset(&r->new_touches);
}
