/*
 * keypeople.c - the key people on the tenant clock (ABI 2.1).
 *
 * The set ranks every customer of the tenant, across partitions, so it is
 * not updated while one partition's events are handled (a partition ahead
 * in event time would rank customers with rows others had not yet brought
 * to that time, and entries could go back in time). It is recomputed at
 * cuts: every key_people_every since the epoch (rf_next_cut), by a timer on
 * the tenant clock, which fires once every partition has handled its events
 * before the cut and before any handles one after it. So a cut sees every
 * customer at the same instant, and the cuts and what they emit are the
 * same whatever the arrival order within the lateness bound
 * (event_lateness_ms) and whatever the partition count.
 *
 * The timer re-arms itself at the next cut, so its barrier is known before
 * events after it are gathered. A tenant's first cut is armed by the run
 * that first finds none scheduled (referral_key_people_cut), at the cut
 * after the run's earliest event.
 *
 * At a cut the members are loaded with their current influence and the
 * best customers offered in rank order (topset.h): the same entry and
 * eviction rules as before, with entries emitted at the cut's time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "glue.h"

static const uint8_t empty_map = 0x80;   /* the timer's payload: {} */

static bool arm(rp_ctx *ctx, const rp_host_api *api, const char *tenant, int64_t due_ms)
{
    if (!RP_API_HAS(api, tenant_timer_set)) {
        api->fail(ctx, "referral: the host has no tenant clock (plugin ABI 2.1 needed for key people)");
        return false;
    }
    char due[24];
    snprintf(due, sizeof due, "%" PRId64, due_ms);
    const char *params[] = {tenant, due};
    return api->tenant_timer_set(ctx, RF_CUT_TIMER, due_ms, NULL, NULL, &empty_map, 1) == RP_OK
           && api->db_defer(ctx, "INSERT INTO referral_key_people_cut (tenant, partition, next_ms)"
                            " VALUES ($1, -1, $2) ON CONFLICT (tenant) DO UPDATE"
                            " SET next_ms = EXCLUDED.next_ms", 2, params) == RP_OK;
}

bool rf_key_people_schedule(rf_run *r)
{
    if (r->cut_armed || r->s->top <= 0 || r->first_now == INT64_MAX)
        return true;
    r->cut_armed = true;
    return arm(r->ctx, r->api, r->tenant, rf_next_cut(r->first_now, r->s->cut_every_ms));
}

/* ------------------------------------------------------------------------
 * One cut.
 * ---------------------------------------------------------------------- */

/* Members and the best customers, best first; member marks who is in. */
static rp_rows *load_candidates(const rp_call *call, const rf_settings *s)
{
    static const char sql[] =
        "WITH best AS (SELECT customer FROM referral_nodes WHERE tenant = $1 AND influence >= $3"
        "   ORDER BY influence DESC, customer COLLATE \"C\" LIMIT $2),"
        " members AS (SELECT customer FROM referral_key_people WHERE tenant = $1)"
        " SELECT n.customer, n.influence, n.subtree_size, n.subtree_revenue,"
        "  n.customer IN (SELECT customer FROM members)"
        " FROM referral_nodes n WHERE n.tenant = $1"
        "  AND (n.customer IN (SELECT customer FROM best) OR n.customer IN (SELECT customer FROM members))"
        " ORDER BY n.influence DESC, n.customer COLLATE \"C\"";
    char limit[24], min[40];
    snprintf(limit, sizeof limit, "%" PRId64, s->top);
    snprintf(min, sizeof min, "%.17g", s->top_min);
    const char *params[] = {call->tenant, limit, min};
    return call->api->db_query(call->ctx, sql, 3, params);
}

/* The row as the node a key_person event describes. */
static rf_node row_node(const rp_host_api *api, const rp_rows *rows, int i)
{
    const char *size = api->rows_value(rows, i, 2), *revenue = api->rows_value(rows, i, 3);
    return (rf_node){
        .id = (char *)api->rows_value(rows, i, 0),
        .influence = strtod(api->rows_value(rows, i, 1), NULL),
        .subtree_size = size ? strtoll(size, NULL, 10) : 1,
        .subtree_revenue = revenue ? strtod(revenue, NULL) : 0,
    };
}

static bool is_member(const rp_host_api *api, const rp_rows *rows, int i)
{
    const char *m = api->rows_value(rows, i, 4);
    return m && m[0] == 't';
}

/* Offers the rows to the set (members loaded first, best first, so a
 * smaller key_people_top keeps the best); entries are emitted. */
static bool rank(rf_run *r, rf_topset *t, const rp_rows *rows)
{
    const rp_host_api *api = r->api;
    int n = api->rows_count(rows);
    for (int i = 0; i < n && t->count < t->cap; i++)
        if (is_member(api, rows, i)
            && !rf_topset_load(t, api->rows_value(rows, i, 0), row_node(api, rows, i).influence)) {
            api->fail(r->ctx, "referral: out of memory ranking key people (tenant %s)", r->tenant);
            return false;
        }
    for (int i = 0; i < n; i++) {
        rf_node node = row_node(api, rows, i);
        char *evicted;
        rf_offer o = rf_topset_offer(t, node.id, node.influence, &evicted);
        if (o == RF_OFFER_ERROR) {
            api->fail(r->ctx, "referral: out of memory ranking key people (tenant %s)", r->tenant);
            return false;
        }
        bool ok = o != RF_OFFER_ENTERED || rf_emit_key_person(r, &node, evicted);
        free(evicted);
        if (!ok)
            return false;
    }
    return true;
}

/* The set as it stands after the cut; entered_ms of newcomers is the cut. */
static bool save_set(rf_run *r, const rf_topset *t)
{
    rp_pgarray ids = {0}, parts = {0}, scores = {0};
    for (size_t i = 0; i < t->count; i++) {
        char p[24], s[32];
        snprintf(p, sizeof p, "%u", r->api->partition_of(r->ctx, t->members[i].id));
        snprintf(s, sizeof s, "%.17g", t->members[i].score);
        rp_pgarray_add(&ids, t->members[i].id);
        rp_pgarray_add(&parts, p);
        rp_pgarray_add(&scores, s);
    }
    char now[24];
    snprintf(now, sizeof now, "%" PRId64, r->now);
    const char *params[] = {r->tenant, rp_pgarray_finish(&ids), rp_pgarray_finish(&parts),
                            rp_pgarray_finish(&scores), now};
    bool ok = params[1] && params[2] && params[3];
    if (!ok)
        r->api->fail(r->ctx, "referral: out of memory writing key people (tenant %s)", r->tenant);
    ok = ok && r->api->db_defer(r->ctx, "DELETE FROM referral_key_people WHERE tenant = $1"
                                " AND NOT (customer = ANY($2::text[]))", 2, params) == RP_OK;
    ok = ok && r->api->db_defer(r->ctx,
        "INSERT INTO referral_key_people (tenant, customer, partition, influence, entered_ms)"
        " SELECT $1, u.c, u.p, u.i, $5::bigint FROM unnest($2::text[], $3::int[], $4::float8[]) AS u(c, p, i)"
        " ON CONFLICT (tenant, customer) DO UPDATE SET influence = EXCLUDED.influence",
        5, params) == RP_OK;
    rp_pgarray_free(&ids);
    rp_pgarray_free(&parts);
    rp_pgarray_free(&scores);
    return ok;
}

bool rf_key_people_cut(const rp_call *call, const rp_timer *timer)
{
    const rf_settings *s = call->settings;
    call->api->scope_timer(call->ctx, timer);
    rf_run r = {.ctx = call->ctx, .api = call->api, .s = s, .tenant = call->tenant,
                .now = call->api->now_ms(call->ctx)};
    rf_topset t;
    if (!rf_topset_init(&t, s->top > 0 ? (size_t)s->top : 0, s->top_min)) {
        call->api->fail(call->ctx, "referral: out of memory ranking key people (tenant %s)", call->tenant);
        return false;
    }
    rp_rows *rows = s->top > 0 ? load_candidates(call, s) : NULL;
    bool ok = s->top <= 0 || (rows && rank(&r, &t, rows));
    if (rows)
        call->api->rows_free(rows);
    ok = ok && save_set(&r, &t);
    rf_topset_free(&t);
    if (!ok)
        return false;
    if (s->top <= 0) {   /* switched off: no more cuts until it is on again */
        const char *params[] = {call->tenant};
        return call->api->db_defer(call->ctx, "DELETE FROM referral_key_people_cut WHERE tenant = $1",
                                   1, params) == RP_OK;
    }
    return arm(call->ctx, call->api, call->tenant, rf_next_cut(timer->due_ms, s->cut_every_ms));
}
