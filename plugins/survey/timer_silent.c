/*
 * timer_silent.c - silent:SURVEY_ID, a satisfied answer's behaviour check
 * (seed 003): the answer's baseline against the scoring plugin's measures
 * now; a drop flags the customer (customer.silent_churn), otherwise the
 * check re-arms every silent_check until silent_watch after the answer,
 * then the watch is cleared. Each answer has its own timer, so the checks
 * of one batch are independent of each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timers.h"

static const char sql_scoring[] =
    "SELECT u.n, s.answered_ms, s.nps, s.csat, s.p_alive_then, s.purchases_then, sc.p_alive,"
    " sc.expected_purchases FROM unnest($2::text[]) WITH ORDINALITY AS u(id, n)"
    " JOIN survey_silent s ON s.tenant = $1 AND s.survey_id = u.id AND s.status = 'watching'"
    " LEFT JOIN scoring_customers sc ON sc.tenant = s.tenant AND sc.customer = s.customer";
static const char sql_plain[] =
    "SELECT u.n, s.answered_ms, s.nps, s.csat, s.p_alive_then, s.purchases_then, NULL, NULL"
    " FROM unnest($2::text[]) WITH ORDINALITY AS u(id, n)"
    " JOIN survey_silent s ON s.tenant = $1 AND s.survey_id = u.id AND s.status = 'watching'";

static const char *survey_of(const sv_tcall *c, const sv_tsilent *w)
{
    return c->items[w->item].id;
}

static void found(sv_tcall *c, sv_tsilent *w, const rp_rows *rows, int r)
{
    const rp_host_api *api = c->api;
    const char *nps = api->rows_value(rows, r, 2), *csat = api->rows_value(rows, r, 3);
    w->found = true;
    w->answered_ms = sv_int_or(api->rows_value(rows, r, 1), 0);
    snprintf(w->nps, sizeof w->nps, "%s", nps ? nps : "");
    snprintf(w->csat, sizeof w->csat, "%s", csat ? csat : "");
    w->alive_then = sv_dbl_or(api->rows_value(rows, r, 4), SV_UNKNOWN);
    w->buys_then = sv_dbl_or(api->rows_value(rows, r, 5), SV_UNKNOWN);
    w->alive_now = sv_dbl_or(api->rows_value(rows, r, 6), SV_UNKNOWN);
    w->buys_now = sv_dbl_or(api->rows_value(rows, r, 7), SV_UNKNOWN);
}

static rp_rows *query(sv_tcall *c)
{
    bool scoring;
    if (!sv_tscoring(c, &scoring))
        return NULL;
    rp_pgarray ids = {0};
    for (size_t i = 0; i < c->nsilents; i++)
        rp_pgarray_add(&ids, survey_of(c, &c->silents[i]));
    return sv_tquery_ids(c, "silent", scoring ? sql_scoring : sql_plain, &ids);
}

bool sv_tsilent_load(sv_tcall *c)
{
    rp_rows *rows = query(c);
    if (!rows)
        return false;
    bool ok = true;
    for (int r = 0; ok && r < c->api->rows_count(rows); r++) {
        size_t i = sv_tslot(c, rows, r, c->nsilents);
        ok = i != SV_NONE;
        if (ok)
            found(c, &c->silents[i], rows, r);
    }
    c->api->rows_free(rows);
    return ok;
}

/* A score read back as text; nil when the answer had none. */
static void pack_score_text(rp_mpout *p, const char *key, const char *text)
{
    if (text[0])
        rp_mpout_kv_int(p, key, atoi(text));
    else
        rp_mpout_kv_str(p, key, NULL);
}

static bool flag(sv_tcall *c, const sv_tsilent *w, sv_silent_reason why)
{
    sv_tw_flag(c, survey_of(c, w), w->alive_now, w->buys_now, why);
    rp_mpout p;
    rp_mpout_open_map(&p, 9);
    rp_mpout_kv_str(&p, "survey_id", survey_of(c, w));
    rp_mpout_kv_int(&p, "answered_ms", w->answered_ms);
    pack_score_text(&p, "nps", w->nps);
    pack_score_text(&p, "csat", w->csat);
    sv_pack_dbl(&p, "p_alive_then", w->alive_then);
    sv_pack_dbl(&p, "p_alive_now", w->alive_now);
    sv_pack_dbl(&p, "expected_purchases_then", w->buys_then);
    sv_pack_dbl(&p, "expected_purchases_now", w->buys_now);
    rp_mpout_kv_str(&p, "reason", sv_silent_reason_name(why));
    return rp_mpout_emit(&p, c->ctx, c->api, "survey", "customer.silent_churn",
                         c->items[w->item].t->customer, NULL);
}

static bool recheck_or_clear(sv_tcall *c, const sv_tsilent *w)
{
    const rp_timer *t = c->items[w->item].t;
    int64_t next = c->now + c->s->silent_check_ms;
    bool again = next <= w->answered_ms + c->s->silent_watch_ms;
    sv_tw_watch(c, survey_of(c, w), again);
    return !again || sv_arm_silent(c->call, t->customer, survey_of(c, w), next);
}

/* No watching row: flagged or cleared already, or the customer was erased. */
bool sv_tsilent_apply(sv_tcall *c, sv_tsilent *w)
{
    if (!w->found)
        return true;
    sv_silent_reason why = sv_silent_check(w->alive_then, w->alive_now, w->buys_then, w->buys_now,
                                           c->s->silent_factor);
    return why != SV_SILENT_NONE ? flag(c, w, why) : recheck_or_clear(c, w);
}
