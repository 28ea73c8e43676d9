/*
 * response.c - a survey.response: the answer recorded once (the first answer
 * to a survey counts; later ones are ignored), the monthly aggregates of the
 * request's month and tier, the expiry timer cancelled, and then the two
 * consequences: a detractor opens a complaint (seed 002: face it, listen
 * first) with a care follow-up request; a satisfied answer is watched for
 * silent churn (seed 003: only behaviour shows the truth).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

typedef struct answer {
    char survey_id[SV_KEY_MAX];   /* ids this plugin makes run to SV_KEY_MAX */
    char comment[4096];
    int nps, csat;
    char *answers_json;   /* owned; NULL without answers */
} answer;

static bool read_answer(sv_run *r, const rp_event *ev, answer *a)
{
    if (!r->api->view_strcpy(r->api->view_get(ev->data, "survey_id"), a->survey_id, sizeof a->survey_id)
        || !a->survey_id[0]) {
        r->api->fail(r->ctx, "survey: survey.response %s: data.survey_id missing, empty or longer than %d bytes",
                     ev->id, SV_KEY_MAX - 1);
        return false;
    }
    int64_t v;
    a->nps = r->api->view_int(r->api->view_get(ev->data, "nps"), &v) ? (int)v : SV_NO_SCORE;
    a->csat = r->api->view_int(r->api->view_get(ev->data, "csat"), &v) ? (int)v : SV_NO_SCORE;
    if (!r->api->view_strcpy(r->api->view_get(ev->data, "comment"), a->comment, sizeof a->comment))
        a->comment[0] = '\0';
    bool oom;
    a->answers_json = sv_answers_json(r->api->view_get(ev->data, "answers"), &oom);
    if (oom)
        r->api->fail(r->ctx, "survey: out of memory reading data.answers of %s", ev->id);
    return !oom;
}

static void score_text(char *buf, size_t size, int score)
{
    if (score == SV_NO_SCORE)
        buf[0] = '\0';
    else
        snprintf(buf, size, "%d", score);
}

/* A response to a survey this plugin never sent (e.g. a paper form) is
 * recorded as an unsolicited request answered at once. */
static sv_request *record_unsolicited(sv_run *r, const rp_event *ev, const answer *a, const sv_customer *c)
{
    sv_request *q = sv_run_request(r, a->survey_id, ev->customer, true);
    if (!q || !sv_month_label(r->api->to_local, r->s->tz, ev->ts_ms, q->month, sizeof q->month)) {
        r->api->fail(r->ctx, "survey: cannot record unsolicited survey %s", a->survey_id);
        return NULL;
    }
    snprintf(q->tier, sizeof q->tier, "%s", c ? c->tier : "unknown");
    snprintf(q->status, sizeof q->status, "requested");
    char part[16], at[24];
    sv_num(part, sizeof part, ev->partition);
    sv_num(at, sizeof at, ev->ts_ms);
    const char *p[] = {r->tenant, a->survey_id, ev->customer, part, q->tier, q->month, at, ev->id};
    r->api->db_defer(r->ctx,
        "INSERT INTO survey_requests (tenant, survey_id, customer, partition, kind, status, tier, month,"
        " requested_ms, cause) VALUES ($1, $2, $3, $4::int, 'unsolicited', 'requested', $5, $6, $7::bigint, $8)"
        " ON CONFLICT (tenant, survey_id) DO NOTHING", 8, p);
    return q;
}

/* unsolicited: the request row was created for this answer. */
static void record_answer(sv_run *r, const rp_event *ev, const answer *a, sv_request *q, bool unsolicited)
{
    /* An answer to a suppressed survey (sent by other means) counts as a
     * request after all, so the response rate stays a share. */
    bool was_suppressed = strcmp(q->status, "suppressed") == 0;
    char at[24], nps[8], csat[8];
    sv_num(at, sizeof at, ev->ts_ms);
    score_text(nps, sizeof nps, a->nps);
    score_text(csat, sizeof csat, a->csat);
    const char *p[] = {r->tenant, a->survey_id, at, nps[0] ? nps : NULL, csat[0] ? csat : NULL,
                       a->comment[0] ? a->comment : NULL, a->answers_json};
    r->api->db_defer(r->ctx,
        "UPDATE survey_requests SET status = 'answered', answered_ms = $3::bigint, nps = $4::int,"
        " csat = $5::int, comment = $6, answers = $7::jsonb"
        " WHERE tenant = $1 AND survey_id = $2 AND status <> 'answered'", 7, p);
    sv_nps_class cls = sv_nps_classify(a->nps);
    sv_monthly_delta d = {
        .requested = unsolicited || was_suppressed,
        .suppressed = was_suppressed ? -1 : 0,
        .answered = 1,
        .expired = strcmp(q->status, "expired") == 0 ? -1 : 0,   /* a late answer is no longer expired */
        .nps_answers = cls != SV_NPS_NONE,
        .promoters = cls == SV_NPS_PROMOTER,
        .passives = cls == SV_NPS_PASSIVE,
        .detractors = cls == SV_NPS_DETRACTOR,
        .csat_answers = a->csat != SV_NO_SCORE,
        .csat_sum = a->csat != SV_NO_SCORE ? a->csat : 0,
    };
    sv_store_monthly(r->api, r->ctx, r->tenant, q->month, q->tier, ev->partition, &d);
    snprintf(q->status, sizeof q->status, "answered");
    char key[SV_KEY_MAX + 32];
    snprintf(key, sizeof key, "expire:%s", a->survey_id);
    r->api->timer_cancel(r->ctx, r->tenant, key);
}

static void request_follow_up(sv_run *r, const rp_event *ev, const answer *a, const char *complaint_id)
{
    char request_id[SV_KEY_MAX + 32], reason[256], due[24], created[24];
    snprintf(request_id, sizeof request_id, "survey:detractor:%s", a->survey_id);
    snprintf(reason, sizeof reason, "detractor answer to survey %s (NPS %d, CSAT %d): listen first, "
             "complaint %s", a->survey_id, a->nps, a->csat, complaint_id);
    sv_num(due, sizeof due, ev->ts_ms);
    sv_num(created, sizeof created, r->now);
    const char *p[] = {r->tenant, request_id, ev->customer, reason, due, created};
    r->api->db_defer(r->ctx,
        "INSERT INTO care_requests (tenant, request_id, customer, kind, priority, due_ms, reason, source,"
        " created_ms) VALUES ($1, $2, $3, 'complaint_follow_up', 1, $5::bigint, $4, 'survey', $6::bigint)"
        " ON CONFLICT (tenant, request_id) DO NOTHING", 6, p);
}

static void pack_score(rp_mpout *p, const char *key, int score)
{
    if (score == SV_NO_SCORE)
        rp_mpout_kv_str(p, key, NULL);
    else
        rp_mpout_kv_int(p, key, score);
}

static bool open_detractor_complaint(sv_run *r, const rp_event *ev, const answer *a,
                                     const sv_detractor_plan *plan)
{
    if (sv_run_complaint(r, plan->complaint_id, ev->customer, false))
        return true;
    sv_complaint *c = sv_run_complaint(r, plan->complaint_id, ev->customer, true);
    if (!c) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    c->severity = plan->severity;
    c->opened_ms = ev->ts_ms;
    if (!sv_complaint_start(r, c, ev->partition, "survey", a->survey_id, "survey",
                            a->comment[0] ? a->comment : NULL))
        return false;
    request_follow_up(r, ev, a, plan->complaint_id);
    rp_mpout p;
    rp_mpout_open_map(&p, 6);
    rp_mpout_kv_str(&p, "survey_id", a->survey_id);
    rp_mpout_kv_str(&p, "complaint_id", plan->complaint_id);
    pack_score(&p, "nps", a->nps);
    pack_score(&p, "csat", a->csat);
    rp_mpout_kv_str(&p, "severity", sv_severity_name(c->severity));
    rp_mpout_kv_str(&p, "comment", a->comment[0] ? a->comment : NULL);
    return rp_mpout_emit(&p, r->ctx, r->api, "survey", "survey.detractor", ev->customer, NULL);
}

/* Keeps the behaviour at answer time and arms the first check. */
static bool watch_silent_churn(sv_run *r, const rp_event *ev, const answer *a, const sv_customer *c)
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
    char key[SV_KEY_MAX + 32];
    snprintf(key, sizeof key, "silent:%s", a->survey_id);
    rp_mpout pk;
    rp_mpout_open_map(&pk, 1);
    rp_mpout_kv_str(&pk, "survey_id", a->survey_id);
    return sv_pack_timer(&pk, r->ctx, r->api, r->tenant, key, ev->ts_ms + r->s->silent_check_ms,
                         ev->customer);
}

static bool apply_answer(sv_run *r, const rp_event *ev, answer *a)
{
    sv_request *q = sv_run_request(r, a->survey_id, ev->customer, false);
    if (q && strcmp(q->customer, ev->customer) != 0) {
        r->api->log(r->ctx, RP_LOG_WARN, "survey.response %s: survey %s belongs to another customer; ignored",
                    ev->id, a->survey_id);
        return true;
    }
    if (q && strcmp(q->status, "answered") == 0)
        return true;   /* the first answer counts */
    if (q && strcmp(q->status, "suppressed") == 0) {
        r->api->log(r->ctx, RP_LOG_WARN, "survey.response %s: survey %s was never sent; recorded anyway",
                    ev->id, a->survey_id);
    }
    sv_customer *c = sv_run_customer(r, ev->customer, false);
    bool unsolicited = q == NULL;
    if (unsolicited && !(q = record_unsolicited(r, ev, a, c)))
        return false;
    record_answer(r, ev, a, q, unsolicited);
    sv_detractor_plan plan;
    sv_plan_detractor(&r->s->rules, a->nps, a->csat, a->survey_id, r->s->detractor_severity, &plan);
    if (plan.opens)
        return open_detractor_complaint(r, ev, a, &plan);
    if (sv_is_satisfied(&r->s->rules, a->nps, a->csat))
        return watch_silent_churn(r, ev, a, c);
    return true;
}

bool sv_handle_response(sv_run *r, const rp_event *ev)
{
    answer a = {.answers_json = NULL};
    bool ok = read_answer(r, ev, &a) && apply_answer(r, ev, &a);
    free(a.answers_json);
    return ok;
}
