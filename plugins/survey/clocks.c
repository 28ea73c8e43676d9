/*
 * clocks.c - a complaint opens (from complaint.opened or a detractor's
 * answer): its first-response and resolution deadlines in the tenant's
 * business time, its row, and its two SLA timers; and a complaint that
 * turns out to have opened earlier (a late earlier report), moved there.
 * Shared by handlers.c and response.c, so neither calls the other for it.
 */
#include <stdio.h>

#include "glue.h"

bool sv_month_of(sv_run *r, int64_t ms, char *buf, size_t size)
{
    if (sv_month_label(r->api->to_local, r->s->tz, ms, buf, size))
        return true;
    r->api->fail(r->ctx, "survey: time zone %s of tenant %s unusable", r->s->tz, r->tenant);
    return false;
}

static bool deadlines(sv_run *r, sv_complaint *c)
{
    sv_deadlines due;
    if (!sv_complaint_deadlines(&r->cal, &r->s->first_response, &r->s->resolution, c->severity,
                                c->opened_ms, &due)) {
        r->api->fail(r->ctx, "survey: no business hours within ten years for tenant %s (business_days, "
                     "holidays)", r->tenant);
        return false;
    }
    c->first_due_ms = due.first_response_ms;
    c->resolve_due_ms = due.resolution_ms;
    return true;
}

bool sv_complaint_start(sv_run *r, sv_complaint *c, uint32_t partition, const char *source,
                        const char *survey_id, const char *category, const char *text)
{
    char month[8];
    if (!deadlines(r, c) || !sv_month_of(r, c->opened_ms, month, sizeof month))
        return false;
    char part[16], opened[24], first_due[24], resolve_due[24];
    sv_num(part, sizeof part, partition);
    sv_num(opened, sizeof opened, c->opened_ms);
    sv_num(first_due, sizeof first_due, c->first_due_ms);
    sv_num(resolve_due, sizeof resolve_due, c->resolve_due_ms);
    const char *p[] = {r->tenant, c->id, c->customer, part, source, survey_id, sv_severity_name(c->severity),
                       category, text, opened, month, first_due, resolve_due, sv_ladder_name(&r->s->ladder, 0),
                       c->opened_event};
    r->api->db_defer(r->ctx,
        "INSERT INTO survey_complaints (tenant, complaint_id, customer, partition, source, survey_id,"
        " severity, category, text, opened_ms, opened_month, first_response_due_ms, resolution_due_ms,"
        " level_name, opened_event) VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8, $9, $10::bigint, $11,"
        " $12::bigint, $13::bigint, $14, $15) ON CONFLICT (tenant, complaint_id) DO NOTHING", 15, p);
    return sv_arm_clock(r->call, c->customer, c->id, true, c->first_due_ms)
           && sv_arm_clock(r->call, c->customer, c->id, false, c->resolve_due_ms);
}

/* A clock at its new deadline: armed while it may still run out, else
 * cancelled (the response or resolution came before it). */
static bool rearm(sv_run *r, const sv_complaint *c, bool first)
{
    int64_t due = first ? c->first_due_ms : c->resolve_due_ms;
    if (sv_clock_unmet(first, c->first_response_ms, c->resolved_ms, due))
        return sv_arm_clock(r->call, c->customer, c->id, first, due);
    return sv_cancel(r->call, first ? SV_KEY_SLA_FIRST : SV_KEY_SLA_RESOLVE, c->id);
}

bool sv_complaint_move(sv_run *r, sv_complaint *c, const char *category, const char *text)
{
    char month[8];
    int64_t business = -1;
    if (!deadlines(r, c) || !sv_month_of(r, c->opened_ms, month, sizeof month))
        return false;
    if (c->resolved_ms >= 0 && !sv_bh_between(&r->cal, c->opened_ms, c->resolved_ms, &business)) {
        r->api->fail(r->ctx, "survey: cannot count business time of complaint %s", c->id);
        return false;
    }
    char opened[24], first_due[24], resolve_due[24], biz[24];
    sv_num(opened, sizeof opened, c->opened_ms);
    sv_num(first_due, sizeof first_due, c->first_due_ms);
    sv_num(resolve_due, sizeof resolve_due, c->resolve_due_ms);
    sv_num(biz, sizeof biz, business);
    const char *p[] = {r->tenant, c->id, opened, month, c->opened_event, sv_severity_name(c->severity),
                       category, text, first_due, resolve_due, business >= 0 ? biz : NULL};
    r->api->db_defer(r->ctx,
        "UPDATE survey_complaints SET opened_ms = $3::bigint, opened_month = $4, opened_event = $5,"
        " severity = $6, category = $7, text = $8, first_response_due_ms = $9::bigint,"
        " resolution_due_ms = $10::bigint, first_response_met = first_response_ms <= $9::bigint,"
        " resolution_met = resolved_ms <= $10::bigint, resolution_business_ms = $11::bigint"
        " WHERE tenant = $1 AND complaint_id = $2", 11, p);
    /* Once a clock escalated, the escalation stands (it is never recalled)
     * and the clocks keep their course. */
    return c->level > 0 || (rearm(r, c, true) && rearm(r, c, false));
}
