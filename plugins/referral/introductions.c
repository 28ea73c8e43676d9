/*
 * introductions.c - cross-cooperation (seed 001): after a run, the customers
 * whose profession or industry changed get their suggested introductions
 * recomputed (affinity.h decides; this file reads candidates and writes
 * referral_introductions). A suggestion is a row for a person to read in
 * `rapportctl report referrals`; nothing is ever sent to the customers.
 *
 * Cost: one candidate query per run that changed a trade (none otherwise),
 * at most CANDIDATES_PER_TERM customers per partner term, alphabetically
 * first, so a popular profession cannot make a run read the whole tenant.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

#define CANDIDATES_PER_TERM 200

typedef struct intro_work {
    rf_person *subjects;
    size_t nsubjects;
    rp_pgarray subject_ids;
    rp_pgarray terms;
} intro_work;

static void add_terms(const rf_affinity *t, const char *term, rp_pgarray *terms)
{
    const char *partners[RF_MAX_PAIRS];
    size_t n = rf_affinity_partners(t, term, partners, RF_MAX_PAIRS);
    for (size_t k = 0; k < n && k < RF_MAX_PAIRS; k++)
        rp_pgarray_add(terms, partners[k]);
}

/* The run's customers whose trade changed, and every term they pair with. */
static bool collect_subjects(rf_run *r, intro_work *w)
{
    w->subjects = malloc((r->forest.count ? r->forest.count : 1) * sizeof *w->subjects);
    if (!w->subjects)
        return false;
    for (size_t i = 0; i < r->forest.count; i++) {
        const rf_node *n = &r->forest.nodes[i];
        const rf_extra *x = &r->extras[i];
        if (!x->trade_changed || n->erased)
            continue;
        w->subjects[w->nsubjects++] = (rf_person){n->id, x->profession, x->industry, n->parent_id};
        rp_pgarray_add(&w->subject_ids, n->id);
        if (x->profession)
            add_terms(&r->s->affinity, x->profession, &w->terms);
        if (x->industry)
            add_terms(&r->s->affinity, x->industry, &w->terms);
    }
    /* both closed even when one failed: the caller reads them again */
    bool ids_ok = rp_pgarray_finish(&w->subject_ids) != NULL;
    bool terms_ok = rp_pgarray_finish(&w->terms) != NULL;
    return ids_ok && terms_ok;
}

static rp_rows *read_candidates(rf_run *r, const char *terms)
{
    static const char sql[] =
        "SELECT n.customer, n.profession, n.industry, n.referred_by"
        " FROM unnest($2::text[]) AS t(term) CROSS JOIN LATERAL ("
        "  SELECT customer, profession, industry, referred_by FROM referral_nodes"
        "  WHERE tenant = $1 AND profession = t.term ORDER BY customer LIMIT $3) n"
        " UNION "
        "SELECT n.customer, n.profession, n.industry, n.referred_by"
        " FROM unnest($2::text[]) AS t(term) CROSS JOIN LATERAL ("
        "  SELECT customer, profession, industry, referred_by FROM referral_nodes"
        "  WHERE tenant = $1 AND industry = t.term ORDER BY customer LIMIT $3) n";
    char limit[16];
    snprintf(limit, sizeof limit, "%d", CANDIDATES_PER_TERM);
    const char *params[] = {r->tenant, terms, limit};
    return r->api->db_query(r->ctx, sql, 3, params);
}

/* When a suggestion was made: the latest event time at which the trade of
 * either side changed in this run (not the run's time, which depends on how
 * events were grouped into runs). */
static int64_t suggested_at(rf_run *r, const rf_intro *in)
{
    int64_t at = INT64_MIN;
    const char *side[2] = {in->a, in->b};
    for (int k = 0; k < 2; k++) {
        int32_t i = rf_find(&r->forest, side[k]);
        if (i != RF_NONE && r->extras[i].trade_changed && r->extras[i].trade_ms > at)
            at = r->extras[i].trade_ms;
    }
    return at != INT64_MIN ? at : r->now;
}

/* Writes the suggestions (a < b) in one statement. */
static bool write_intros(rf_run *r, const rf_intro *intros, size_t n)
{
    static const char sql[] =
        "INSERT INTO referral_introductions (tenant, customer_a, customer_b, partition, a_term,"
        "  b_term, pair_rank, suggested_ms)"
        " SELECT $1, u.a, u.b, u.p, u.at, u.bt, u.k, u.s FROM unnest($2::text[], $3::text[],"
        "  $4::int[], $5::text[], $6::text[], $7::int[], $8::bigint[]) AS u(a, b, p, at, bt, k, s)"
        " ON CONFLICT (tenant, customer_a, customer_b) DO UPDATE SET a_term = EXCLUDED.a_term,"
        "  b_term = EXCLUDED.b_term, pair_rank = EXCLUDED.pair_rank,"
        "  suggested_ms = EXCLUDED.suggested_ms";
    rp_pgarray cols[7] = {0};
    for (size_t i = 0; i < n; i++) {
        char part[16], rank[24], at[24];
        snprintf(part, sizeof part, "%" PRIu32, r->api->partition_of(r->ctx, intros[i].a));
        snprintf(rank, sizeof rank, "%zu", intros[i].pair);
        snprintf(at, sizeof at, "%" PRId64, suggested_at(r, &intros[i]));
        const char *vals[7] = {intros[i].a, intros[i].b, part, intros[i].a_term, intros[i].b_term, rank, at};
        for (int c = 0; c < 7; c++)
            rp_pgarray_add(&cols[c], vals[c]);
    }
    const char *params[8] = {r->tenant};
    bool ok = true;
    for (int c = 0; c < 7; c++) {
        params[c + 1] = rp_pgarray_finish(&cols[c]);
        ok = ok && params[c + 1];
    }
    if (!ok)
        r->api->fail(r->ctx, "referral: out of memory writing introductions (tenant %s)", r->tenant);
    ok = ok && r->api->db_defer(r->ctx, sql, 8, params) == RP_OK;
    for (int c = 0; c < 7; c++)
        rp_pgarray_free(&cols[c]);
    return ok;
}

static bool suggest(rf_run *r, intro_work *w, const rp_rows *rows)
{
    const rp_host_api *api = r->api;
    int count = api->rows_count(rows);
    rf_person *cands = malloc((count > 0 ? (size_t)count : 1) * sizeof *cands);
    size_t cap = w->nsubjects * r->s->intros_per_customer;
    rf_intro *intros = malloc((cap ? cap : 1) * sizeof *intros);
    bool ok = cands && intros;
    for (int i = 0; ok && i < count; i++)
        cands[i] = (rf_person){api->rows_value(rows, i, 0), api->rows_value(rows, i, 1),
                               api->rows_value(rows, i, 2), api->rows_value(rows, i, 3)};
    size_t n = ok ? rf_introductions(&r->s->affinity, w->subjects, w->nsubjects, cands,
                                     (size_t)count, r->s->intros_per_customer, intros, cap)
                  : 0;
    if (!ok)
        api->fail(r->ctx, "referral: out of memory suggesting introductions (tenant %s)", r->tenant);
    ok = ok && (n == 0 || write_intros(r, intros, n < cap ? n : cap));
    free(cands);
    free(intros);
    return ok;
}

bool rf_store_introductions(rf_run *r)
{
    bool any = false;
    for (size_t i = 0; i < r->forest.count && !any; i++)
        any = r->extras[i].trade_changed;
    if (!any)
        return true;
    intro_work w = {0};
    bool ok = collect_subjects(r, &w);
    if (!ok)
        r->api->fail(r->ctx, "referral: out of memory collecting introductions (tenant %s)", r->tenant);
    /* A changed trade makes the customer's old suggestions stale, both ways. */
    const char *del[] = {r->tenant, rp_pgarray_finish(&w.subject_ids)};
    ok = ok && r->api->db_defer(r->ctx, "DELETE FROM referral_introductions WHERE tenant = $1"
                                " AND (customer_a = ANY($2::text[]) OR customer_b = ANY($2::text[]))",
                                2, del) == RP_OK;
    bool pairs_possible = w.terms.count > 0 && r->s->intros_per_customer > 0;
    rp_rows *rows = ok && pairs_possible ? read_candidates(r, rp_pgarray_finish(&w.terms)) : NULL;
    if (ok && pairs_possible)
        ok = rows && suggest(r, &w, rows);
    if (rows)
        r->api->rows_free(rows);
    free(w.subjects);
    rp_pgarray_free(&w.subject_ids);
    rp_pgarray_free(&w.terms);
    return ok;
}
