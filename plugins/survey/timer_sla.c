/*
 * timer_sla.c - sla:first:ID and sla:resolve:ID, a complaint's clock ran
 * out unmet: the complaint moves one level up the ladder, emits
 * complaint.escalated and the clock re-arms escalation_step business time
 * later while a level is left. The two clocks share the level, so when
 * both fall due in one batch the second starts from the level the first
 * left (timers.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timers.h"

static const char sql[] =
    "SELECT u.n, c.severity, c.first_response_ms, c.resolved_ms, c.level, c.first_response_due_ms,"
    " c.resolution_due_ms FROM unnest($2::text[]) WITH ORDINALITY AS u(id, n)"
    " JOIN survey_complaints c ON c.tenant = $1 AND c.complaint_id = u.id";

/* A row of the complaint: the clock ran out unmet unless what stops it (the
 * first response or the resolution, late.h) happened before the timer's
 * due time. By event time, not by what was handled first: with
 * event_lateness_ms the timer may fire after a later response was handled,
 * and that response is still a breach. */
static void found(sv_tcall *c, sv_tsla *a, const rp_rows *rows, int r)
{
    const rp_host_api *api = c->api;
    int64_t responded = sv_int_or(api->rows_value(rows, r, 2), -1);
    int64_t resolved = sv_int_or(api->rows_value(rows, r, 3), -1);
    a->open = sv_clock_unmet(a->first, responded, resolved, c->items[a->item].t->due_ms);
    a->severity = SV_SEV_NORMAL;
    sv_severity_parse(api->rows_value(rows, r, 1), &a->severity);
    a->level = (int)sv_int_or(api->rows_value(rows, r, 4), 0);
    a->due_ms = sv_int_or(api->rows_value(rows, r, a->first ? 5 : 6), 0);
}

bool sv_tsla_load(sv_tcall *c)
{
    rp_pgarray ids = {0};
    for (size_t i = 0; i < c->nslas; i++)
        rp_pgarray_add(&ids, c->slas[i].id);
    rp_rows *rows = sv_tquery_ids(c, "sla", sql, &ids);
    if (!rows)
        return false;
    bool ok = true;
    for (int r = 0; ok && r < c->api->rows_count(rows); r++) {
        size_t i = sv_tslot(c, rows, r, c->nslas);
        ok = i != SV_NONE;
        if (ok)
            found(c, &c->slas[i], rows, r);
    }
    c->api->rows_free(rows);
    return ok && sv_tchain(c, c->slas, c->nslas, sizeof *c->slas, offsetof(sv_tsla, id), offsetof(sv_tsla, item),
                           offsetof(sv_tsla, prev));
}

static bool emit_escalation(sv_tcall *c, const sv_tsla *a, int from, int to)
{
    rp_mpout p;
    rp_mpout_open_map(&p, 7);
    rp_mpout_kv_str(&p, "complaint_id", a->id);
    rp_mpout_kv_str(&p, "level", sv_ladder_name(&c->s->ladder, to));
    rp_mpout_kv_int(&p, "level_index", to);
    rp_mpout_kv_str(&p, "previous_level", sv_ladder_name(&c->s->ladder, from));
    rp_mpout_kv_str(&p, "clock", a->first ? "first_response" : "resolution");
    rp_mpout_kv_str(&p, "severity", sv_severity_name(a->severity));
    rp_mpout_kv_int(&p, "due_ms", a->due_ms);
    return rp_mpout_emit(&p, c->ctx, c->api, "survey", "complaint.escalated",
                         c->items[a->item].t->customer, NULL);
}

static bool rearm(sv_tcall *c, const sv_tsla *a)
{
    const rp_timer *t = c->items[a->item].t;
    int64_t again;
    if (!sv_bh_add(&c->cal, c->now, c->s->escalation_step_ms, &again)) {
        c->api->fail(c->ctx, "survey: timer %s: no business hours ahead", t->key);
        return false;
    }
    return sv_arm_clock(c->call, t->customer, a->id, a->first, again);
}

/* Met, closed, erased, or already at the top of the ladder: nothing. */
bool sv_tsla_apply(sv_tcall *c, sv_tsla *a)
{
    int level = a->prev == SV_NONE ? a->level : c->slas[a->prev].level_after;
    a->level_after = level;
    int next = a->open ? sv_ladder_next(&c->s->ladder, level) : -1;
    if (next < 0)
        return true;
    a->level_after = next;
    sv_tw_escalate(c, a->id, next);
    if (!emit_escalation(c, a, level, next))
        return false;
    return sv_ladder_next(&c->s->ladder, next) < 0 || rearm(c, a);
}
