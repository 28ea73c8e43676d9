/*
 * timer_send_load.c - what the batch's due surveys need, read with one
 * query: per survey, the customer's tier, latest counted survey, the
 * contact-budget rows of the tenant and tier, the customer's ledger touches
 * around now, whether the survey already has a row (and, for an answer
 * recorded as unsolicited at or after now, that answer to take over) and
 * whether the customer still has one (erased otherwise): what one survey
 * needs, run over unnest($2, $3) in one statement (timers.h says what the
 * batch carries between a customer's surveys).
 *
 * The latest counted survey is the latest requested at or before now: with
 * event_lateness_ms an answer recorded as unsolicited later in event time
 * may already be there, and it is no survey before this one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timers.h"

/* The tier from the scoring plugin's table when it is deployed. */
static const char tier_scoring[] = "coalesce(sc.tier, 'unknown')";
static const char join_scoring[] = " LEFT JOIN scoring_customers sc ON sc.tenant = $1 AND sc.customer = u.customer";
static const char sql_select[] = "WITH i AS (SELECT u.customer, u.survey_id, u.n, ";
static const char sql_from[] =
    " AS tier FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(customer, survey_id, n)";
static const char sql_rest[] =
    " SELECT i.n, i.tier,"
    " (SELECT max(requested_ms) FROM survey_requests WHERE tenant = $1 AND customer = i.customer"
    "   AND status IN ('requested', 'answered', 'expired') AND requested_ms <= $4::bigint"
    "   AND (kind <> 'unsolicited' OR requested_ms < $4::bigint)),"
    " q.survey_id IS NOT NULL,"
    " (SELECT string_agg(b.tenant || chr(31) || b.tier || chr(31) || b.window_ms || chr(31) || b.max_touches,"
    "   chr(30)) FROM contact_budget b WHERE b.tenant IN ($1, '*') AND b.tier IN (i.tier, '*')),"
    " (SELECT string_agg(l.ts_ms::text, ',') FROM contact_ledger l WHERE l.tenant = $1"
    "   AND l.customer = i.customer"
    "   AND l.ts_ms > $4::bigint - coalesce((SELECT max(window_ms) FROM contact_budget"
    "     WHERE tenant IN ($1, '*')), 30 * 86400000::bigint)"
    "   AND l.ts_ms <= $4::bigint + $5::bigint),"
    " EXISTS (SELECT 1 FROM survey_customers WHERE tenant = $1 AND customer = i.customer),"
    " q.kind, q.answered_ms, q.month, q.tier, q.partition, q.nps, q.csat"
    " FROM i LEFT JOIN survey_requests q ON q.tenant = $1 AND q.survey_id = i.survey_id ORDER BY i.n";

/* "tenant US tier US window US max" records separated by RS. */
static void parse_budget(const char *text, const char *tenant, sv_tsend *s)
{
    sv_budget_row rows[64];
    char *copy = text ? strdup(text) : NULL;
    size_t n = 0;
    for (char *rec = copy, *next; rec && *rec && n < 64; rec = next) {
        next = strchr(rec, '\x1e');
        if (next)
            *next++ = '\0';
        char *f[4] = {rec, NULL, NULL, NULL};
        for (int i = 1; i < 4 && f[i - 1]; i++) {
            f[i] = strchr(f[i - 1], '\x1f');
            if (f[i])
                *f[i]++ = '\0';
        }
        if (f[3])
            rows[n++] = (sv_budget_row){f[0], f[1], strtoll(f[2], NULL, 10), strtoll(f[3], NULL, 10)};
        if (!next)
            break;
    }
    s->nrules = sv_budget_select(rows, n, tenant, s->tier, s->rules, SV_BUDGET_MAX_RULES);
    free(copy);
}

/* Comma-separated ms. */
static bool parse_touches(const char *text, sv_tsend *s)
{
    s->ntouches = 0;
    if (!text || !*text)
        return true;
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    s->touches = malloc(cap * sizeof *s->touches);
    if (!s->touches)
        return false;
    for (const char *p = text; *p;) {
        char *end;
        s->touches[s->ntouches++] = strtoll(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p)
            break;
    }
    return true;
}

/* The survey's row holds an unsolicited answer the survey takes over. */
static bool parse_adoption(sv_tcall *c, const rp_rows *rows, int r, sv_tsend *s)
{
    const rp_host_api *api = c->api;
    const char *kind = api->rows_value(rows, r, 7);
    int64_t answered = sv_int_or(api->rows_value(rows, r, 8), -1);
    s->adoptable = sv_adopts_answer(kind && strcmp(kind, "unsolicited") == 0, answered, c->now);
    if (!s->adoptable)
        return true;
    const char *month = api->rows_value(rows, r, 9), *tier = api->rows_value(rows, r, 10);
    snprintf(s->answer_month, sizeof s->answer_month, "%s", month ? month : "");
    s->answer_part = (uint32_t)sv_int_or(api->rows_value(rows, r, 11), 0);
    s->answer_nps = api->rows_value(rows, r, 12) ? (int)sv_int_or(api->rows_value(rows, r, 12), 0) : SV_NO_SCORE;
    s->answer_csat = api->rows_value(rows, r, 13) ? (int)sv_int_or(api->rows_value(rows, r, 13), 0) : SV_NO_SCORE;
    free(s->answer_tier);
    if ((s->answer_tier = strdup(tier ? tier : "unknown")))
        return true;
    c->api->fail(c->ctx, "survey: out of memory reading surveys due");
    return false;
}

static bool parse_row(sv_tcall *c, const rp_rows *rows, int r)
{
    const rp_host_api *api = c->api;
    size_t i = sv_tslot(c, rows, r, c->nsends);
    if (i == SV_NONE)
        return false;
    sv_tsend *s = &c->sends[i];
    const char *tier = api->rows_value(rows, r, 1);
    free(s->tier);
    if (!(s->tier = strdup(tier ? tier : "unknown"))) {
        c->api->fail(c->ctx, "survey: out of memory reading surveys due");
        return false;
    }
    s->last_ms = sv_int_or(api->rows_value(rows, r, 2), -1);
    const char *e = api->rows_value(rows, r, 3);
    s->exists = e && e[0] == 't';
    parse_budget(api->rows_value(rows, r, 4), c->tenant, s);
    const char *known = api->rows_value(rows, r, 6);
    s->erased = !(known && known[0] == 't');
    if (!parse_adoption(c, rows, r, s))
        return false;
    if (parse_touches(api->rows_value(rows, r, 5), s))
        return true;
    c->api->fail(c->ctx, "survey: out of memory reading the contact ledger");
    return false;
}

static rp_rows *query(sv_tcall *c)
{
    bool scoring;
    if (!sv_tscoring(c, &scoring))
        return NULL;
    char sql[sizeof sql_select + sizeof tier_scoring + sizeof sql_from + sizeof join_scoring + sizeof sql_rest];
    snprintf(sql, sizeof sql, "%s%s%s%s)%s", sql_select, scoring ? tier_scoring : "'unknown'::text", sql_from,
             scoring ? join_scoring : "", sql_rest);
    rp_pgarray customers = {0}, surveys = {0};
    for (size_t i = 0; i < c->nsends; i++) {
        rp_pgarray_add(&customers, c->sends[i].customer);
        rp_pgarray_add(&surveys, c->sends[i].survey_id);
    }
    char now[24], defer[24];
    sv_num(now, sizeof now, c->now);
    sv_num(defer, sizeof defer, c->s->max_defer_ms);
    const char *p[] = {c->tenant, rp_pgarray_finish(&customers), rp_pgarray_finish(&surveys), now,
                       defer};
    rp_rows *rows = NULL;
    if (!p[1] || !p[2])
        c->api->fail(c->ctx, "survey: out of memory loading surveys due");
    else
        rows = sv_tquery(c, "send", sql, 5, p);
    rp_pgarray_free(&customers);
    rp_pgarray_free(&surveys);
    return rows;
}

bool sv_tsend_load(sv_tcall *c)
{
    rp_rows *rows = query(c);
    if (!rows)
        return false;
    /* One row per survey (FROM the unnest), so none goes unread. */
    bool ok = c->api->rows_count(rows) == (int)c->nsends;
    if (!ok)
        c->api->fail(c->ctx, "survey: loading %zu surveys due returned %d rows", c->nsends,
                     c->api->rows_count(rows));
    for (int r = 0; ok && r < c->api->rows_count(rows); r++)
        ok = parse_row(c, rows, r);
    c->api->rows_free(rows);
    if (!ok)
        return false;
    /* Links each survey to the customer's previous one in the batch. */
    return sv_tchain(c, c->sends, c->nsends, sizeof *c->sends, offsetof(sv_tsend, customer),
                     offsetof(sv_tsend, item), offsetof(sv_tsend, prev));
}
