/*
 * timer_writes.c - a batch's writes, collected as array columns while its
 * timers are applied and deferred as one statement per kind at the end, so
 * a backlog of due timers costs a few statements per call instead of a few
 * per timer. No timer of the batch reads what another one writes here (the
 * batch carries that in memory, timers.h), so writing after all of them
 * gives the rows writing after each one would. Counters are added up
 * (survey_monthly) and one complaint escalated twice in a batch gets one
 * row update with both escalations.
 */
#include <stdio.h>
#include <string.h>

#include "timers.h"

void sv_tw_request(sv_tcall *c, const sv_tsend *s, const char *status, const char *reason,
                   int64_t expires_ms)
{
    sv_twrites *w = &c->w;
    const rp_timer *t = c->items[s->item].t;
    rp_pgarray_add(&w->req_id, s->survey_id);
    rp_pgarray_add(&w->req_customer, s->customer);
    rp_pgarray_add_int(&w->req_part, t->partition);
    rp_pgarray_add(&w->req_kind, s->kind);
    rp_pgarray_add(&w->req_ref, s->ref);
    rp_pgarray_add(&w->req_status, status);
    rp_pgarray_add(&w->req_reason, reason);
    rp_pgarray_add(&w->req_tier, sv_tier(s->tier));
    if (expires_ms > 0)
        rp_pgarray_add_int(&w->req_expires, expires_ms);
    else
        rp_pgarray_add(&w->req_expires, NULL);
    rp_pgarray_add(&w->req_cause, t->key);
}

/* One row of monthly count changes (sign: +1 or -1 of requested and
 * answered with the answer's counts). */
static void monthly(sv_tcall *c, const char *month, const char *tier, uint32_t partition, int sign,
                    sv_answer_counts a)
{
    sv_twrites *w = &c->w;
    rp_pgarray_add(&w->mon_month, month);
    rp_pgarray_add(&w->mon_tier, tier);
    rp_pgarray_add_int(&w->mon_part, partition);
    rp_pgarray_add_int(&w->mon_requested, sign);
    rp_pgarray_add_int(&w->mon_answered, sign);
    rp_pgarray_add_int(&w->mon_nps_answers, a.nps_answers);
    rp_pgarray_add_int(&w->mon_promoters, a.promoters);
    rp_pgarray_add_int(&w->mon_passives, a.passives);
    rp_pgarray_add_int(&w->mon_detractors, a.detractors);
    rp_pgarray_add_int(&w->mon_csat_answers, a.csat_answers);
    rp_pgarray_add_int(&w->mon_csat_sum, a.csat_sum);
}

bool sv_tw_adopt(sv_tcall *c, const sv_tsend *s, const char *reason, int64_t expires_ms, bool sent)
{
    sv_twrites *w = &c->w;
    const rp_timer *t = c->items[s->item].t;
    char month[8];
    if (!sv_month_label(c->api->to_local, c->s->tz, c->now, month, sizeof month)) {
        c->api->fail(c->ctx, "survey: time zone %s unusable", c->s->tz);
        return false;
    }
    rp_pgarray_add(&w->adopt_id, s->survey_id);
    rp_pgarray_add(&w->adopt_customer, s->customer);
    rp_pgarray_add_int(&w->adopt_part, t->partition);
    rp_pgarray_add(&w->adopt_kind, s->kind);
    rp_pgarray_add(&w->adopt_ref, s->ref);
    rp_pgarray_add(&w->adopt_reason, reason);
    rp_pgarray_add(&w->adopt_tier, sv_tier(s->tier));
    if (expires_ms > 0)
        rp_pgarray_add_int(&w->adopt_expires, expires_ms);
    else
        rp_pgarray_add(&w->adopt_expires, NULL);
    rp_pgarray_add(&w->adopt_cause, t->key);
    rp_pgarray_add(&w->adopt_sent, sent ? "t" : "f");
    sv_answer_counts a = sv_answer_counts_of(s->answer_nps, s->answer_csat);
    monthly(c, s->answer_month, s->answer_tier, s->answer_part, -1, sv_answer_counts_negate(a));
    monthly(c, month, sv_tier(s->tier), t->partition, 1, a);
    return true;
}

void sv_tw_expire(sv_tcall *c, const char *survey_id)
{
    rp_pgarray_add(&c->w.expire_id, survey_id);
}

void sv_tw_quarter(sv_tcall *c, const char *customer, int64_t due_ms)
{
    rp_pgarray_add(&c->w.quarter_customer, customer);
    rp_pgarray_add_int(&c->w.quarter_due, due_ms);
}

void sv_tw_escalate(sv_tcall *c, const char *complaint_id, int level)
{
    rp_pgarray_add(&c->w.sla_id, complaint_id);
    rp_pgarray_add_int(&c->w.sla_level, level);
    rp_pgarray_add(&c->w.sla_name, sv_ladder_name(&c->s->ladder, level));
}

static void add_measure(rp_pgarray *a, double v)
{
    char text[32];
    sv_dbl(text, sizeof text, v);
    rp_pgarray_add(a, v >= 0 ? text : NULL);
}

void sv_tw_flag(sv_tcall *c, const char *survey_id, double alive_now, double buys_now, sv_silent_reason why)
{
    rp_pgarray_add(&c->w.flag_id, survey_id);
    add_measure(&c->w.flag_alive, alive_now);
    add_measure(&c->w.flag_buys, buys_now);
    rp_pgarray_add(&c->w.flag_reason, sv_silent_reason_name(why));
}

void sv_tw_watch(sv_tcall *c, const char *survey_id, bool again)
{
    rp_pgarray_add(&c->w.watch_id, survey_id);
    rp_pgarray_add(&c->w.watch_status, again ? "watching" : "cleared");
}

/* ------------------------------------------------------------- statements */

/* Each survey's row, the contact-ledger touch of those sent (the contact
 * budget contract) and the month's counts, as the single-survey writes did:
 * the counts also when the row already existed. */
static const char requests_sql[] =
    "WITH u AS (SELECT * FROM unnest($5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[],"
    "  $11::text[], $12::text[], $13::bigint[], $14::text[])"
    "  AS u(survey_id, customer, part, kind, ref, status, reason, tier, expires_ms, cause)),"
    " r AS (INSERT INTO survey_requests (tenant, survey_id, customer, partition, kind, ref, channel, status,"
    "  reason, tier, month, requested_ms, expires_ms, cause)"
    "  SELECT $1, survey_id, customer, part, kind, ref, $2, status, reason, tier, $3, $4::bigint, expires_ms,"
    "  cause FROM u ON CONFLICT (tenant, survey_id) DO NOTHING),"
    " l AS (INSERT INTO contact_ledger (tenant, customer, partition, source, ref, kind, marketing, ts_ms)"
    "  SELECT $1, customer, part, 'survey', survey_id, 'survey', false, $4::bigint FROM u"
    "  WHERE status = 'requested' ON CONFLICT (tenant, customer, source, ref) DO NOTHING)"
    " INSERT INTO survey_monthly AS m (tenant, month, tier, partition, requested, suppressed)"
    " SELECT $1, $3, tier, part, count(*) FILTER (WHERE status = 'requested'),"
    "  count(*) FILTER (WHERE status = 'suppressed') FROM u GROUP BY tier, part"
    " ON CONFLICT (tenant, month, tier, partition) DO UPDATE"
    " SET requested = m.requested + EXCLUDED.requested, suppressed = m.suppressed + EXCLUDED.suppressed";

/* The unsolicited answers taken over: the row becomes the survey's as it
 * would be had the answer come after it (requested now, in this month and
 * tier; status stays answered) and a sent survey touches the ledger. Only
 * rows still unsolicited: the load saw them so in this transaction. */
static const char adopt_sql[] =
    "WITH u AS (SELECT * FROM unnest($5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[],"
    "  $11::text[], $12::bigint[], $13::text[], $14::boolean[])"
    "  AS u(survey_id, customer, part, kind, ref, reason, tier, expires_ms, cause, sent)),"
    " r AS (UPDATE survey_requests q SET kind = u.kind, ref = u.ref, channel = $2, reason = u.reason,"
    "  tier = u.tier, month = $3, requested_ms = $4::bigint, expires_ms = u.expires_ms, cause = u.cause,"
    "  partition = u.part FROM u WHERE q.tenant = $1 AND q.survey_id = u.survey_id AND q.kind = 'unsolicited')"
    " INSERT INTO contact_ledger (tenant, customer, partition, source, ref, kind, marketing, ts_ms)"
    " SELECT $1, customer, part, 'survey', survey_id, 'survey', false, $4::bigint FROM u WHERE sent"
    " ON CONFLICT (tenant, customer, source, ref) DO NOTHING";

/* Monthly count changes, summed per month, tier and partition. */
static const char monthly_sql[] =
    "INSERT INTO survey_monthly AS m (tenant, month, tier, partition, requested, answered, nps_answers,"
    " promoters, passives, detractors, csat_answers, csat_sum)"
    " SELECT $1, month, tier, part, sum(rq), sum(an), sum(na), sum(pr), sum(pa), sum(de), sum(ca), sum(cs)"
    " FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],"
    "  $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[])"
    "  AS u(month, tier, part, rq, an, na, pr, pa, de, ca, cs) GROUP BY month, tier, part"
    " ON CONFLICT (tenant, month, tier, partition) DO UPDATE SET"
    " requested = m.requested + EXCLUDED.requested, answered = m.answered + EXCLUDED.answered,"
    " nps_answers = m.nps_answers + EXCLUDED.nps_answers, promoters = m.promoters + EXCLUDED.promoters,"
    " passives = m.passives + EXCLUDED.passives, detractors = m.detractors + EXCLUDED.detractors,"
    " csat_answers = m.csat_answers + EXCLUDED.csat_answers, csat_sum = m.csat_sum + EXCLUDED.csat_sum";

static const char expire_sql[] =
    "WITH e AS (UPDATE survey_requests SET status = 'expired' WHERE tenant = $1"
    " AND survey_id = ANY($2::text[]) AND status = 'requested' RETURNING month, tier, partition)"
    " INSERT INTO survey_monthly AS m (tenant, month, tier, partition, expired)"
    " SELECT $1, month, tier, partition, count(*) FROM e GROUP BY month, tier, partition"
    " ON CONFLICT (tenant, month, tier, partition) DO UPDATE SET expired = m.expired + EXCLUDED.expired";

static const char quarter_sql[] =
    "UPDATE survey_customers c SET quarterly_due_ms = u.due"
    " FROM unnest($2::text[], $3::bigint[]) AS u(customer, due)"
    " WHERE c.tenant = $1 AND c.customer = u.customer";

/* A complaint's last escalation of the batch sets its level; all count. */
static const char sla_sql[] =
    "UPDATE survey_complaints c SET level = u.level, level_name = u.name,"
    " escalations = c.escalations + u.times, last_escalated_ms = $2::bigint"
    " FROM (SELECT DISTINCT ON (id) id, level, name, count(*) OVER (PARTITION BY id) AS times"
    "  FROM unnest($3::text[], $4::int[], $5::text[]) WITH ORDINALITY AS e(id, level, name, n)"
    "  ORDER BY id, n DESC) u"
    " WHERE c.tenant = $1 AND c.complaint_id = u.id";

static const char flag_sql[] =
    "UPDATE survey_silent s SET status = 'flagged', checked_ms = $2::bigint, flagged_ms = $2::bigint,"
    " p_alive_now = u.alive, purchases_now = u.buys, reason = u.reason, flagged_month = $3"
    " FROM unnest($4::text[], $5::float8[], $6::float8[], $7::text[]) AS u(id, alive, buys, reason)"
    " WHERE s.tenant = $1 AND s.survey_id = u.id";

static const char watch_sql[] =
    "UPDATE survey_silent s SET checked_ms = $2::bigint, status = u.status"
    " FROM unnest($3::text[], $4::text[]) AS u(id, status)"
    " WHERE s.tenant = $1 AND s.survey_id = u.id";

/* Defers sql with the scalars then the arrays (finished here) as
 * parameters; nothing when the first array is empty. */
static bool defer(sv_tcall *c, const char *sql, const char *const *scalars, int nscalars,
                  rp_pgarray *const *arrays, int narrays)
{
    if (arrays[0]->count == 0)
        return true;
    const char *p[16];
    bool ok = nscalars + narrays <= 16;
    for (int i = 0; ok && i < nscalars + narrays; i++)
        ok = (p[i] = i < nscalars ? scalars[i] : rp_pgarray_finish(arrays[i - nscalars])) != NULL;
    if (!ok) {
        c->api->fail(c->ctx, "survey: out of memory writing timer results");
        return false;
    }
    return c->api->db_defer(c->ctx, sql, nscalars + narrays, p) == RP_OK;
}

bool sv_tw_flush(sv_tcall *c)
{
    sv_twrites *w = &c->w;
    char month[8] = "", now[24];
    sv_num(now, sizeof now, c->now);
    if ((w->req_id.count || w->flag_id.count || w->adopt_id.count)
        && !sv_month_label(c->api->to_local, c->s->tz, c->now, month, sizeof month)) {
        c->api->fail(c->ctx, "survey: time zone %s unusable", c->s->tz);
        return false;
    }
    const char *tenant = c->tenant;
    const char *req_scalars[] = {tenant, c->s->channel, month, now};
    rp_pgarray *const req[] = {&w->req_id, &w->req_customer, &w->req_part, &w->req_kind, &w->req_ref,
                             &w->req_status, &w->req_reason, &w->req_tier, &w->req_expires, &w->req_cause};
    rp_pgarray *const expire[] = {&w->expire_id};
    rp_pgarray *const quarter[] = {&w->quarter_customer, &w->quarter_due};
    const char *at[] = {tenant, now};
    rp_pgarray *const sla[] = {&w->sla_id, &w->sla_level, &w->sla_name};
    const char *flag_scalars[] = {tenant, now, month};
    rp_pgarray *const flag[] = {&w->flag_id, &w->flag_alive, &w->flag_buys, &w->flag_reason};
    rp_pgarray *const watch[] = {&w->watch_id, &w->watch_status};
    rp_pgarray *const adopt[] = {&w->adopt_id, &w->adopt_customer, &w->adopt_part, &w->adopt_kind,
                                 &w->adopt_ref, &w->adopt_reason, &w->adopt_tier, &w->adopt_expires,
                                 &w->adopt_cause, &w->adopt_sent};
    rp_pgarray *const mon[] = {&w->mon_month, &w->mon_tier, &w->mon_part, &w->mon_requested, &w->mon_answered,
                               &w->mon_nps_answers, &w->mon_promoters, &w->mon_passives, &w->mon_detractors,
                               &w->mon_csat_answers, &w->mon_csat_sum};
    bool moved = w->mon_month.count > 0;
    const char *prune[] = {tenant};
    return defer(c, requests_sql, req_scalars, 4, req, 10) && defer(c, adopt_sql, req_scalars, 4, adopt, 10)
           && defer(c, monthly_sql, at, 1, mon, 11)
           && (!moved || c->api->db_defer(c->ctx, SV_MONTHLY_PRUNE_SQL, 1, prune) == RP_OK)
           && defer(c, expire_sql, at, 1, expire, 1)
           && defer(c, quarter_sql, at, 1, quarter, 2) && defer(c, sla_sql, at, 2, sla, 3)
           && defer(c, flag_sql, flag_scalars, 3, flag, 4) && defer(c, watch_sql, at, 2, watch, 2);
}

void sv_tw_free(sv_twrites *w)
{
    rp_pgarray *all[] = {&w->req_id, &w->req_customer, &w->req_part, &w->req_kind, &w->req_ref, &w->req_status,
                         &w->req_reason, &w->req_tier, &w->req_expires, &w->req_cause, &w->expire_id,
                         &w->quarter_customer, &w->quarter_due, &w->sla_id, &w->sla_level, &w->sla_name,
                         &w->flag_id, &w->flag_alive, &w->flag_buys, &w->flag_reason, &w->watch_id,
                         &w->watch_status, &w->adopt_id, &w->adopt_customer, &w->adopt_part, &w->adopt_kind,
                         &w->adopt_ref, &w->adopt_reason, &w->adopt_tier, &w->adopt_expires, &w->adopt_cause,
                         &w->adopt_sent, &w->mon_month, &w->mon_tier, &w->mon_part, &w->mon_requested,
                         &w->mon_answered, &w->mon_nps_answers, &w->mon_promoters, &w->mon_passives,
                         &w->mon_detractors, &w->mon_csat_answers, &w->mon_csat_sum};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        rp_pgarray_free(all[i]);
}
