/*
 * clocks.c - a complaint opens (from complaint.opened or a detractor's
 * answer): its first-response and resolution deadlines in the tenant's
 * business time, its row, and its two SLA timers. Shared by handlers.c and
 * response.c, so neither calls the other for it.
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

bool sv_complaint_start(sv_run *r, sv_complaint *c, uint32_t partition, const char *source,
                        const char *survey_id, const char *category, const char *text)
{
    char month[8];
    sv_deadlines due;
    if (!sv_complaint_deadlines(&r->cal, &r->s->first_response, &r->s->resolution, c->severity,
                                c->opened_ms, &due)) {
        r->api->fail(r->ctx, "survey: no business hours within ten years for tenant %s (business_days, "
                     "holidays)", r->tenant);
        return false;
    }
    c->first_due_ms = due.first_response_ms;
    c->resolve_due_ms = due.resolution_ms;
    if (!sv_month_of(r, c->opened_ms, month, sizeof month))
        return false;
    char part[16], opened[24], first_due[24], resolve_due[24];
    sv_num(part, sizeof part, partition);
    sv_num(opened, sizeof opened, c->opened_ms);
    sv_num(first_due, sizeof first_due, c->first_due_ms);
    sv_num(resolve_due, sizeof resolve_due, c->resolve_due_ms);
    const char *p[] = {r->tenant, c->id, c->customer, part, source, survey_id, sv_severity_name(c->severity),
                       category, text, opened, month, first_due, resolve_due, sv_ladder_name(&r->s->ladder, 0)};
    r->api->db_defer(r->ctx,
        "INSERT INTO survey_complaints (tenant, complaint_id, customer, partition, source, survey_id,"
        " severity, category, text, opened_ms, opened_month, first_response_due_ms, resolution_due_ms,"
        " level_name) VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8, $9, $10::bigint, $11, $12::bigint,"
        " $13::bigint, $14) ON CONFLICT (tenant, complaint_id) DO NOTHING", 14, p);
    return sv_arm_clock(r->call, c->customer, c->id, true, c->first_due_ms)
           && sv_arm_clock(r->call, c->customer, c->id, false, c->resolve_due_ms);
}
