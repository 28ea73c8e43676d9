/*
 * store.c - reading a run's customers in four queries (care state, tier and
 * risk from scoring's table, touches from contact_ledger, known task ids)
 * and writing their care state back with deferred statements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static cr_cust *add_customer(cr_run *r, const char *customer)
{
    if (r->ncusts == r->custs_cap) {
        size_t cap = r->custs_cap ? r->custs_cap * 2 : 16;
        cr_cust *c = realloc(r->custs, cap * sizeof *c);
        if (!c)
            return NULL;
        r->custs = c;
        r->custs_cap = cap;
    }
    cr_cust *c = &r->custs[r->ncusts];
    memset(c, 0, sizeof *c);
    c->id = strdup(customer);
    if (!c->id)
        return NULL;
    c->partition = r->api->partition_of(r->ctx, customer);
    c->consent_contact = c->consent_marketing = -1;
    c->first_seen_ms = c->last_contact_ms = c->next_plan_ms = -1;
    cr_stamps_parse(NULL, c->profile_ms);
    snprintf(c->tier, sizeof c->tier, "potential");
    snprintf(c->risk, sizeof c->risk, "unknown");
    if (!cr_run_index_add(r, r->ncusts)) {
        free(c->id);
        return NULL;
    }
    r->ncusts++;
    return c;
}

static int64_t i64_or(const char *v, int64_t fallback)
{
    return v ? strtoll(v, NULL, 10) : fallback;
}

static int tristate(const char *v)
{
    return v ? (v[0] == 't') : -1;
}

static void copy_or_empty(char *dst, size_t size, const char *v)
{
    snprintf(dst, size, "%s", v ? v : "");
}

static bool load_state(cr_run *r, const char *array)
{
    const char *p[] = {r->tenant, array};
    rp_rows *rows = r->api->db_query(r->ctx,
        "SELECT customer, timezone, channel, consent_contact, consent_marketing, special_days,"
        " first_seen_ms, last_contact_ms, next_plan_ms, profile_ms FROM care_customers"
        " WHERE tenant = $1 AND customer = ANY($2::text[])", 2, p);
    if (!rows)
        return false;
    for (int i = 0; i < r->api->rows_count(rows); i++) {
        cr_cust *c = cr_run_find(r, r->api->rows_value(rows, i, 0));
        if (!c)
            continue;
        c->in_table = true;
        copy_or_empty(c->tz, sizeof c->tz, r->api->rows_value(rows, i, 1));
        c->tz_known = 0;
        copy_or_empty(c->channel, sizeof c->channel, r->api->rows_value(rows, i, 2));
        c->consent_contact = tristate(r->api->rows_value(rows, i, 3));
        c->consent_marketing = tristate(r->api->rows_value(rows, i, 4));
        copy_or_empty(c->specials, sizeof c->specials, r->api->rows_value(rows, i, 5));
        c->first_seen_ms = i64_or(r->api->rows_value(rows, i, 6), -1);
        c->last_contact_ms = i64_or(r->api->rows_value(rows, i, 7), -1);
        c->next_plan_ms = i64_or(r->api->rows_value(rows, i, 8), -1);
        cr_stamps_parse(r->api->rows_value(rows, i, 9), c->profile_ms);
    }
    r->api->rows_free(rows);
    return true;
}

/* The scoring plugin may not be deployed: care does not list it in
 * `requires` but looks for its table (until found: a scoring started later
 * by another process is picked up) and treats everyone as tier potential,
 * risk unknown while it is absent (docs/plugins/care.md). */
bool cr_store_check_scoring(cr_run *r)
{
    if (r->st->scoring_table)
        return true;
    rp_rows *rows = r->api->db_query(r->ctx,
        "SELECT to_regclass('scoring_customers') IS NOT NULL", 0, NULL);
    if (!rows)
        return false;
    const char *v = r->api->rows_count(rows) ? r->api->rows_value(rows, 0, 0) : NULL;
    r->st->scoring_table = v && v[0] == 't';
    r->api->rows_free(rows);
    return true;
}

static bool load_scoring(cr_run *r, const char *array)
{
    if (!cr_store_check_scoring(r))
        return false;
    if (!r->st->scoring_table)
        return true;
    const char *p[] = {r->tenant, array};
    rp_rows *rows = r->api->db_query(r->ctx,
        "SELECT customer, tier, risk_level FROM scoring_customers"
        " WHERE tenant = $1 AND customer = ANY($2::text[])", 2, p);
    if (!rows)
        return false;
    for (int i = 0; i < r->api->rows_count(rows); i++) {
        cr_cust *c = cr_run_find(r, r->api->rows_value(rows, i, 0));
        const char *tier = r->api->rows_value(rows, i, 1), *risk = r->api->rows_value(rows, i, 2);
        if (!c)
            continue;
        if (tier && *tier)
            snprintf(c->tier, sizeof c->tier, "%s", tier);
        if (risk && *risk)
            snprintf(c->risk, sizeof c->risk, "%s", risk);
    }
    r->api->rows_free(rows);
    return true;
}

/* Every touch since since_ms; open care tasks carry their priority so the
 * budget can merge with them. The task is looked up per touch by its key
 * (LATERAL ... LIMIT 1, which the planner cannot flatten into a join):
 * while care_tasks grows fast and has no statistics yet, a plain join was
 * planned as a nested loop over all of the tenant's tasks per touch. */
static bool load_touches(cr_run *r, const char *array, int64_t since_ms)
{
    char since[24];
    const char *p[] = {r->tenant, array, cr_i64(since, since_ms)};
    rp_rows *rows = r->api->db_query(r->ctx,
        "SELECT l.customer, l.ts_ms, t.task_id, t.priority FROM contact_ledger l"
        " LEFT JOIN LATERAL (SELECT task_id, priority FROM care_tasks t WHERE l.source = 'care'"
        "  AND t.tenant = l.tenant AND t.task_id = l.ref AND t.status IN ('pending', 'due')"
        "  LIMIT 1) t ON true"
        " WHERE l.tenant = $1 AND l.customer = ANY($2::text[]) AND l.ts_ms >= $3::bigint",
        3, p);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        cr_cust *c = cr_run_find(r, r->api->rows_value(rows, i, 0));
        if (c)
            ok = cr_cust_add_touch(c, i64_or(r->api->rows_value(rows, i, 1), 0),
                                   (int)i64_or(r->api->rows_value(rows, i, 3), 0),
                                   r->api->rows_value(rows, i, 2));
    }
    r->api->rows_free(rows);
    return ok;
}

/* The known task ids and, in the same query, the closures waiting for
 * their task (a contact named it before its trigger arrived). */
static bool load_task_ids(cr_run *r, const char *array, int64_t since_ms)
{
    char since[24];
    const char *p[] = {r->tenant, array, cr_i64(since, since_ms)};
    rp_rows *rows = r->api->db_query(r->ctx,
        "SELECT customer, task_id, NULL::bigint, NULL::text FROM care_tasks WHERE tenant = $1"
        " AND customer = ANY($2::text[]) AND (due_ms >= $3::bigint OR created_ms >= $3::bigint)"
        " UNION ALL SELECT customer, task_id, done_ms, outcome FROM care_closures"
        " WHERE tenant = $1 AND customer = ANY($2::text[])",
        3, p);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        cr_cust *c = cr_run_find(r, r->api->rows_value(rows, i, 0));
        const char *id = r->api->rows_value(rows, i, 1);
        const char *done = r->api->rows_value(rows, i, 2);
        if (c)
            ok = done ? cr_cust_add_closure(c, id, strtoll(done, NULL, 10),
                                            r->api->rows_value(rows, i, 3))
                      : cr_cust_know_id(c, id);
    }
    r->api->rows_free(rows);
    if (!ok)
        r->api->fail(r->ctx, "care: out of memory loading task ids");
    return ok;
}

/* Touches far enough back for the widest budget window; task ids for a
 * year (triggers repeat within days, birthdays yearly with the year in the id). */
#define CR_ID_HORIZON_MS (400 * 86400000LL)

bool cr_store_load(cr_run *r, const char *const *customers, size_t n, int64_t since_ms)
{
    if (!cr_rows_flush(r))                  /* the loads read the tasks and touches */
        return false;
    rp_pgarray list = {0};
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        if (!customers[i] || cr_run_find(r, customers[i]))
            continue;
        if (!add_customer(r, customers[i])) {
            rp_pgarray_free(&list);
            r->api->fail(r->ctx, "care: out of memory loading customers");
            return false;
        }
        rp_pgarray_add(&list, customers[i]);
        added++;
    }
    if (added == 0) {
        rp_pgarray_free(&list);
        return true;
    }
    int64_t widest = 0;
    for (int t = 0; t < CR_TIERS; t++)
        for (size_t w = 0; w < r->s->budgets[t].count; w++)
            if (r->s->budgets[t].windows[w].window_ms > widest)
                widest = r->s->budgets[t].windows[w].window_ms;
    const char *array = rp_pgarray_finish(&list);
    bool ok = array && load_state(r, array) && load_scoring(r, array)
              && load_touches(r, array, since_ms - widest)
              && load_task_ids(r, array, since_ms - CR_ID_HORIZON_MS);
    if (!array)
        r->api->fail(r->ctx, "care: out of memory loading customers");
    rp_pgarray_free(&list);
    return ok;
}

static const char *tristate_text(int v)
{
    return v < 0 ? NULL : v ? "true" : "false";
}

/* care_customers columns after tenant, one array each. */
enum { SAVE_CUSTOMER, SAVE_PARTITION, SAVE_TZ, SAVE_CHANNEL, SAVE_CONTACT, SAVE_MARKETING, SAVE_SPECIALS,
       SAVE_FIRST, SAVE_LAST, SAVE_NEXT, SAVE_STAMPS, SAVE_COLS };

static void add_save_row(rp_pgarray *cols, const cr_cust *c)
{
    rp_pgarray_add(&cols[SAVE_CUSTOMER], c->id);
    rp_pgarray_add_int(&cols[SAVE_PARTITION], c->partition);
    rp_pgarray_add(&cols[SAVE_TZ], c->tz[0] ? c->tz : NULL);
    rp_pgarray_add(&cols[SAVE_CHANNEL], c->channel[0] ? c->channel : NULL);
    rp_pgarray_add(&cols[SAVE_CONTACT], tristate_text(c->consent_contact));
    rp_pgarray_add(&cols[SAVE_MARKETING], tristate_text(c->consent_marketing));
    rp_pgarray_add(&cols[SAVE_SPECIALS], c->specials);
    rp_pgarray_add_int(&cols[SAVE_FIRST], c->first_seen_ms);
    if (c->last_contact_ms >= 0)
        rp_pgarray_add_int(&cols[SAVE_LAST], c->last_contact_ms);
    else
        rp_pgarray_add(&cols[SAVE_LAST], NULL);
    if (c->next_plan_ms >= 0)
        rp_pgarray_add_int(&cols[SAVE_NEXT], c->next_plan_ms);
    else
        rp_pgarray_add(&cols[SAVE_NEXT], NULL);
    char stamps[CR_STAMPS_TEXT];
    cr_stamps_format(c->profile_ms, stamps);
    rp_pgarray_add(&cols[SAVE_STAMPS], stamps);
}

/* Every changed customer of the run in one upsert (it was one statement
 * per customer: 13,116 on the retail bench). */
bool cr_store_save(cr_run *r)
{
    if (!cr_rows_flush(r))
        return false;
    rp_pgarray cols[SAVE_COLS];
    memset(cols, 0, sizeof cols);
    for (size_t i = 0; i < r->ncusts; i++) {
        cr_cust *c = &r->custs[i];
        if (!c->dirty)
            continue;
        add_save_row(cols, c);
        c->dirty = false;
        c->in_table = true;
    }
    bool ok = true;
    if (cols[SAVE_CUSTOMER].count > 0) {
        const char *p[SAVE_COLS + 1] = {r->tenant};
        for (int k = 0; k < SAVE_COLS; k++)
            ok = (p[k + 1] = rp_pgarray_finish(&cols[k])) != NULL && ok;
        if (!ok)
            r->api->fail(r->ctx, "care: out of memory writing the customers of tenant %s", r->tenant);
        else
            /* first and last by event time (LEAST, GREATEST): what was
             * stored stays right whatever order the events arrived in. */
            ok = r->api->db_defer(r->ctx,
                "INSERT INTO care_customers (tenant, customer, partition, timezone, channel,"
                " consent_contact, consent_marketing, special_days, first_seen_ms, last_contact_ms,"
                " next_plan_ms, profile_ms) SELECT $1, * FROM unnest($2::text[], $3::int[],"
                " $4::text[], $5::text[], $6::bool[], $7::bool[], $8::text[], $9::bigint[],"
                " $10::bigint[], $11::bigint[], $12::text[])"
                " ON CONFLICT (tenant, customer) DO UPDATE SET timezone = EXCLUDED.timezone,"
                " channel = EXCLUDED.channel, consent_contact = EXCLUDED.consent_contact,"
                " consent_marketing = EXCLUDED.consent_marketing, special_days = EXCLUDED.special_days,"
                " first_seen_ms = LEAST(care_customers.first_seen_ms, EXCLUDED.first_seen_ms),"
                " last_contact_ms = GREATEST(care_customers.last_contact_ms, EXCLUDED.last_contact_ms),"
                " next_plan_ms = EXCLUDED.next_plan_ms, profile_ms = EXCLUDED.profile_ms",
                SAVE_COLS + 1, p) == RP_OK;
    }
    for (int k = 0; k < SAVE_COLS; k++)
        rp_pgarray_free(&cols[k]);
    return ok;
}

bool cr_store_erase(cr_run *r, const char *customer)
{
    static const char *const deletes[] = {
        "DELETE FROM care_tasks WHERE tenant = $1 AND customer = $2",
        "DELETE FROM contact_ledger WHERE tenant = $1 AND customer = $2",
        "DELETE FROM care_customers WHERE tenant = $1 AND customer = $2",
        "DELETE FROM care_holdings WHERE tenant = $1 AND customer = $2",
        "DELETE FROM care_closures WHERE tenant = $1 AND customer = $2",
    };
    const char *p[] = {r->tenant, customer};
    if (!cr_rows_flush(r))
        return false;
    for (size_t i = 0; i < sizeof deletes / sizeof deletes[0]; i++)
        if (r->api->db_defer(r->ctx, deletes[i], 2, p) != RP_OK)
            return false;
    if (r->api->timer_cancel(r->ctx, cr_plan_key(r, customer)) != RP_OK)
        return false;
    cr_cust *c = cr_run_find(r, customer);
    if (c)
        cr_cust_forget(c);
    return true;
}
