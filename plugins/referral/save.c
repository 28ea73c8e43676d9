/*
 * save.c - writing a run's working set back, one statement per table: the
 * changed nodes, the changed links and the run's revenue by month; and the
 * monthly revenue history a late conversion credits (stored rows plus the
 * run's own changes).
 *
 * Nodes and links are written last with absolute values, after every
 * deferred shift of the run (store.c), so what was shifted both in SQL and
 * in memory ends up right. A node's updated_ms is the latest event time
 * that changed it (a maximum), not the run's, so it does not depend on how
 * events were grouped into runs. Revenue by month is added (a sum), so it
 * does not depend on the order of the runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static void num(char *buf, size_t size, int64_t v)
{
    snprintf(buf, size, "%" PRId64, v);
}

static void dbl(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.17g", v);
}

static bool fail_oom(const rf_run *r, const char *what)
{
    r->api->fail(r->ctx, "referral: out of memory %s (tenant %s)", what, r->tenant);
    return false;
}

static int64_t partition_of(rf_run *r, int32_t i)
{
    rf_extra *x = &r->extras[i];
    if (x->partition < 0)
        x->partition = r->api->partition_of(r->ctx, r->forest.nodes[i].id);
    return x->partition;
}

/* Finishes ncols arrays into params[1..ncols]; false when memory ran out. */
static bool finish_columns(rp_pgarray *cols, int ncols, const char **params)
{
    bool ok = true;
    for (int c = 0; c < ncols; c++) {
        params[c + 1] = rp_pgarray_finish(&cols[c]);
        ok = ok && params[c + 1];
    }
    return ok;
}

static void free_columns(rp_pgarray *cols, int ncols)
{
    for (int c = 0; c < ncols; c++)
        rp_pgarray_free(&cols[c]);
}

/* ------------------------------------------------------------------------
 * Nodes.
 * ---------------------------------------------------------------------- */

enum { NODE_COLS = 23 };

static void node_values(rf_run *r, int32_t i, char vals[NODE_COLS][32], const char *ptrs[NODE_COLS])
{
    const rf_node *n = &r->forest.nodes[i];
    const rf_extra *x = &r->extras[i];
    num(vals[2], 32, partition_of(r, i));
    num(vals[3], 32, n->depth);
    num(vals[4], 32, n->height);
    num(vals[5], 32, n->subtree_size);
    dbl(vals[6], 32, n->own_revenue);
    dbl(vals[7], 32, n->subtree_revenue);
    snprintf(vals[8], 32, "%s", n->converted ? "t" : "f");
    dbl(vals[9], 32, n->contribution);
    dbl(vals[10], 32, n->influence);
    num(vals[11], 32, x->converted_referrals);
    num(vals[12], 32, x->first_purchase_ms);
    num(vals[14], 32, (int64_t)x->email_hash);
    num(vals[15], 32, (int64_t)x->phone_hash);
    dbl(vals[18], 32, n->net_revenue);
    dbl(vals[21], 32, x->first_amount);
    num(vals[22], 32, n->changed_ms);
    for (int c = 0; c < NODE_COLS; c++)
        ptrs[c] = vals[c];
    ptrs[0] = n->id;
    ptrs[1] = n->parent_id;
    ptrs[12] = x->first_purchase_ms >= 0 ? vals[12] : NULL;
    ptrs[13] = x->timezone;
    ptrs[14] = x->email_hash ? vals[14] : NULL;
    ptrs[15] = x->phone_hash ? vals[15] : NULL;
    ptrs[16] = x->profession;
    ptrs[17] = x->industry;
    ptrs[19] = x->first_event;
    ptrs[20] = x->first_order;
    ptrs[21] = x->first_purchase_ms >= 0 ? vals[21] : NULL;
}

static bool save_nodes(rf_run *r)
{
    static const char sql[] =
        "INSERT INTO referral_nodes (tenant, customer, referred_by, partition, depth, height,"
        "  subtree_size, own_revenue, subtree_revenue, converted, contribution, influence,"
        "  converted_referrals, first_purchase_ms, timezone, email_hash, phone_hash, profession,"
        "  industry, net_revenue, first_event, first_order_id, first_amount, updated_ms)"
        " SELECT $1, u.* FROM unnest($2::text[], $3::text[], $4::int[], $5::int[],"
        "  $6::int[], $7::bigint[], $8::float8[], $9::float8[], $10::bool[], $11::float8[],"
        "  $12::float8[], $13::bigint[], $14::bigint[], $15::text[], $16::bigint[], $17::bigint[],"
        "  $18::text[], $19::text[], $20::float8[], $21::text[], $22::text[], $23::float8[],"
        "  $24::bigint[]) AS u"
        " ON CONFLICT (tenant, customer) DO UPDATE SET referred_by = EXCLUDED.referred_by,"
        "  partition = EXCLUDED.partition, depth = EXCLUDED.depth, height = EXCLUDED.height,"
        "  subtree_size = EXCLUDED.subtree_size, own_revenue = EXCLUDED.own_revenue,"
        "  subtree_revenue = EXCLUDED.subtree_revenue, converted = EXCLUDED.converted,"
        "  contribution = EXCLUDED.contribution, influence = EXCLUDED.influence,"
        "  converted_referrals = EXCLUDED.converted_referrals,"
        "  first_purchase_ms = EXCLUDED.first_purchase_ms, timezone = EXCLUDED.timezone,"
        "  email_hash = EXCLUDED.email_hash, phone_hash = EXCLUDED.phone_hash,"
        "  profession = EXCLUDED.profession, industry = EXCLUDED.industry,"
        "  net_revenue = EXCLUDED.net_revenue, first_event = EXCLUDED.first_event,"
        "  first_order_id = EXCLUDED.first_order_id, first_amount = EXCLUDED.first_amount,"
        "  updated_ms = GREATEST(referral_nodes.updated_ms, EXCLUDED.updated_ms)";
    rp_pgarray cols[NODE_COLS] = {0};
    rp_pgarray gone = {0};
    size_t written = 0, erased = 0;
    for (size_t i = 0; i < r->forest.count; i++) {
        const rf_node *n = &r->forest.nodes[i];
        if (n->erased) {
            rp_pgarray_add(&gone, n->id);
            erased++;
            continue;
        }
        if (!n->dirty)
            continue;
        char vals[NODE_COLS][32];
        const char *ptrs[NODE_COLS];
        node_values(r, (int32_t)i, vals, ptrs);
        /* column order of the INSERT: customer, referred_by, partition, ... */
        for (int c = 0; c < NODE_COLS; c++)
            rp_pgarray_add(&cols[c], ptrs[c]);
        written++;
    }
    const char *params[NODE_COLS + 1];
    params[0] = r->tenant;
    bool ok = finish_columns(cols, NODE_COLS, params);
    const char *gone_ids = rp_pgarray_finish(&gone);
    if (!ok || !gone_ids)
        ok = fail_oom(r, "writing referral nodes");
    if (ok && written)
        ok = r->api->db_defer(r->ctx, sql, NODE_COLS + 1, params) == RP_OK;
    if (ok && erased) {
        const char *p[] = {r->tenant, gone_ids};
        ok = r->api->db_defer(r->ctx, "DELETE FROM referral_nodes WHERE tenant = $1"
                              " AND customer = ANY($2::text[])", 2, p) == RP_OK;
    }
    free_columns(cols, NODE_COLS);
    rp_pgarray_free(&gone);
    return ok;
}

/* ------------------------------------------------------------------------
 * Links.
 * ---------------------------------------------------------------------- */

enum { LINK_COLS = 13 };

/* A link's depth is its referee's: the loaded node's current depth, else
 * -1, which keeps the stored one (the run may have shifted it in SQL). */
static void link_values(rf_run *r, const rf_linkrow *l, char vals[LINK_COLS][64],
                        const char *ptrs[LINK_COLS])
{
    int32_t i = rf_find(&r->forest, l->referee);
    num(vals[2], 64, r->api->partition_of(r->ctx, l->referee));
    num(vals[3], 64, l->referred_ms);
    rf_flag_names(l->flags, vals[7], 64);
    num(vals[8], 64, l->converted_ms);
    num(vals[9], 64, l->days);
    num(vals[10], 64, i != RF_NONE ? r->forest.nodes[i].depth : l->depth);
    dbl(vals[12], 64, l->amount);
    for (int c = 0; c < LINK_COLS; c++)
        ptrs[c] = vals[c];
    ptrs[0] = l->referee;
    ptrs[1] = l->referrer;
    ptrs[4] = l->source ? l->source : "referral";
    ptrs[5] = l->cause ? l->cause : "";
    ptrs[6] = l->status;
    ptrs[8] = l->converted_ms >= 0 ? vals[8] : NULL;
    ptrs[9] = l->days >= 0 ? vals[9] : NULL;
    ptrs[10] = i != RF_NONE ? vals[10] : "-1";
    ptrs[11] = l->order_id;
    ptrs[12] = l->order_id ? vals[12] : NULL;
}

static bool save_links(rf_run *r)
{
    /* depth -1: the referee is not loaded, keep the stored depth */
    static const char upsert[] =
        "INSERT INTO referral_links (tenant, referee, referrer, partition, referred_ms, source,"
        "  cause, status, flags, converted_ms, days_to_convert, depth, order_id, amount)"
        " SELECT $1, u.* FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[],"
        "  $7::text[], $8::text[], $9::text[], $10::bigint[], $11::int[], $12::int[], $13::text[],"
        "  $14::float8[]) AS u"
        " ON CONFLICT (tenant, referee) DO UPDATE SET referrer = EXCLUDED.referrer,"
        "  partition = EXCLUDED.partition, referred_ms = EXCLUDED.referred_ms,"
        "  source = EXCLUDED.source, cause = EXCLUDED.cause, status = EXCLUDED.status,"
        "  flags = EXCLUDED.flags, converted_ms = EXCLUDED.converted_ms,"
        "  days_to_convert = EXCLUDED.days_to_convert, order_id = EXCLUDED.order_id,"
        "  amount = EXCLUDED.amount,"
        "  depth = CASE WHEN EXCLUDED.depth < 0 THEN referral_links.depth ELSE EXCLUDED.depth END";
    rp_pgarray cols[LINK_COLS] = {0};
    size_t written = 0;
    for (size_t k = 0; k < r->nlinks; k++) {
        const rf_linkrow *l = &r->links[k];
        if (!l->dirty || strcmp(l->status, "erased") == 0)
            continue;
        char vals[LINK_COLS][64];
        const char *ptrs[LINK_COLS];
        link_values(r, l, vals, ptrs);
        for (int c = 0; c < LINK_COLS; c++)
            rp_pgarray_add(&cols[c], ptrs[c]);
        written++;
    }
    const char *params[LINK_COLS + 1];
    params[0] = r->tenant;
    bool ok = finish_columns(cols, LINK_COLS, params) ? true : fail_oom(r, "writing referral links");
    if (ok && written)
        ok = r->api->db_defer(r->ctx, upsert, LINK_COLS + 1, params) == RP_OK;
    free_columns(cols, LINK_COLS);
    return ok;
}

/* ------------------------------------------------------------------------
 * Revenue by month.
 * ---------------------------------------------------------------------- */

static bool save_months(rf_run *r)
{
    static const char sql[] =
        "INSERT INTO referral_revenue (tenant, customer, month, partition, revenue)"
        " SELECT $1, u.c, u.m, min(u.p), sum(u.a) FROM unnest($2::text[], $3::text[], $4::int[],"
        "  $5::float8[]) AS u(c, m, p, a) GROUP BY u.c, u.m"
        " ON CONFLICT (tenant, customer, month)"
        " DO UPDATE SET revenue = referral_revenue.revenue + EXCLUDED.revenue";
    if (r->nmonths == 0)
        return true;
    rp_pgarray cols[4] = {0};
    for (size_t k = 0; k < r->nmonths; k++) {
        const rf_month_delta *d = &r->months[k];
        if (r->forest.nodes[d->node].erased)
            continue;   /* forgotten: its history goes with it */
        char part[24], amount[32];
        num(part, sizeof part, partition_of(r, d->node));
        dbl(amount, sizeof amount, d->amount);
        rp_pgarray_add(&cols[0], r->forest.nodes[d->node].id);
        rp_pgarray_add(&cols[1], d->month);
        rp_pgarray_add(&cols[2], part);
        rp_pgarray_add(&cols[3], amount);
    }
    const char *params[5];
    params[0] = r->tenant;
    bool ok = finish_columns(cols, 4, params) ? true : fail_oom(r, "writing revenue by month");
    ok = ok && r->api->db_defer(r->ctx, sql, 5, params) == RP_OK;
    free_columns(cols, 4);
    return ok;
}

bool rf_store_save(rf_run *r)
{
    return save_nodes(r) && save_links(r) && save_months(r) && rf_store_introductions(r);
}

/* ------------------------------------------------------------------------
 * The monthly history of one customer.
 * ---------------------------------------------------------------------- */

static bool add_month(char (**months)[8], double **amounts, size_t *n, const char *month,
                      double amount)
{
    for (size_t k = 0; k < *n; k++)
        if (strcmp((*months)[k], month) == 0) {
            (*amounts)[k] += amount;
            return true;
        }
    char (*m)[8] = realloc(*months, (*n + 1) * sizeof *m);
    if (m)
        *months = m;
    double *a = m ? realloc(*amounts, (*n + 1) * sizeof *a) : NULL;
    if (!a)
        return false;
    *amounts = a;
    snprintf((*months)[*n], 8, "%s", month);
    (*amounts)[(*n)++] = amount;
    return true;
}

/* Only a customer whose row said it had bought or been refunded before
 * the run can have stored months: most conversions (the link came first)
 * need no query. */
bool rf_store_history(rf_run *r, int32_t i, char (**months)[8], double **amounts, size_t *n)
{
    *months = NULL;
    *amounts = NULL;
    *n = 0;
    bool ok = true;
    if (r->extras[i].history) {
        const char *params[] = {r->tenant, r->forest.nodes[i].id};
        rp_rows *rows = r->api->db_query(r->ctx, "SELECT month, revenue FROM referral_revenue"
                                         " WHERE tenant = $1 AND customer = $2 ORDER BY month",
                                         2, params);
        if (!rows)
            return false;
        for (int k = 0; ok && k < r->api->rows_count(rows); k++)
            ok = add_month(months, amounts, n, r->api->rows_value(rows, k, 0),
                           strtod(r->api->rows_value(rows, k, 1), NULL));
        r->api->rows_free(rows);
    }
    for (size_t k = 0; ok && k < r->nmonths; k++)
        if (r->months[k].node == i)
            ok = add_month(months, amounts, n, r->months[k].month, r->months[k].amount);
    if (!ok) {
        free(*months);
        free(*amounts);
        *months = NULL;
        *amounts = NULL;
        return fail_oom(r, "reading revenue by month");
    }
    return true;
}
