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

/* A response to a survey this plugin never sent (e.g. a paper form) is
 * recorded as an unsolicited request answered at once. */
static sv_request *record_unsolicited(sv_run *r, const rp_event *ev, const answer *a, const sv_customer *c)
{
    sv_request *q = sv_run_request(r, a->survey_id, ev->customer, true);
    if (!q || !sv_month_label(r->api->to_local, r->s->tz, ev->ts_ms, q->month, sizeof q->month)
        || (c && c->tier && !(q->tier = strdup(c->tier)))) {
        r->api->fail(r->ctx, "survey: cannot record unsolicited survey %s", a->survey_id);
        return NULL;
    }
    q->status = "requested";
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

/* unsolicited: the request row was created for this answer. */
static bool record_answer(sv_run *r, const rp_event *ev, const answer *a, sv_request *q, bool unsolicited)
{
    /* An answer to a suppressed survey (sent by other means) counts as a
     * request after all, so the response rate stays a share. */
    bool was_suppressed = strcmp(q->status, "suppressed") == 0;
    char at[24], nps[8], csat[8];
    sv_num(at, sizeof at, ev->ts_ms);
    score_text(nps, sizeof nps, a->nps);
    score_text(csat, sizeof csat, a->csat);
    const char *p[] = {r->tenant, a->survey_id, at, nps[0] ? nps : NULL, csat[0] ? csat : NULL,
                       a->comment, a->answers_json};
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
    sv_store_monthly(r, q->month, sv_tier(q->tier), ev->partition, &d);
    q->status = "answered";
    return sv_cancel(r->call, SV_KEY_EXPIRE, a->survey_id);
}

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
            "INSERT INTO care_requests (tenant, request_id, customer, kind, priority, due_ms, reason, source,"
            " created_ms) VALUES ($1, $2, $3, 'complaint_follow_up', 1, $5::bigint, $4, 'survey', $6::bigint)"
            " ON CONFLICT (tenant, request_id) DO NOTHING", 6, p);
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
    if (!sv_complaint_start(r, c, ev->partition, "survey", a->survey_id, "survey", a->comment)
        || !request_follow_up(r, ev, a, plan->complaint_id))
        return false;
    rp_mpout p;
    rp_mpout_open_map(&p, 6);
    rp_mpout_kv_str(&p, "survey_id", a->survey_id);
    rp_mpout_kv_str(&p, "complaint_id", plan->complaint_id);
    pack_score(&p, "nps", a->nps);
    pack_score(&p, "csat", a->csat);
    rp_mpout_kv_str(&p, "severity", sv_severity_name(c->severity));
    rp_mpout_kv_str(&p, "comment", a->comment);
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
    return sv_arm_silent(r->call, ev->customer, a->survey_id, ev->ts_ms + r->s->silent_check_ms);
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
    if (!record_answer(r, ev, a, q, unsolicited))
        return false;
    sv_detractor_plan plan;
    if (!sv_plan_detractor(&r->s->rules, a->nps, a->csat, a->survey_id, (sv_severity)r->s->detractor_severity,
                           &plan)) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    bool ok = true;
    if (plan.opens)
        ok = open_detractor_complaint(r, ev, a, &plan);
    else if (sv_is_satisfied(&r->s->rules, a->nps, a->csat))
        ok = watch_silent_churn(r, ev, a, c);
    sv_plan_free(&plan);
    return ok;
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
