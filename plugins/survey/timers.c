/*
 * timers.c - the survey plugin's durable timers, one handler per key prefix:
 *   send:SURVEY_ID        a survey falls due: fatigue, contact budget, send
 *   expire:SURVEY_ID      an unanswered survey expires
 *   quarterly:CUSTOMER    the core group's quarterly survey; re-armed
 *   sla:first|resolve:ID  a complaint's clock ran out: escalate one level
 *   silent:SURVEY_ID      a satisfied answer's behaviour check; re-armed
 * A timer handles one item, so each reads what it needs with one query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

#define DAY_MS 86400000LL

typedef struct tctx {
    rp_ctx *ctx;
    const rp_host_api *api;
    sv_state *st;
    const sv_settings *s;
    const rp_timer *t;
    int64_t now;
} tctx;

static bool payload_str(const tctx *c, const char *key, char *buf, size_t size)
{
    return c->api->view_strcpy(c->api->view_get(c->t->payload, key), buf, size) && buf[0];
}

static rp_rows *query(const tctx *c, const char *sql, int n, const char *const *params)
{
    rp_rows *rows = c->api->db_query(c->ctx, sql, n, params);
    if (!rows)
        c->api->fail(c->ctx, "survey: timer %s: query failed", c->t->key);
    return rows;
}

/* ---------------------------------------------------------------- send */

typedef struct send_item {
    const char *customer, *kind, *survey_id, *ref;
    int64_t first_due_ms;
} send_item;

typedef struct send_state {
    char tier[16];
    int64_t last_survey_ms;
    bool exists;          /* the survey was already handled */
    bool erased;          /* the customer has no survey_customers row */
    sv_budget_rule rules[SV_BUDGET_MAX_RULES];
    size_t nrules;
    int64_t *touches;
    size_t ntouches;
} send_state;

static const char send_sql_scoring[] =
    "WITH t AS (SELECT coalesce((SELECT tier FROM scoring_customers WHERE tenant = $1 AND customer = $2),"
    " 'unknown') AS tier)";
static const char send_sql_plain[] = "WITH t AS (SELECT 'unknown'::text AS tier)";
static const char send_sql_rest[] =
    " SELECT t.tier,"
    " (SELECT max(requested_ms) FROM survey_requests WHERE tenant = $1 AND customer = $2"
    "   AND status IN ('requested', 'answered', 'expired')),"
    " EXISTS (SELECT 1 FROM survey_requests WHERE tenant = $1 AND survey_id = $3),"
    " (SELECT string_agg(b.tenant || chr(31) || b.tier || chr(31) || b.window_ms || chr(31) || b.max_touches,"
    "   chr(30)) FROM contact_budget b WHERE b.tenant IN ($1, '*') AND b.tier IN (t.tier, '*')),"
    " (SELECT string_agg(l.ts_ms::text, ',') FROM contact_ledger l WHERE l.tenant = $1 AND l.customer = $2"
    "   AND l.ts_ms > $4::bigint - coalesce((SELECT max(window_ms) FROM contact_budget"
    "     WHERE tenant IN ($1, '*')), 30 * 86400000::bigint)"
    "   AND l.ts_ms <= $4::bigint + $5::bigint),"
    " EXISTS (SELECT 1 FROM survey_customers WHERE tenant = $1 AND customer = $2)"
    " FROM t";

/* "tenant US tier US window US max" records separated by RS. */
static void parse_budget(const char *text, const char *tenant, const char *tier, send_state *ss)
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
    ss->nrules = sv_budget_select(rows, n, tenant, tier, ss->rules, SV_BUDGET_MAX_RULES);
    free(copy);
}

static bool parse_touches(const char *text, send_state *ss)
{
    ss->ntouches = 0;
    if (!text || !*text)
        return true;
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    ss->touches = malloc(cap * sizeof *ss->touches);
    if (!ss->touches)
        return false;
    for (const char *p = text; *p;) {
        char *end;
        ss->touches[ss->ntouches++] = strtoll(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p)
            break;
    }
    return true;
}

static bool load_send_state(const tctx *c, const send_item *it, send_state *ss)
{
    bool scoring;
    if (!sv_scoring_present(c->ctx, c->st, &scoring))
        return false;
    char sql[sizeof send_sql_scoring + sizeof send_sql_rest];
    snprintf(sql, sizeof sql, "%s%s", scoring ? send_sql_scoring : send_sql_plain, send_sql_rest);
    char now[24], defer[24];
    sv_num(now, sizeof now, c->now);
    sv_num(defer, sizeof defer, c->s->max_defer_ms);
    const char *p[] = {c->s->tenant, it->customer, it->survey_id, now, defer};
    rp_rows *rows = query(c, sql, 5, p);
    if (!rows)
        return false;
    bool ok = c->api->rows_count(rows) == 1;
    if (ok) {
        snprintf(ss->tier, sizeof ss->tier, "%s", c->api->rows_value(rows, 0, 0));
        ss->last_survey_ms = sv_int_or(c->api->rows_value(rows, 0, 1), -1);
        const char *e = c->api->rows_value(rows, 0, 2);
        ss->exists = e && e[0] == 't';
        parse_budget(c->api->rows_value(rows, 0, 3), c->s->tenant, ss->tier, ss);
        const char *known = c->api->rows_value(rows, 0, 5);
        ss->erased = !(known && known[0] == 't');
        ok = parse_touches(c->api->rows_value(rows, 0, 4), ss);
    }
    c->api->rows_free(rows);
    if (!ok)
        c->api->fail(c->ctx, "survey: timer %s: cannot read the contact budget", c->t->key);
    return ok;
}

static bool insert_request(const tctx *c, const send_item *it, const char *tier, const char *status,
                           const char *reason, int64_t expires_ms)
{
    char month[8], part[16], at[24], expires[24];
    if (!sv_month_label(c->api->to_local, c->s->tz, c->now, month, sizeof month)) {
        c->api->fail(c->ctx, "survey: time zone %s unusable", c->s->tz);
        return false;
    }
    sv_num(part, sizeof part, c->t->partition);
    sv_num(at, sizeof at, c->now);
    sv_num(expires, sizeof expires, expires_ms);
    const char *p[] = {c->s->tenant, it->survey_id, it->customer, part, it->kind, it->ref, c->s->channel,
                       status, reason, tier, month, at, expires_ms > 0 ? expires : NULL, c->t->key};
    c->api->db_defer(c->ctx,
        "INSERT INTO survey_requests (tenant, survey_id, customer, partition, kind, ref, channel, status,"
        " reason, tier, month, requested_ms, expires_ms, cause) VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8,"
        " $9, $10, $11, $12::bigint, $13::bigint, $14) ON CONFLICT (tenant, survey_id) DO NOTHING", 14, p);
    sv_monthly_delta d = {.requested = strcmp(status, "requested") == 0,
                          .suppressed = strcmp(status, "suppressed") == 0};
    sv_store_monthly(c->api, c->ctx, c->s->tenant, month, tier, c->t->partition, &d);
    return true;
}

static bool send_now(const tctx *c, const send_item *it, const char *tier)
{
    int64_t expires = c->now + c->s->expiry_ms;
    if (!insert_request(c, it, tier, "requested", NULL, expires))
        return false;
    char part[16], at[24];
    sv_num(part, sizeof part, c->t->partition);
    sv_num(at, sizeof at, c->now);
    const char *p[] = {c->s->tenant, it->customer, part, it->survey_id, at};
    c->api->db_defer(c->ctx,
        "INSERT INTO contact_ledger (tenant, customer, partition, source, ref, kind, marketing, ts_ms)"
        " VALUES ($1, $2, $3::int, 'survey', $4, 'survey', false, $5::bigint)"
        " ON CONFLICT (tenant, customer, source, ref) DO NOTHING", 5, p);
    sv_pack *pk = sv_pack_new(7);
    sv_pack_str(pk, "survey_id", it->survey_id);
    sv_pack_str(pk, "kind", it->kind);
    sv_pack_str(pk, "channel", c->s->channel);
    sv_pack_str(pk, "ref", it->ref);
    sv_pack_str(pk, "tier", tier);
    sv_pack_int(pk, "expires_ms", expires);
    sv_pack_questions(pk);
    if (!sv_pack_emit(pk, c->ctx, c->api, "survey.requested", it->customer))
        return false;
    char key[SV_KEY_MAX];
    snprintf(key, sizeof key, "expire:%s", it->survey_id);
    sv_pack *tp = sv_pack_new(1);
    sv_pack_str(tp, "survey_id", it->survey_id);
    return sv_pack_timer(tp, c->ctx, c->api, c->s->tenant, key, expires, it->customer);
}

/* Fatigue suppresses (the customer was just asked); a full contact budget
 * defers to the instant it has room, unless that is more than max_defer
 * after the survey first fell due. */
static bool attempt_send(const tctx *c, const send_item *it)
{
    send_state ss = {0};
    bool ok = load_send_state(c, it, &ss);
    if (ok && !ss.exists && !ss.erased) {
        int64_t free_at = sv_budget_next_free(ss.rules, ss.nrules, ss.touches, ss.ntouches, c->now);
        if (!sv_fatigue_allows(ss.last_survey_ms, c->now, c->s->fatigue_ms))
            ok = insert_request(c, it, ss.tier, "suppressed", "fatigue", 0);
        else if (free_at == c->now)
            ok = send_now(c, it, ss.tier);
        else if (free_at == INT64_MAX || free_at - it->first_due_ms > c->s->max_defer_ms)
            ok = insert_request(c, it, ss.tier, "suppressed", "budget", 0);
        else
            ok = sv_arm_send_at(c->ctx, c->api, c->s->tenant, it->customer, it->kind, it->survey_id, it->ref,
                                it->first_due_ms, free_at);
    }
    free(ss.touches);
    return ok;
}

static int on_send(const tctx *c)
{
    char kind[32], survey_id[SV_KEY_MAX], ref[SV_KEY_MAX];
    if (!payload_str(c, "kind", kind, sizeof kind) || !payload_str(c, "survey_id", survey_id, sizeof survey_id)) {
        c->api->fail(c->ctx, "survey: timer %s: payload without kind or survey_id", c->t->key);
        return RP_ERROR;
    }
    if (!payload_str(c, "ref", ref, sizeof ref))
        ref[0] = '\0';
    int64_t first_due = c->t->due_ms;
    c->api->view_int(c->api->view_get(c->t->payload, "first_due_ms"), &first_due);
    send_item it = {c->t->customer, kind, survey_id, ref[0] ? ref : NULL, first_due};
    return attempt_send(c, &it) ? RP_OK : RP_ERROR;
}

/* -------------------------------------------------------------- expire */

static int on_expire(const tctx *c, const char *survey_id)
{
    const char *p[] = {c->s->tenant, survey_id};
    c->api->db_defer(c->ctx,
        "WITH e AS (UPDATE survey_requests SET status = 'expired' WHERE tenant = $1 AND survey_id = $2"
        " AND status = 'requested' RETURNING month, tier, partition)"
        " INSERT INTO survey_monthly AS m (tenant, month, tier, partition, expired)"
        " SELECT $1, month, tier, partition, 1 FROM e"
        " ON CONFLICT (tenant, month, tier, partition) DO UPDATE SET expired = m.expired + 1", 2, p);
    return RP_OK;
}

/* ----------------------------------------------------------- quarterly */

static int on_quarterly(const tctx *c, const char *customer)
{
    bool scoring;
    if (!sv_scoring_present(c->ctx, c->st, &scoring))
        return RP_ERROR;
    const char *sql = scoring
        ? "SELECT timezone, (SELECT core FROM scoring_customers WHERE tenant = $1 AND customer = $2)"
          " FROM survey_customers WHERE tenant = $1 AND customer = $2"
        : "SELECT timezone, NULL FROM survey_customers WHERE tenant = $1 AND customer = $2";
    const char *p[] = {c->s->tenant, customer};
    rp_rows *rows = query(c, sql, 2, p);
    if (!rows)
        return RP_ERROR;
    if (c->api->rows_count(rows) == 0) {   /* erased: the quarterly round stops */
        c->api->rows_free(rows);
        return RP_OK;
    }
    const char *tz_row = c->api->rows_value(rows, 0, 0);
    const char *core = c->api->rows_value(rows, 0, 1);
    char tz[64];
    snprintf(tz, sizeof tz, "%s", tz_row ? tz_row : c->s->tz);
    bool is_core = core && core[0] == 't';
    c->api->rows_free(rows);
    int64_t next;
    char quarter[16], survey_id[SV_KEY_MAX];
    if (!sv_schedule_next_quarter(c->api->to_local, c->api->from_local, tz, c->now, c->s->send_hour, &next)
        || !sv_quarter_label(c->api->to_local, tz, c->now, quarter, sizeof quarter)) {
        c->api->fail(c->ctx, "survey: timer %s: time zone %s unusable", c->t->key, tz);
        return RP_ERROR;
    }
    char due[24];
    sv_num(due, sizeof due, next);
    const char *u[] = {c->s->tenant, customer, due};
    c->api->db_defer(c->ctx, "UPDATE survey_customers SET quarterly_due_ms = $3::bigint"
                             " WHERE tenant = $1 AND customer = $2", 3, u);
    sv_pack *tp = sv_pack_new(1);
    sv_pack_str(tp, "kind", "quarterly");
    if (!sv_pack_timer(tp, c->ctx, c->api, c->s->tenant, c->t->key, next, customer))
        return RP_ERROR;
    if (!is_core)
        return RP_OK;
    snprintf(survey_id, sizeof survey_id, "quarterly:%s:%s", customer, quarter);
    send_item it = {customer, "quarterly", survey_id, quarter, c->now};
    return attempt_send(c, &it) ? RP_OK : RP_ERROR;
}

/* ----------------------------------------------------------------- sla */

static bool emit_escalation(const tctx *c, const char *id, const char *clock, int from, int to,
                            const char *severity, int64_t due_ms)
{
    sv_pack *p = sv_pack_new(7);
    sv_pack_str(p, "complaint_id", id);
    sv_pack_str(p, "level", sv_ladder_name(&c->s->ladder, to));
    sv_pack_int(p, "level_index", to);
    sv_pack_str(p, "previous_level", sv_ladder_name(&c->s->ladder, from));
    sv_pack_str(p, "clock", strcmp(clock, "first") == 0 ? "first_response" : "resolution");
    sv_pack_str(p, "severity", severity);
    sv_pack_int(p, "due_ms", due_ms);
    return sv_pack_emit(p, c->ctx, c->api, "complaint.escalated", c->t->customer);
}

static int on_sla(const tctx *c, const char *clock, const char *id)
{
    const char *p[] = {c->s->tenant, id};
    rp_rows *rows = query(c, "SELECT severity, first_response_ms, resolved_ms, level, first_response_due_ms,"
                             " resolution_due_ms FROM survey_complaints WHERE tenant = $1 AND complaint_id = $2",
                          2, p);
    if (!rows)
        return RP_ERROR;
    bool first = strcmp(clock, "first") == 0;
    bool open = c->api->rows_count(rows) == 1 && !c->api->rows_value(rows, 0, 2)
                && !(first && c->api->rows_value(rows, 0, 1));
    char severity[16] = "";
    int level = 0;
    int64_t due = 0;
    if (open) {
        snprintf(severity, sizeof severity, "%s", c->api->rows_value(rows, 0, 0));
        level = (int)sv_int_or(c->api->rows_value(rows, 0, 3), 0);
        due = sv_int_or(c->api->rows_value(rows, 0, first ? 4 : 5), 0);
    }
    c->api->rows_free(rows);
    int next = open ? sv_ladder_next(&c->s->ladder, level) : -1;
    if (next < 0)
        return RP_OK;   /* met, closed, erased, or already at the top of the ladder */
    char lvl[16], now[24];
    snprintf(lvl, sizeof lvl, "%d", next);
    sv_num(now, sizeof now, c->now);
    const char *u[] = {c->s->tenant, id, lvl, sv_ladder_name(&c->s->ladder, next), now};
    c->api->db_defer(c->ctx, "UPDATE survey_complaints SET level = $3::int, level_name = $4,"
                             " escalations = escalations + 1, last_escalated_ms = $5::bigint"
                             " WHERE tenant = $1 AND complaint_id = $2", 5, u);
    if (!emit_escalation(c, id, clock, level, next, severity, due))
        return RP_ERROR;
    if (sv_ladder_next(&c->s->ladder, next) < 0)
        return RP_OK;
    int64_t again;
    if (!sv_bh_add(&c->s->cal, c->now, c->s->escalation_step_ms, &again)) {
        c->api->fail(c->ctx, "survey: timer %s: no business hours ahead", c->t->key);
        return RP_ERROR;
    }
    sv_pack *tp = sv_pack_new(2);
    sv_pack_str(tp, "complaint_id", id);
    sv_pack_str(tp, "clock", clock);
    return sv_pack_timer(tp, c->ctx, c->api, c->s->tenant, c->t->key, again, c->t->customer) ? RP_OK : RP_ERROR;
}

/* -------------------------------------------------------------- silent */

typedef struct watch {
    int64_t answered_ms;
    char nps[8], csat[8];
    double alive_then, buys_then, alive_now, buys_now;
} watch;

/* A score read back as text; nil when the answer had none. */
static void pack_score_text(sv_pack *p, const char *key, const char *text)
{
    if (text[0])
        sv_pack_int(p, key, atoi(text));
    else
        sv_pack_str(p, key, NULL);
}

static bool flag_silent(const tctx *c, const char *survey_id, const watch *w, sv_silent_reason why)
{
    char month[8], now[24], alive[32], buys[32];
    if (!sv_month_label(c->api->to_local, c->s->tz, c->now, month, sizeof month))
        return false;
    sv_num(now, sizeof now, c->now);
    sv_dbl(alive, sizeof alive, w->alive_now);
    sv_dbl(buys, sizeof buys, w->buys_now);
    const char *u[] = {c->s->tenant, survey_id, now, w->alive_now >= 0 ? alive : NULL,
                       w->buys_now >= 0 ? buys : NULL, sv_silent_reason_name(why), month};
    c->api->db_defer(c->ctx, "UPDATE survey_silent SET status = 'flagged', checked_ms = $3::bigint,"
                             " flagged_ms = $3::bigint, p_alive_now = $4::float8, purchases_now = $5::float8,"
                             " reason = $6, flagged_month = $7 WHERE tenant = $1 AND survey_id = $2", 7, u);
    sv_pack *p = sv_pack_new(9);
    sv_pack_str(p, "survey_id", survey_id);
    sv_pack_int(p, "answered_ms", w->answered_ms);
    pack_score_text(p, "nps", w->nps);
    pack_score_text(p, "csat", w->csat);
    sv_pack_dbl(p, "p_alive_then", w->alive_then);
    sv_pack_dbl(p, "p_alive_now", w->alive_now);
    sv_pack_dbl(p, "expected_purchases_then", w->buys_then);
    sv_pack_dbl(p, "expected_purchases_now", w->buys_now);
    sv_pack_str(p, "reason", sv_silent_reason_name(why));
    return sv_pack_emit(p, c->ctx, c->api, "customer.silent_churn", c->t->customer);
}

static bool recheck_or_clear(const tctx *c, const char *survey_id, const watch *w)
{
    char now[24];
    sv_num(now, sizeof now, c->now);
    int64_t next = c->now + c->s->silent_check_ms;
    bool again = next <= w->answered_ms + c->s->silent_watch_ms;
    const char *u[] = {c->s->tenant, survey_id, now, again ? "watching" : "cleared"};
    c->api->db_defer(c->ctx, "UPDATE survey_silent SET checked_ms = $3::bigint, status = $4"
                             " WHERE tenant = $1 AND survey_id = $2", 4, u);
    if (!again)
        return true;
    sv_pack *tp = sv_pack_new(1);
    sv_pack_str(tp, "survey_id", survey_id);
    return sv_pack_timer(tp, c->ctx, c->api, c->s->tenant, c->t->key, next, c->t->customer);
}

static int on_silent(const tctx *c, const char *survey_id)
{
    bool scoring;
    if (!sv_scoring_present(c->ctx, c->st, &scoring))
        return RP_ERROR;
    const char *sql = scoring
        ? "SELECT s.answered_ms, s.nps, s.csat, s.p_alive_then, s.purchases_then, sc.p_alive,"
          " sc.expected_purchases FROM survey_silent s LEFT JOIN scoring_customers sc"
          " ON sc.tenant = s.tenant AND sc.customer = s.customer"
          " WHERE s.tenant = $1 AND s.survey_id = $2 AND s.status = 'watching'"
        : "SELECT answered_ms, nps, csat, p_alive_then, purchases_then, NULL, NULL FROM survey_silent"
          " WHERE tenant = $1 AND survey_id = $2 AND status = 'watching'";
    const char *p[] = {c->s->tenant, survey_id};
    rp_rows *rows = query(c, sql, 2, p);
    if (!rows)
        return RP_ERROR;
    watch w = {0};
    bool found = c->api->rows_count(rows) == 1;
    if (found) {
        w.answered_ms = sv_int_or(c->api->rows_value(rows, 0, 0), 0);
        snprintf(w.nps, sizeof w.nps, "%s", c->api->rows_value(rows, 0, 1) ? c->api->rows_value(rows, 0, 1) : "");
        snprintf(w.csat, sizeof w.csat, "%s", c->api->rows_value(rows, 0, 2) ? c->api->rows_value(rows, 0, 2) : "");
        w.alive_then = sv_dbl_or(c->api->rows_value(rows, 0, 3), SV_UNKNOWN);
        w.buys_then = sv_dbl_or(c->api->rows_value(rows, 0, 4), SV_UNKNOWN);
        w.alive_now = sv_dbl_or(c->api->rows_value(rows, 0, 5), SV_UNKNOWN);
        w.buys_now = sv_dbl_or(c->api->rows_value(rows, 0, 6), SV_UNKNOWN);
    }
    c->api->rows_free(rows);
    if (!found)
        return RP_OK;
    sv_silent_reason why = sv_silent_check(w.alive_then, w.alive_now, w.buys_then, w.buys_now,
                                           c->s->silent_factor);
    bool ok = why != SV_SILENT_NONE ? flag_silent(c, survey_id, &w, why) : recheck_or_clear(c, survey_id, &w);
    return ok ? RP_OK : RP_ERROR;
}

/* ---------------------------------------------------------------- entry */

int sv_on_timer(rp_ctx *ctx, const rp_host_api *api, sv_state *st, const rp_timer *t)
{
    const sv_settings *s = sv_settings_for(ctx, st, t->tenant);
    if (!s)
        return RP_ERROR;
    if (!t->customer) {
        api->fail(ctx, "survey: timer %s has no customer scope", t->key);
        return RP_ERROR;
    }
    tctx c = {ctx, api, st, s, t, api->now_ms(ctx)};
    const char *key = t->key;
    if (strncmp(key, "send:", 5) == 0)
        return on_send(&c);
    if (strncmp(key, "expire:", 7) == 0)
        return on_expire(&c, key + 7);
    if (strncmp(key, "quarterly:", 10) == 0)
        return on_quarterly(&c, key + 10);
    if (strncmp(key, "sla:first:", 10) == 0)
        return on_sla(&c, "first", key + 10);
    if (strncmp(key, "sla:resolve:", 12) == 0)
        return on_sla(&c, "resolve", key + 12);
    if (strncmp(key, "silent:", 7) == 0)
        return on_silent(&c, key + 7);
    api->log(ctx, RP_LOG_WARN, "unknown timer %s ignored", key);
    return RP_OK;
}
