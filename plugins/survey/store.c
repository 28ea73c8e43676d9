/*
 * store.c - the survey plugin's run-level SQL: loading a run's working set
 * with one query per kind of state the run needs (customers, survey
 * requests, complaints, the scoring snapshot of responders), each keyed by
 * `= ANY($2::text[])`, and the shared deferred writes. Every statement is
 * the call's tenant's ($1): ABI 2 hands a call one tenant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rapport/rp_pgarray.h"

/* ---- loading ---- */
typedef struct wanted {
    rp_pgarray customers, surveys, complaints, responders;
} wanted;

/* The ids the run's events name; false on out of memory. */
static bool collect(sv_run *r, const rp_event *const *events, size_t n, wanted *w)
{
    bool oom = false;
    for (size_t i = 0; !oom && i < n; i++) {
        const rp_event *ev = events[i];
        if (!ev->customer)
            continue;
        rp_pgarray_add(&w->customers, ev->customer);
        char *id = NULL;
        if (strncmp(ev->type, "complaint.", 10) == 0 || strcmp(ev->type, "contact") == 0) {
            if ((id = sv_view_dup(r->api, ev->data, "complaint_id", &oom)))
                rp_pgarray_add(&w->complaints, id);
        } else if (strcmp(ev->type, "survey.response") == 0
                   && (id = sv_view_dup(r->api, ev->data, "survey_id", &oom))) {
            rp_pgarray_add(&w->surveys, id);
            rp_pgarray_add_joined(&w->complaints, "survey:", id);
            rp_pgarray_add(&w->responders, ev->customer);
        }
        free(id);
    }
    return !oom;
}

/* The status words as the static strings the working set holds. */
static const char *status_word(const char *text)
{
    static const char *const words[] = {"requested", "answered", "expired", "suppressed"};
    for (size_t i = 0; text && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(text, words[i]) == 0)
            return words[i];
    return words[0];
}

/* A copy of a text column, NULL for SQL NULL; false on out of memory. */
static bool dup_column(const char *value, char **out)
{
    *out = value ? strdup(value) : NULL;
    return !value || *out;
}

static rp_rows *query(sv_run *r, const char *sql, rp_pgarray *ids)
{
    const char *list = rp_pgarray_finish(ids);
    if (!list) {
        r->api->fail(r->ctx, "survey: out of memory loading tenant %s", r->tenant);
        return NULL;
    }
    const char *params[] = {r->tenant, list};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 2, params);
    if (!rows)
        r->api->fail(r->ctx, "survey: loading state of tenant %s failed", r->tenant);
    return rows;
}

static bool load_customers(sv_run *r, rp_pgarray *ids)
{
    rp_rows *rows = query(r, "SELECT customer, timezone, quarterly_due_ms, timezone_ms, timezone_event,"
                             " first_purchase_ms FROM survey_customers"
                             " WHERE tenant = $1 AND customer = ANY($2::text[])", ids);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        sv_customer *c = sv_run_customer(r, r->api->rows_value(rows, i, 0), true);
        ok = c && dup_column(r->api->rows_value(rows, i, 1), &c->timezone)
             && dup_column(r->api->rows_value(rows, i, 4), &c->timezone_event);
        if (ok) {
            c->quarterly_due_ms = sv_int_or(r->api->rows_value(rows, i, 2), 0);
            c->timezone_ms = sv_int_or(r->api->rows_value(rows, i, 3), -1);
            c->first_purchase_ms = sv_int_or(r->api->rows_value(rows, i, 5), -1);
            c->stored = true;
        }
    }
    r->api->rows_free(rows);
    return ok;
}

/* The silent-watch status words as static strings; NULL for none. */
static const char *watch_word(const char *text)
{
    static const char *const words[] = {"watching", "flagged", "cleared"};
    for (size_t i = 0; text && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(text, words[i]) == 0)
            return words[i];
    return NULL;
}

/* A score column: SV_NO_SCORE for NULL. */
static int score_column(const char *value)
{
    return value ? (int)sv_int_or(value, SV_NO_SCORE) : SV_NO_SCORE;
}

/* Each request with its recorded answer (a late earlier answer replaces it)
 * and the status of its silent-churn watch. */
static bool load_requests(sv_run *r, rp_pgarray *ids)
{
    rp_rows *rows = query(r, "SELECT q.survey_id, q.customer, q.status, q.month, q.tier, q.kind, q.answered_ms,"
                             " q.answer_event, q.nps, q.csat, s.status FROM survey_requests q"
                             " LEFT JOIN survey_silent s ON s.tenant = q.tenant AND s.survey_id = q.survey_id"
                             " WHERE q.tenant = $1 AND q.survey_id = ANY($2::text[])", ids);
    if (!rows)
        return false;
    const rp_host_api *api = r->api;
    bool ok = true;
    for (int i = 0; ok && i < api->rows_count(rows); i++) {
        sv_request *q = sv_run_request(r, api->rows_value(rows, i, 0), api->rows_value(rows, i, 1), true);
        ok = q != NULL;
        if (ok) {
            q->status = status_word(api->rows_value(rows, i, 2));
            snprintf(q->month, sizeof q->month, "%s", api->rows_value(rows, i, 3));
            free(q->tier);
            free(q->answer_event);
            const char *kind = api->rows_value(rows, i, 5);
            q->unsolicited = kind && strcmp(kind, "unsolicited") == 0;
            q->answered_ms = sv_int_or(api->rows_value(rows, i, 6), -1);
            q->nps = score_column(api->rows_value(rows, i, 8));
            q->csat = score_column(api->rows_value(rows, i, 9));
            q->watch = watch_word(api->rows_value(rows, i, 10));
            ok = dup_column(api->rows_value(rows, i, 4), &q->tier)
                 && dup_column(api->rows_value(rows, i, 7), &q->answer_event);
        }
    }
    api->rows_free(rows);
    return ok;
}

static bool load_complaints(sv_run *r, rp_pgarray *ids)
{
    rp_rows *rows = query(r, "SELECT complaint_id, customer, severity, opened_ms, first_response_due_ms,"
                             " resolution_due_ms, first_response_ms, resolved_ms, level, source, opened_event,"
                             " resolved_event"
                             " FROM survey_complaints WHERE tenant = $1 AND complaint_id = ANY($2::text[])", ids);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        sv_complaint *c = sv_run_complaint(r, r->api->rows_value(rows, i, 0), r->api->rows_value(rows, i, 1), true);
        ok = c != NULL;
        if (!ok)
            break;
        sv_severity sev = SV_SEV_NORMAL;
        sv_severity_parse(r->api->rows_value(rows, i, 2), &sev);
        c->severity = sev;
        c->opened_ms = sv_int_or(r->api->rows_value(rows, i, 3), 0);
        c->first_due_ms = sv_int_or(r->api->rows_value(rows, i, 4), 0);
        c->resolve_due_ms = sv_int_or(r->api->rows_value(rows, i, 5), 0);
        c->first_response_ms = sv_int_or(r->api->rows_value(rows, i, 6), -1);
        c->resolved_ms = sv_int_or(r->api->rows_value(rows, i, 7), -1);
        c->level = (int)sv_int_or(r->api->rows_value(rows, i, 8), 0);
        const char *source = r->api->rows_value(rows, i, 9);
        c->from_survey = source && strcmp(source, "survey") == 0;
        ok = sv_set_id(&c->opened_event, r->api->rows_value(rows, i, 10))
             && sv_set_id(&c->resolved_event, r->api->rows_value(rows, i, 11));
    }
    r->api->rows_free(rows);
    return ok;
}

/* Tier, p_alive and expected purchases now, for the responders' baselines;
 * nothing when the scoring plugin is not deployed. */
static bool load_scoring(sv_run *r, rp_pgarray *ids)
{
    bool present;
    if (!sv_scoring_present(r->call, &present))
        return false;
    if (!present)
        return true;
    rp_rows *rows = query(r, "SELECT customer, tier, p_alive, expected_purchases FROM scoring_customers"
                             " WHERE tenant = $1 AND customer = ANY($2::text[])", ids);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        sv_customer *c = sv_run_customer(r, r->api->rows_value(rows, i, 0), true);
        ok = c != NULL;
        if (ok) {
            free(c->tier);
            ok = dup_column(r->api->rows_value(rows, i, 1), &c->tier);
            c->p_alive = sv_dbl_or(r->api->rows_value(rows, i, 2), SV_UNKNOWN);
            c->purchases = sv_dbl_or(r->api->rows_value(rows, i, 3), SV_UNKNOWN);
        }
    }
    r->api->rows_free(rows);
    return ok;
}

bool sv_store_load(sv_run *r, const rp_event *const *events, size_t n)
{
    wanted w = {0};
    bool ok = collect(r, events, n, &w);
    if (!ok)
        r->api->fail(r->ctx, "survey: out of memory loading tenant %s", r->tenant);
    /* query() reports an array that ran out of memory */
    ok = ok && (w.customers.count == 0 || load_customers(r, &w.customers));
    ok = ok && (w.surveys.count == 0 || load_requests(r, &w.surveys));
    ok = ok && (w.complaints.count == 0 || load_complaints(r, &w.complaints));
    ok = ok && (w.responders.count == 0 || load_scoring(r, &w.responders));
    rp_pgarray_free(&w.customers);
    rp_pgarray_free(&w.surveys);
    rp_pgarray_free(&w.complaints);
    rp_pgarray_free(&w.responders);
    return ok;
}

/* ---- shared writes ---- */
void sv_store_customer(sv_run *r, uint32_t partition, sv_customer *c)
{
    (void)r;
    c->stored = true;
    c->dirty = true;
    c->partition = partition;
}

/* A time as an array element, NULL when unknown (< 0). */
static void add_known(rp_pgarray *a, int64_t ms)
{
    if (ms >= 0)
        rp_pgarray_add_int(a, ms);
    else
        rp_pgarray_add(a, NULL);
}

/* One upsert for every marked customer of the run (it was one statement per
 * event: 26,133 on the retail bench). */
bool sv_store_write_customers(sv_run *r)
{
    rp_pgarray ids = {0}, parts = {0}, zones = {0}, dues = {0}, zone_at = {0}, zone_events = {0}, firsts = {0};
    for (size_t i = 0; i < r->ncustomers; i++) {
        sv_customer *c = &r->customers[i];
        if (!c->dirty)
            continue;
        rp_pgarray_add(&ids, c->id);
        rp_pgarray_add_int(&parts, c->partition);
        rp_pgarray_add(&zones, c->timezone);
        rp_pgarray_add_int(&dues, c->quarterly_due_ms);
        add_known(&zone_at, c->timezone_ms);
        rp_pgarray_add(&zone_events, c->timezone_event);
        add_known(&firsts, c->first_purchase_ms);
        c->dirty = false;
    }
    bool ok = true;
    if (ids.count > 0) {
        const char *p[] = {r->tenant, rp_pgarray_finish(&ids), rp_pgarray_finish(&parts),
                           rp_pgarray_finish(&zones), rp_pgarray_finish(&dues), rp_pgarray_finish(&zone_at),
                           rp_pgarray_finish(&zone_events), rp_pgarray_finish(&firsts)};
        ok = p[1] && p[2] && p[3] && p[4] && p[5] && p[6] && p[7];
        if (!ok)
            r->api->fail(r->ctx, "survey: out of memory writing the customers of tenant %s", r->tenant);
        else
            ok = r->api->db_defer(r->ctx,
                "INSERT INTO survey_customers (tenant, customer, partition, timezone, quarterly_due_ms, timezone_ms,"
                " timezone_event, first_purchase_ms)"
                " SELECT $1, u.customer, u.partition, u.timezone, u.due, u.zone_at, u.zone_event, u.first"
                " FROM unnest($2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::text[],"
                " $8::bigint[]) AS u(customer, partition, timezone, due, zone_at, zone_event, first)"
                " ON CONFLICT (tenant, customer) DO UPDATE"
                " SET timezone = EXCLUDED.timezone, quarterly_due_ms = EXCLUDED.quarterly_due_ms,"
                " timezone_ms = EXCLUDED.timezone_ms, timezone_event = EXCLUDED.timezone_event,"
                " first_purchase_ms = EXCLUDED.first_purchase_ms", 8, p) == RP_OK;
    }
    rp_pgarray *all[] = {&ids, &parts, &zones, &dues, &zone_at, &zone_events, &firsts};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        rp_pgarray_free(all[i]);
    return ok;
}

void sv_store_monthly(sv_run *r, const char *month, const char *tier, uint32_t partition,
                      const sv_monthly_delta *d)
{
    char v[11][24];
    const int64_t values[] = {partition, d->requested, d->answered, d->expired, d->suppressed,
                              d->nps_answers, d->promoters, d->passives, d->detractors,
                              d->csat_answers, d->csat_sum};
    for (int i = 0; i < 11; i++)
        sv_num(v[i], sizeof v[i], values[i]);
    const char *p[] = {r->tenant, month, tier, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]};
    r->api->db_defer(r->ctx,
        "INSERT INTO survey_monthly AS m (tenant, month, tier, partition, requested, answered, expired,"
        " suppressed, nps_answers, promoters, passives, detractors, csat_answers, csat_sum)"
        " VALUES ($1, $2, $3, $4::int, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint,"
        " $10::bigint, $11::bigint, $12::bigint, $13::bigint, $14::bigint)"
        " ON CONFLICT (tenant, month, tier, partition) DO UPDATE SET"
        " requested = m.requested + EXCLUDED.requested, answered = m.answered + EXCLUDED.answered,"
        " expired = m.expired + EXCLUDED.expired, suppressed = m.suppressed + EXCLUDED.suppressed,"
        " nps_answers = m.nps_answers + EXCLUDED.nps_answers, promoters = m.promoters + EXCLUDED.promoters,"
        " passives = m.passives + EXCLUDED.passives, detractors = m.detractors + EXCLUDED.detractors,"
        " csat_answers = m.csat_answers + EXCLUDED.csat_answers, csat_sum = m.csat_sum + EXCLUDED.csat_sum",
        14, p);
}

void sv_store_monthly_prune(sv_run *r)
{
    const char *p[] = {r->tenant};
    r->api->db_defer(r->ctx, SV_MONTHLY_PRUNE_SQL, 1, p);
}

/* Right to be forgotten: every row about the customer goes; the monthly
 * aggregates hold no identity and stay. Pending timers find no row and do
 * nothing. */
void sv_store_erase(sv_run *r, const char *customer)
{
    static const char *const tables[] = {"survey_customers", "survey_requests", "survey_complaints",
                                         "survey_suggestions", "survey_silent"};
    const char *p[] = {r->tenant, customer};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE tenant = $1 AND customer = $2", tables[i]);
        r->api->db_defer(r->ctx, sql, 2, p);
    }
    r->api->db_defer(r->ctx, "DELETE FROM contact_ledger WHERE tenant = $1 AND customer = $2"
                             " AND source = 'survey'", 2, p);
}
