/*
 * inbox.c - care_requests from other plugins (contracts.h): a recurring
 * durable timer per tenant on the tenant clock (the requests come from
 * every partition), every inbox_interval of engine time, takes the
 * untaken requests in creation order and turns each into a task with the
 * usual consent, quiet-hours, channel and budget rules, then marks them
 * taken in the same transaction and arms the next firing (tenants.c keeps
 * the timer armed, and never moves it later).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

#define INBOX_BATCH "500"

enum { COL_ID, COL_CUSTOMER, COL_ORG, COL_ASSIGNEE, COL_KIND, COL_PRIORITY, COL_DUE, COL_REASON,
       COL_SOURCE, COL_CREATED };

static bool load_customers(cr_run *r, rp_rows *rows)
{
    int n = r->api->rows_count(rows);
    const char **ids = calloc(n ? (size_t)n : 1, sizeof *ids);
    if (!ids) {
        r->api->fail(r->ctx, "care: out of memory");
        return false;
    }
    for (int i = 0; i < n; i++)
        ids[i] = r->api->rows_value(rows, i, COL_CUSTOMER);
    bool ok = cr_store_load(r, ids, (size_t)n, r->now);
    free(ids);
    return ok;
}

static bool take_one(cr_run *r, rp_rows *rows, int i, rp_pgarray *taken)
{
    const char *request = r->api->rows_value(rows, i, COL_ID);
    const char *customer = r->api->rows_value(rows, i, COL_CUSTOMER);
    cr_task_spec t = {
        .kind = r->api->rows_value(rows, i, COL_KIND), .ref = cr_printf(r, "request:%s", request),
        .due_ms = strtoll(r->api->rows_value(rows, i, COL_DUE), NULL, 10),
        .reason = r->api->rows_value(rows, i, COL_REASON),
        .priority = atoi(r->api->rows_value(rows, i, COL_PRIORITY)),
        .source = r->api->rows_value(rows, i, COL_SOURCE),
        .org = r->api->rows_value(rows, i, COL_ORG),
        .assignee = r->api->rows_value(rows, i, COL_ASSIGNEE),
        .created_ms = strtoll(r->api->rows_value(rows, i, COL_CREATED), NULL, 10),
    };
    cr_cust *c = customer ? cr_run_find(r, customer) : NULL;
    if (!c && !t.org) {
        r->api->log(r->ctx, RP_LOG_WARN, "care: request %s names neither customer nor org; "
                    "marked taken without a task", request);
    } else if (c && c->first_seen_ms < 0) {
        /* Unknown to care until now: start its state so the plan can follow. */
        c->first_seen_ms = r->now;
        c->dirty = true;
    }
    rp_pgarray_add(taken, request);
    return (!c && !t.org) || cr_task_create(r, c, &t);
}

/* Requests created up to the firing's time, in creation order: one made
 * later (the requesting plugin is ahead of care's tenant clock) waits for
 * the firing after it, so what a firing takes does not depend on how far
 * other plugins had got. */
bool cr_inbox_take(cr_run *r)
{
    char now[24];
    const char *p[] = {r->tenant, cr_i64(now, r->now)};
    rp_rows *rows = r->api->db_query(r->ctx,
        "SELECT request_id, customer, org, assignee, kind, priority, due_ms, reason, source,"
        " created_ms FROM care_requests WHERE tenant = $1 AND taken_ms IS NULL"
        " AND created_ms <= $2::bigint ORDER BY created_ms, request_id LIMIT " INBOX_BATCH, 2, p);
    if (!rows)
        return false;
    rp_pgarray taken = {0};
    bool ok = load_customers(r, rows);
    for (int i = 0; ok && i < r->api->rows_count(rows); i++)
        ok = take_one(r, rows, i, &taken);
    if (ok && r->api->rows_count(rows) > 0) {
        const char *list = rp_pgarray_finish(&taken);
        const char *up[] = {r->tenant, list, now};
        ok = list && r->api->db_defer(r->ctx,
                 "UPDATE care_requests SET taken_ms = $3 WHERE tenant = $1"
                 " AND request_id = ANY($2::text[])", 3, up) == RP_OK;
    }
    r->api->rows_free(rows);
    rp_pgarray_free(&taken);
    return ok && cr_store_save(r) && cr_tenant_inbox_rearm(r);
}
