/*
 * handlers.c - one function per subscribed event type, applied in order to
 * the run's working set; writes are deferred, timers and derived events are
 * scoped to the event (plugin.c calls scope_event before each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"


static bool field_str(sv_run *r, const rp_event *ev, const char *key, char *buf, size_t size)
{
    return r->api->view_strcpy(r->api->view_get(ev->data, key), buf, size) && buf[0];
}

static bool require_str(sv_run *r, const rp_event *ev, const char *key, char *buf, size_t size)
{
    if (field_str(r, ev, key, buf, size))
        return true;
    r->api->fail(r->ctx, "survey: %s event %s: data.%s missing, empty or longer than %zu bytes",
                 ev->type, ev->id, key, size - 1);
    return false;
}

static bool month_of(sv_run *r, int64_t ms, char *buf, size_t size)
{
    if (sv_month_label(r->api->to_local, r->s->tz, ms, buf, size))
        return true;
    r->api->fail(r->ctx, "survey: time zone %s of tenant %s unusable", r->s->tz, r->tenant);
    return false;
}

bool sv_arm_send_at(rp_ctx *ctx, const rp_host_api *api, const char *tenant, const char *customer,
                    const char *kind, const char *survey_id, const char *ref, int64_t first_due_ms,
                    int64_t due_ms)
{
    char key[SV_KEY_MAX];
    snprintf(key, sizeof key, "send:%s", survey_id);
    rp_mpout p;
    rp_mpout_open_map(&p, 4);
    rp_mpout_kv_str(&p, "kind", kind);
    rp_mpout_kv_str(&p, "survey_id", survey_id);
    rp_mpout_kv_str(&p, "ref", ref);
    rp_mpout_kv_int(&p, "first_due_ms", first_due_ms);
    return sv_pack_timer(&p, ctx, api, tenant, key, due_ms, customer);
}

bool sv_arm_send(sv_run *r, const char *customer, const char *kind, const char *survey_id,
                 const char *ref, int64_t due_ms)
{
    return sv_arm_send_at(r->ctx, r->api, r->tenant, customer, kind, survey_id, ref, due_ms, due_ms);
}

static bool arm_quarterly(sv_run *r, const rp_event *ev, sv_customer *c)
{
    if (!r->s->quarterly || c->quarterly_due_ms > 0)
        return true;
    int64_t due;
    if (!sv_schedule_next_quarter(r->api->to_local, r->api->from_local, sv_run_tz(r, c->id), ev->ts_ms,
                                  r->s->send_hour, &due)) {
        r->api->fail(r->ctx, "survey: cannot compute next quarter for customer %s", c->id);
        return false;
    }
    char key[SV_KEY_MAX];
    snprintf(key, sizeof key, "quarterly:%s", c->id);
    rp_mpout p;
    rp_mpout_open_map(&p, 1);
    rp_mpout_kv_str(&p, "kind", "quarterly");
    if (!sv_pack_timer(&p, r->ctx, r->api, r->tenant, key, due, c->id))
        return false;
    c->quarterly_due_ms = due;
    sv_store_customer(r, ev->partition, c);
    return true;
}

static bool on_purchase(sv_run *r, const rp_event *ev)
{
    char order[SV_ID_MAX], survey_id[SV_KEY_MAX];
    if (!require_str(r, ev, "order_id", order, sizeof order))
        return false;
    snprintf(survey_id, sizeof survey_id, "purchase:%s:%s", ev->customer, order);
    int64_t due;
    if (!sv_schedule_after_days(r->api->to_local, r->api->from_local, sv_run_tz(r, ev->customer), ev->ts_ms,
                                r->s->purchase_delay_days, r->s->send_hour, &due)) {
        r->api->fail(r->ctx, "survey: cannot schedule the purchase survey of %s", ev->customer);
        return false;
    }
    sv_customer *c = sv_run_customer(r, ev->customer, true);
    if (!c) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    if (!c->stored)
        sv_store_customer(r, ev->partition, c);
    return sv_arm_send(r, ev->customer, "purchase", survey_id, order, due) && arm_quarterly(r, ev, c);
}

static bool on_upsert(sv_run *r, const rp_event *ev)
{
    char tz[64];
    if (!field_str(r, ev, "timezone", tz, sizeof tz))
        return true;
    sv_customer *c = sv_run_customer(r, ev->customer, true);
    char *copy = c ? strdup(tz) : NULL;
    if (!copy) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    free(c->timezone);
    c->timezone = copy;
    sv_store_customer(r, ev->partition, c);
    return true;
}

static bool arm_clock(sv_run *r, const sv_complaint *c, const char *clock, int64_t due)
{
    char key[SV_KEY_MAX];
    snprintf(key, sizeof key, "sla:%s:%s", clock, c->id);
    rp_mpout p;
    rp_mpout_open_map(&p, 2);
    rp_mpout_kv_str(&p, "complaint_id", c->id);
    rp_mpout_kv_str(&p, "clock", clock);
    return sv_pack_timer(&p, r->ctx, r->api, r->tenant, key, due, c->customer);
}

bool sv_complaint_start(sv_run *r, sv_complaint *c, uint32_t partition, const char *source,
                        const char *survey_id, const char *category, const char *text)
{
    char month[8];
    sv_deadlines due;
    if (!sv_complaint_deadlines(&r->s->cal, &r->s->first_response, &r->s->resolution, c->severity,
                                c->opened_ms, &due)) {
        r->api->fail(r->ctx, "survey: no business hours within ten years for tenant %s (business_days, "
                     "holidays)", r->tenant);
        return false;
    }
    c->first_due_ms = due.first_response_ms;
    c->resolve_due_ms = due.resolution_ms;
    if (!month_of(r, c->opened_ms, month, sizeof month))
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
    return arm_clock(r, c, "first", c->first_due_ms) && arm_clock(r, c, "resolve", c->resolve_due_ms);
}

static bool on_complaint_opened(sv_run *r, const rp_event *ev)
{
    char id[SV_ID_MAX], sev_text[16], category[128] = "", text[4096] = "";
    if (!require_str(r, ev, "complaint_id", id, sizeof id))
        return false;
    if (sv_run_complaint(r, id, ev->customer, false))
        return true;   /* the same complaint reported twice: the first report counts */
    sv_severity sev = SV_SEV_NORMAL;
    if (field_str(r, ev, "severity", sev_text, sizeof sev_text) && !sv_severity_parse(sev_text, &sev)) {
        r->api->fail(r->ctx, "survey: complaint.opened %s: data.severity '%s' unknown", ev->id, sev_text);
        return false;
    }
    field_str(r, ev, "category", category, sizeof category);
    field_str(r, ev, "text", text, sizeof text);
    sv_complaint *c = sv_run_complaint(r, id, ev->customer, true);
    if (!c) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    c->severity = sev;
    c->opened_ms = ev->ts_ms;
    return sv_complaint_start(r, c, ev->partition, "event", NULL, category[0] ? category : NULL,
                              text[0] ? text : NULL);
}

static void cancel_clock(sv_run *r, const char *clock, const char *id)
{
    char key[SV_KEY_MAX];
    snprintf(key, sizeof key, "sla:%s:%s", clock, id);
    r->api->timer_cancel(r->ctx, r->tenant, key);
}

/* A contact naming the complaint is its first response (core convention);
 * a contact about an unknown complaint changes nothing. */
static bool on_contact(sv_run *r, const rp_event *ev)
{
    char id[SV_ID_MAX];
    if (!field_str(r, ev, "complaint_id", id, sizeof id))
        return true;
    sv_complaint *c = sv_run_complaint(r, id, ev->customer, false);
    if (!c || c->first_response_ms >= 0 || c->resolved_ms >= 0)
        return true;
    c->first_response_ms = ev->ts_ms;
    char at[24];
    sv_num(at, sizeof at, ev->ts_ms);
    const char *p[] = {r->tenant, id, at};
    r->api->db_defer(r->ctx, "UPDATE survey_complaints SET first_response_ms = $3::bigint,"
                             " first_response_met = $3::bigint <= first_response_due_ms"
                             " WHERE tenant = $1 AND complaint_id = $2 AND first_response_ms IS NULL", 3, p);
    cancel_clock(r, "first", id);
    return true;
}

static bool write_resolution(sv_run *r, const rp_event *ev, sv_complaint *c, const char *outcome)
{
    int64_t business;
    char month[8];
    if (!sv_bh_between(&r->s->cal, c->opened_ms, ev->ts_ms, &business)) {
        r->api->fail(r->ctx, "survey: cannot count business time of complaint %s", c->id);
        return false;
    }
    if (!month_of(r, ev->ts_ms, month, sizeof month))
        return false;
    char at[24], biz[24];
    sv_num(at, sizeof at, ev->ts_ms);
    sv_num(biz, sizeof biz, business);
    const char *p[] = {r->tenant, c->id, at, month, outcome, biz};
    /* Resolving is also responding: a complaint closed without an earlier
     * contact gets its first response at the resolution. */
    r->api->db_defer(r->ctx,
        "UPDATE survey_complaints SET resolved_ms = $3::bigint, resolved_month = $4, outcome = $5,"
        " resolution_business_ms = $6::bigint, resolution_met = $3::bigint <= resolution_due_ms,"
        " first_response_ms = coalesce(first_response_ms, $3::bigint),"
        " first_response_met = coalesce(first_response_met, $3::bigint <= first_response_due_ms)"
        " WHERE tenant = $1 AND complaint_id = $2 AND resolved_ms IS NULL", 6, p);
    return true;
}

static bool on_complaint_resolved(sv_run *r, const rp_event *ev)
{
    char id[SV_ID_MAX], outcome[32] = "resolved", survey_id[SV_KEY_MAX];
    if (!require_str(r, ev, "complaint_id", id, sizeof id))
        return false;
    field_str(r, ev, "outcome", outcome, sizeof outcome);
    sv_complaint *c = sv_run_complaint(r, id, ev->customer, false);
    if (!c) {
        r->api->log(r->ctx, RP_LOG_INFO, "complaint.resolved %s: complaint %s was never opened; ignored",
                    ev->id, id);
        return true;
    }
    if (c->resolved_ms >= 0)
        return true;
    if (!write_resolution(r, ev, c, outcome))
        return false;
    c->resolved_ms = ev->ts_ms;
    if (c->first_response_ms < 0)
        c->first_response_ms = ev->ts_ms;
    cancel_clock(r, "first", id);
    cancel_clock(r, "resolve", id);
    int64_t due;
    if (!sv_schedule_after_days(r->api->to_local, r->api->from_local, sv_run_tz(r, ev->customer), ev->ts_ms,
                                r->s->complaint_delay_days, r->s->send_hour, &due)) {
        r->api->fail(r->ctx, "survey: cannot schedule the complaint survey of %s", ev->customer);
        return false;
    }
    snprintf(survey_id, sizeof survey_id, "complaint:%s", id);
    sv_customer *cust = sv_run_customer(r, ev->customer, true);
    if (!cust) {
        r->api->fail(r->ctx, "survey: out of memory");
        return false;
    }
    if (!cust->stored)
        sv_store_customer(r, ev->partition, cust);
    return sv_arm_send(r, ev->customer, "complaint", survey_id, id, due);
}

static bool on_suggestion(sv_run *r, const rp_event *ev)
{
    char id[SV_ID_MAX], topic[256] = "", text[4096] = "", part[16], at[24];
    if (!field_str(r, ev, "suggestion_id", id, sizeof id))
        snprintf(id, sizeof id, "%s", ev->id);
    field_str(r, ev, "topic", topic, sizeof topic);
    field_str(r, ev, "text", text, sizeof text);
    bool adopted = false;
    bool has_adopted = r->api->view_bool(r->api->view_get(ev->data, "adopted"), &adopted);
    sv_num(part, sizeof part, ev->partition);
    sv_num(at, sizeof at, ev->ts_ms);
    const char *p[] = {r->tenant, id, ev->customer, part, at, topic[0] ? topic : NULL,
                       text[0] ? text : NULL, has_adopted ? (adopted ? "t" : "f") : NULL};
    r->api->db_defer(r->ctx,
        "INSERT INTO survey_suggestions (tenant, suggestion_id, customer, partition, ts_ms, topic, text,"
        " adopted) VALUES ($1, $2, $3, $4::int, $5::bigint, $6, $7, $8::boolean)"
        " ON CONFLICT (tenant, suggestion_id) DO UPDATE SET adopted = coalesce(EXCLUDED.adopted,"
        " survey_suggestions.adopted)", 8, p);
    return true;
}

static bool on_erase(sv_run *r, const rp_event *ev)
{
    if (!sv_store_write_customers(r))      /* before the deletes, so they see every row */
        return false;
    sv_store_erase(r, ev->customer);
    sv_customer *c = sv_run_customer(r, ev->customer, false);
    if (c) {
        free(c->timezone);
        c->timezone = NULL;
        c->quarterly_due_ms = 0;
        c->stored = false;
    }
    return true;
}

bool sv_handle_event(sv_run *r, const rp_event *ev)
{
    if (!ev->customer) {
        r->api->fail(r->ctx, "survey: %s event %s has no customer", ev->type, ev->id);
        return false;
    }
    if (strcmp(ev->type, "purchase") == 0)
        return on_purchase(r, ev);
    if (strcmp(ev->type, "survey.response") == 0)
        return sv_handle_response(r, ev);
    if (strcmp(ev->type, "complaint.opened") == 0)
        return on_complaint_opened(r, ev);
    if (strcmp(ev->type, "complaint.resolved") == 0)
        return on_complaint_resolved(r, ev);
    if (strcmp(ev->type, "contact") == 0)
        return on_contact(r, ev);
    if (strcmp(ev->type, "customer.upsert") == 0)
        return on_upsert(r, ev);
    if (strcmp(ev->type, "suggestion") == 0)
        return on_suggestion(r, ev);
    if (strcmp(ev->type, "customer.erase") == 0)
        return on_erase(r, ev);
    return true;
}
