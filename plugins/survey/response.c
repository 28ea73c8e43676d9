/*
 * response.c - a survey.response: the survey's answer is its earliest
 * response by event time (later ones are not recorded; a late earlier one
 * replaces the recorded one and corrects the monthly aggregates of the
 * request's month and tier), the expiry timer cancelled, and then the two
 * consequences: a detractor response opens a complaint (seed 002: face it,
 * listen first) with a care follow-up request, at the earliest detractor
 * response to the survey; the recorded answer, when satisfied, is watched
 * for silent churn (seed 003: only behaviour shows the truth). So the rows
 * are the same whatever order a survey's responses arrive in
 * (docs/plugins/survey.md, "Late events and arrival order").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rapport/rp_text.h"

typedef struct answer {
    char *survey_id;      /* owned, in full: ids this plugin makes are longer than any wire id */
    char *comment;        /* owned; NULL without one */
    int nps, csat;
    char *answers_json;   /* owned; NULL without answers */
} answer;

static bool out_of_memory(sv_run *r, const rp_event *ev, const char *what)
{
    r->api->fail(r->ctx, "survey: out of memory reading data.%s of %s", what, ev->id);
    return false;
}

static bool read_answer(sv_run *r, const rp_event *ev, answer *a)
{
    bool oom;
    a->survey_id = sv_view_dup(r->api, ev->data, "survey_id", &oom);
    if (oom)
        return out_of_memory(r, ev, "survey_id");
    if (!a->survey_id) {
        r->api->fail(r->ctx, "survey: survey.response %s: data.survey_id missing or empty", ev->id);
        return false;
    }
    int64_t v;
    a->nps = r->api->view_int(r->api->view_get(ev->data, "nps"), &v) ? (int)v : SV_NO_SCORE;
    a->csat = r->api->view_int(r->api->view_get(ev->data, "csat"), &v) ? (int)v : SV_NO_SCORE;
    a->comment = sv_view_dup(r->api, ev->data, "comment", &oom);
    if (oom)
        return out_of_memory(r, ev, "comment");
    a->answers_json = sv_answers_json(r->api->view_get(ev->data, "answers"), &oom);
    return oom ? out_of_memory(r, ev, "answers") : true;
}

static void score_text(char *buf, size_t size, int score)
{
    if (score == SV_NO_SCORE)
        buf[0] = '\0';
    else
        snprintf(buf, size, "%d", score);
}

/* The monthly delta of a request with the answer's counts added. */
static sv_monthly_delta with_counts(sv_monthly_delta d, sv_answer_counts a)
{
    d.nps_answers = a.nps_answers;
    d.promoters = a.promoters;
    d.passives = a.passives;
    d.detractors = a.detractors;
    d.csat_answers = a.csat_answers;
    d.csat_sum = a.csat_sum;
    return d;
}

/* The answer of ev kept in the working set, so later events of the run
 * compare with it. */
static bool remember(sv_run *r, const rp_event *ev, const answer *a, sv_request *q)
{
    q->status = "answered";
    q->answered_ms = ev->ts_ms;
    q->nps = a->nps;
    q->csat = a->csat;
    if (sv_set_id(&q->answer_event, ev->id))
        return true;
    r->api->fail(r->ctx, "survey: out of memory");
    return false;
}

/* A response to a survey this plugin never sent (e.g. a paper form) is
 * recorded as an unsolicited request answered at once; requested in the
 * month of its answer (a late earlier answer moves it, replace_answer). */
static sv_request *record_unsolicited(sv_run *r, const rp_event *ev, const answer *a, const sv_customer *c)
{
    sv_request *q = sv_run_request(r, a->survey_id, ev->customer, true);
    if (!q || !sv_month_label(r->api->to_local, r->s->tz, ev->ts_ms, q->month, sizeof q->month)
        || (c && c->tier && !(q->tier = strdup(c->tier)))) {
        r->api->fail(r->ctx, "survey: cannot record unsolicited survey %s", a->survey_id);
        return NULL;
    }
    q->status = "requested";
    q->unsolicited = true;
    char part[16], at[24];
    sv_num(part, sizeof part, ev->partition);
    sv_num(at, sizeof at, ev->ts_ms);
    const char *p[] = {r->tenant, a->survey_id, ev->customer, part, sv_tier(q->tier), q->month, at, ev->id};
    r->api->db_defer(r->ctx,
        "INSERT INTO survey_requests (tenant, survey_id, customer, partition, kind, status, tier, month,"
        " requested_ms, cause) VALUES ($1, $2, $3, $4::int, 'unsolicited', 'requested', $5, $6, $7::bigint, $8)"
        " ON CONFLICT (tenant, survey_id) DO NOTHING", 8, p);
    return q;
}

/* Writes ev's answer into the survey's row; an unsolicited request is
 * requested when answered, so its time, month and cause follow the answer. */
static void write_answer(sv_run *r, const rp_event *ev, const answer *a, const char *month)
{
    char at[24], nps[8], csat[8];
    sv_num(at, sizeof at, ev->ts_ms);
    score_text(nps, sizeof nps, a->nps);
    score_text(csat, sizeof csat, a->csat);
    const char *p[] = {r->tenant, a->survey_id, at, nps[0] ? nps : NULL, csat[0] ? csat : NULL,
                       a->comment, a->answers_json, ev->id, month};
    r->api->db_defer(r->ctx,
        "UPDATE survey_requests SET status = 'answered', answered_ms = $3::bigint, nps = $4::int,"
        " csat = $5::int, comment = $6, answers = $7::jsonb, answer_event = $8,"
        " requested_ms = CASE WHEN kind = 'unsolicited' THEN $3::bigint ELSE requested_ms END,"
        " month = CASE WHEN kind = 'unsolicited' THEN $9 ELSE month END,"
        " cause = CASE WHEN kind = 'unsolicited' THEN $8 ELSE cause END"
        " WHERE tenant = $1 AND survey_id = $2", 9, p);
}

/* The first answer handled for the survey. unsolicited: the request row was
 * created for this answer. */
static bool record_answer(sv_run *r, const rp_event *ev, const answer *a, sv_request *q, bool unsolicited)
{
    /* An answer to a suppressed survey (sent by other means) counts as a
     * request after all, so the response rate stays a share. */
    bool was_suppressed = strcmp(q->status, "suppressed") == 0;
    write_answer(r, ev, a, q->month);
    sv_monthly_delta d = {
        .requested = unsolicited || was_suppressed,
        .suppressed = was_suppressed ? -1 : 0,
        .answered = 1,
        .expired = strcmp(q->status, "expired") == 0 ? -1 : 0,   /* a late answer is no longer expired */
    };
    d = with_counts(d, sv_answer_counts_of(a->nps, a->csat));
    sv_store_monthly(r, q->month, sv_tier(q->tier), ev->partition, &d);
    return remember(r, ev, a, q) && sv_cancel(r->call, SV_KEY_EXPIRE, a->survey_id);
}

/* A late answer that comes before the recorded one replaces it: the row,
 * and the month's counts by the difference (an unsolicited request moves
 * to the earlier answer's month with its whole count). */
static bool replace_answer(sv_run *r, const rp_event *ev, const answer *a, sv_request *q)
{
    char month[8];
    snprintf(month, sizeof month, "%s", q->month);
    if (q->unsolicited && !sv_month_of(r, ev->ts_ms, month, sizeof month))
        return false;
    write_answer(r, ev, a, month);
    sv_answer_counts before = sv_answer_counts_of(q->nps, q->csat), now = sv_answer_counts_of(a->nps, a->csat);
    if (strcmp(month, q->month) == 0) {
        sv_monthly_delta d = with_counts((sv_monthly_delta){0}, sv_answer_counts_delta(before, now));
        sv_store_monthly(r, month, sv_tier(q->tier), ev->partition, &d);
    } else {
        sv_monthly_delta out = with_counts((sv_monthly_delta){.requested = -1, .answered = -1},
                                           sv_answer_counts_negate(before));
        sv_monthly_delta in = with_counts((sv_monthly_delta){.requested = 1, .answered = 1}, now);
        sv_store_monthly(r, q->month, sv_tier(q->tier), ev->partition, &out);
        sv_store_monthly(r, month, sv_tier(q->tier), ev->partition, &in);
        sv_store_monthly_prune(r);
        snprintf(q->month, sizeof q->month, "%s", month);
    }
    return remember(r, ev, a, q);
}

/* The care plugin's follow-up call, due at the detractor answer; a later
 * earlier detractor answer moves it there (care reads only requests it has
 * not taken, so a taken one changes nothing there). */
static bool request_follow_up(sv_run *r, const rp_event *ev, const answer *a, const char *complaint_id)
{
    char due[24], created[24];
    rp_text reason = {0};
    rp_text_printf(&reason, "detractor answer to survey %s (NPS %d, CSAT %d): listen first, complaint %s",
                   a->survey_id, a->nps, a->csat, complaint_id);
    char *request_id = sv_concat("survey:detractor:", a->survey_id, (char *)NULL);
    bool ok = request_id && rp_text_get(&reason);
    if (ok) {
        sv_num(due, sizeof due, ev->ts_ms);
        sv_num(created, sizeof created, r->now);
        const char *p[] = {r->tenant, request_id, ev->customer, rp_text_get(&reason), due, created};
        r->api->db_defer(r->ctx,
            "INSERT INTO care_requests AS q (tenant, request_id, customer, kind, priority, due_ms, reason, source,"
            " created_ms) VALUES ($1, $2, $3, 'complaint_follow_up', 1, $5::bigint, $4, 'survey', $6::bigint)"
            " ON CONFLICT (tenant, request_id) DO UPDATE SET due_ms = EXCLUDED.due_ms, reason = EXCLUDED.reason,"
            " created_ms = LEAST(q.created_ms, EXCLUDED.created_ms) WHERE EXCLUDED.due_ms <= q.due_ms", 6, p);
    } else {
        r->api->fail(r->ctx, "survey: out of memory requesting the follow-up of %s", a->survey_id);
    }
    free(request_id);
    rp_text_free(&reason);
    return ok;
}

static void pack_score(rp_mpout *p, const char *key, int score)
{
    if (score == SV_NO_SCORE)
        rp_mpout_kv_str(p, key, NULL);
    else
        rp_mpout_kv_int(p, key, score);
}

static bool emit_detractor(sv_run *r, const rp_event *ev, const answer *a, const sv_complaint *c, bool correction)
{
    rp_mpout p;
    rp_mpout_open_map(&p, correction ? 7 : 6);
    rp_mpout_kv_str(&p, "survey_id", a->survey_id);
    rp_mpout_kv_str(&p, "complaint_id", c->id);
    pack_score(&p, "nps", a->nps);
    pack_score(&p, "csat", a->csat);
    rp_mpout_kv_str(&p, "severity", sv_severity_name(c->severity));
    rp_mpout_kv_str(&p, "comment", a->comment);
    if (correction)
        rp_mpout_kv_bool(&p, "correction", true);
    return rp_mpout_emit(&p, r->ctx, r->api, "survey", "survey.detractor", ev->customer, NULL);
}

/* Every detractor response opens the survey's complaint, at the earliest
 * one by event time: the first handled opens it, a late earlier one moves
 * it there (deadlines, text, follow-up) and re-emits survey.detractor with
 * "correction": true; a later one changes nothing. */
static bool detractor_complaint(sv_run *r, const rp_event *ev, const answer *a, const sv_detractor_plan *plan)
{
    sv_complaint *c = sv_run_complaint(r, plan->complaint_id, ev->customer, false);
    if (c && (!c->from_survey || strcmp(c->customer, ev->customer) != 0
              || !sv_precedes(ev->ts_ms, ev->id, c->opened_ms, c->opened_event)))
        return true;
    bool correction = c != NULL;
    if (!c && !(c = sv_run_complaint(r, plan->complaint_id, ev->customer, true))) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    if (!sv_set_id(&c->opened_event, ev->id)) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    c->severity = plan->severity;
    c->opened_ms = ev->ts_ms;
    c->from_survey = true;
    bool ok = correction ? sv_complaint_move(r, c, "survey", a->comment)
                         : sv_complaint_start(r, c, ev->partition, "survey", a->survey_id, "survey", a->comment);
    return ok && request_follow_up(r, ev, a, plan->complaint_id) && emit_detractor(r, ev, a, c, correction);
}

/* Keeps the behaviour at answer time and arms the first check. */
static bool watch_silent_churn(sv_run *r, const rp_event *ev, const answer *a, sv_request *q, const sv_customer *c)
{
    if (!c || !sv_silent_watchable(c->p_alive, c->purchases))
        return true;
    char part[16], at[24], nps[8], csat[8], alive[32], buys[32];
    sv_num(part, sizeof part, ev->partition);
    sv_num(at, sizeof at, ev->ts_ms);
    score_text(nps, sizeof nps, a->nps);
    score_text(csat, sizeof csat, a->csat);
    sv_dbl(alive, sizeof alive, c->p_alive);
    sv_dbl(buys, sizeof buys, c->purchases);
    const char *p[] = {r->tenant, a->survey_id, ev->customer, part, at, nps[0] ? nps : NULL,
                       csat[0] ? csat : NULL, c->p_alive >= 0 ? alive : NULL, c->purchases >= 0 ? buys : NULL};
    r->api->db_defer(r->ctx,
        "INSERT INTO survey_silent (tenant, survey_id, customer, partition, answered_ms, nps, csat,"
        " p_alive_then, purchases_then, status) VALUES ($1, $2, $3, $4::int, $5::bigint, $6::int, $7::int,"
        " $8::float8, $9::float8, 'watching') ON CONFLICT (tenant, survey_id) DO NOTHING", 9, p);
    q->watch = "watching";
    return sv_arm_silent(r->call, ev->customer, a->survey_id, ev->ts_ms + r->s->silent_check_ms);
}

/* The watch of a survey whose recorded answer changed to ev's: a satisfied
 * answer is watched from its time (a watch under way keeps its baseline);
 * an answer that is not satisfied ends a watch under way. A watch that
 * flagged or cleared already stands (customer.silent_churn is never
 * recalled). */
static bool rewatch(sv_run *r, const rp_event *ev, const answer *a, sv_request *q, const sv_customer *c)
{
    bool satisfied = sv_is_satisfied(&r->s->rules, a->nps, a->csat);
    if (!q->watch)
        return !satisfied || watch_silent_churn(r, ev, a, q, c);
    if (strcmp(q->watch, "watching") != 0)
        return true;
    const char *p[] = {r->tenant, a->survey_id, NULL, NULL, NULL};
    if (!satisfied) {
        r->api->db_defer(r->ctx, "DELETE FROM survey_silent WHERE tenant = $1 AND survey_id = $2"
                                 " AND status = 'watching'", 2, p);
        q->watch = NULL;
        return sv_cancel(r->call, SV_KEY_SILENT, a->survey_id);
    }
    char at[24], nps[8], csat[8];
    sv_num(at, sizeof at, ev->ts_ms);
    score_text(nps, sizeof nps, a->nps);
    score_text(csat, sizeof csat, a->csat);
    p[2] = at;
    p[3] = nps[0] ? nps : NULL;
    p[4] = csat[0] ? csat : NULL;
    r->api->db_defer(r->ctx, "UPDATE survey_silent SET answered_ms = $3::bigint, nps = $4::int, csat = $5::int"
                             " WHERE tenant = $1 AND survey_id = $2 AND status = 'watching'", 5, p);
    return sv_arm_silent(r->call, ev->customer, a->survey_id, ev->ts_ms + r->s->silent_check_ms);
}

/* Records ev's answer when it is the survey's (the first handled, or
 * earlier than the recorded one); *recorded says whether it is. */
static bool record(sv_run *r, const rp_event *ev, const answer *a, sv_request **qp, const sv_customer *c,
                   bool *recorded)
{
    sv_request *q = *qp;
    *recorded = true;
    if (!q)
        return (*qp = record_unsolicited(r, ev, a, c)) && record_answer(r, ev, a, *qp, true);
    if (strcmp(q->status, "answered") != 0) {
        if (strcmp(q->status, "suppressed") == 0)
            r->api->log(r->ctx, RP_LOG_WARN, "survey.response %s: survey %s was never sent; recorded anyway",
                        ev->id, a->survey_id);
        return record_answer(r, ev, a, q, false);
    }
    *recorded = sv_precedes(ev->ts_ms, ev->id, q->answered_ms, q->answer_event);
    return !*recorded || replace_answer(r, ev, a, q);
}

static bool apply_answer(sv_run *r, const rp_event *ev, answer *a)
{
    sv_request *q = sv_run_request(r, a->survey_id, ev->customer, false);
    if (q && strcmp(q->customer, ev->customer) != 0) {
        r->api->log(r->ctx, RP_LOG_WARN, "survey.response %s: survey %s belongs to another customer; ignored",
                    ev->id, a->survey_id);
        return true;
    }
    sv_customer *c = sv_run_customer(r, ev->customer, false);
    bool recorded;
    if (!record(r, ev, a, &q, c, &recorded))
        return false;
    sv_detractor_plan plan;
    if (!sv_plan_detractor(&r->s->rules, a->nps, a->csat, a->survey_id, (sv_severity)r->s->detractor_severity,
                           &plan)) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    bool ok = !plan.opens || detractor_complaint(r, ev, a, &plan);
    sv_plan_free(&plan);
    return ok && (!recorded || rewatch(r, ev, a, q, c));
}
bool sv_handle_response(sv_run *r, const rp_event *ev)
{
    answer a = {.survey_id = NULL};
    bool ok = read_answer(r, ev, &a) && apply_answer(r, ev, &a);
    free(a.survey_id);
    free(a.comment);
    free(a.answers_json);
    return ok;
}
