/*
 * handlers.c - one function per subscribed event type, applied in order to
 * the run's working set; writes are deferred, timers and derived events are
 * scoped to the event (plugin.c calls scope_event before each). Responses
 * are response.c's; a complaint's clocks are clocks.c's. Data strings are
 * copied in full (sv_view_dup): ids and texts have no fixed size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

/* A data string, NULL when absent or empty; false only on out of memory. */
static bool field(sv_run *r, const rp_event *ev, const char *key, char **out)
{
    bool oom;
    *out = sv_view_dup(r->api, ev->data, key, &oom);
    if (oom)
        r->api->fail(r->ctx, "survey: out of memory reading data.%s of %s", key, ev->id);
    return !oom;
}

static bool require(sv_run *r, const rp_event *ev, const char *key, char **out)
{
    if (!field(r, ev, key, out))
        return false;
    if (*out)
        return true;
    r->api->fail(r->ctx, "survey: %s event %s: data.%s missing or empty", ev->type, ev->id, key);
    return false;
}

static bool out_of_memory(sv_run *r)
{
    r->api->fail(r->ctx, "survey: out of memory");
    return false;
}

static bool next_quarter(sv_run *r, const sv_customer *c, int64_t from_ms, int64_t *due)
{
    if (sv_schedule_next_quarter(r->api->to_local, r->api->from_local, sv_run_tz(r, c->id), from_ms,
                                 (int)r->s->send_hour, due))
        return true;
    r->api->fail(r->ctx, "survey: cannot compute next quarter for customer %s", c->id);
    return false;
}

/* The quarterly round starts at the quarter after the customer's first
 * purchase by event time: a late purchase from an earlier quarter restarts
 * it there (the re-armed timer falls due at once in event time and catches
 * the quarters up, each at its own time). A round not armed (the first
 * purchase, or `quarterly` turned on since) starts after this purchase; a
 * row kept before the first purchase was (first unknown, round armed)
 * keeps its round. */
static bool arm_quarterly(sv_run *r, const rp_event *ev, sv_customer *c)
{
    int64_t old_first = c->first_purchase_ms;
    bool earlier = old_first < 0 || ev->ts_ms < old_first;
    if (earlier) {
        c->first_purchase_ms = ev->ts_ms;
        sv_store_customer(r, ev->partition, c);
    }
    if (!r->s->quarterly || (!earlier && c->quarterly_due_ms > 0))
        return true;
    int64_t due, old_due = INT64_MAX;
    if (!next_quarter(r, c, ev->ts_ms, &due))
        return false;
    if (c->quarterly_due_ms > 0 && old_first < 0)
        return true;
    if (c->quarterly_due_ms > 0 && !next_quarter(r, c, old_first, &old_due))
        return false;
    if (due >= old_due)
        return true;   /* the round starts there already */
    if (!sv_arm_quarterly(r->call, c->id, due))
        return false;
    c->quarterly_due_ms = due;
    sv_store_customer(r, ev->partition, c);
    return true;
}

/* The customer's row exists before any survey of theirs is pending. */
static sv_customer *surveyed(sv_run *r, const rp_event *ev)
{
    sv_customer *c = sv_run_customer(r, ev->customer, true);
    if (c && !c->stored)
        sv_store_customer(r, ev->partition, c);
    return c;
}

/* A survey of the customer days after the event, at the send hour. */
static bool arm_survey(sv_run *r, const rp_event *ev, const char *kind, const char *survey_id,
                       const char *ref, int days)
{
    int64_t due;
    if (!sv_schedule_after_days(r->api->to_local, r->api->from_local, sv_run_tz(r, ev->customer), ev->ts_ms,
                                days, (int)r->s->send_hour, &due)) {
        r->api->fail(r->ctx, "survey: cannot schedule the %s survey of %s", kind, ev->customer);
        return false;
    }
    return sv_arm_send(r->call, ev->customer, kind, survey_id, ref, due, due);
}

static bool on_purchase(sv_run *r, const rp_event *ev)
{
    char *order, *survey_id = NULL;
    bool ok = require(r, ev, "order_id", &order);
    if (ok && !(survey_id = sv_concat("purchase:", ev->customer, ":", order, (char *)NULL)))
        ok = out_of_memory(r);
    sv_customer *c = ok ? surveyed(r, ev) : NULL;
    if (ok && !c)
        ok = out_of_memory(r);
    ok = ok && arm_survey(r, ev, "purchase", survey_id, order, r->s->purchase_delay_days)
         && arm_quarterly(r, ev, c);
    free(order);
    free(survey_id);
    return ok;
}

/* The customer's zone is the latest upsert's by event time that names one. */
static bool on_upsert(sv_run *r, const rp_event *ev)
{
    char *tz;
    if (!field(r, ev, "timezone", &tz))
        return false;
    if (!tz)
        return true;
    sv_customer *c = sv_run_customer(r, ev->customer, true);
    if (!c) {
        free(tz);
        return out_of_memory(r);
    }
    bool later = c->timezone_ms < 0 || sv_precedes(c->timezone_ms, c->timezone_event, ev->ts_ms, ev->id);
    if (!later) {
        free(tz);
        return true;
    }
    if (!sv_set_id(&c->timezone_event, ev->id)) {
        free(tz);
        return out_of_memory(r);
    }
    free(c->timezone);
    c->timezone = tz;
    c->timezone_ms = ev->ts_ms;
    sv_store_customer(r, ev->partition, c);
    return true;
}

static bool open_complaint(sv_run *r, const rp_event *ev, const char *id, const char *category,
                           const char *text, sv_severity sev)
{
    sv_complaint *c = sv_run_complaint(r, id, ev->customer, true);
    if (!c || !sv_set_id(&c->opened_event, ev->id))
        return out_of_memory(r);
    c->severity = sev;
    c->opened_ms = ev->ts_ms;
    return sv_complaint_start(r, c, ev->partition, "event", NULL, category, text);
}

/* The same complaint reported twice: the first report by event time counts,
 * so a late earlier report moves the complaint to it. */
static bool report_again(sv_run *r, const rp_event *ev, sv_complaint *c, const char *category,
                         const char *text, sv_severity sev)
{
    if (c->from_survey || strcmp(c->customer, ev->customer) != 0
        || !sv_precedes(ev->ts_ms, ev->id, c->opened_ms, c->opened_event))
        return true;
    if (!sv_set_id(&c->opened_event, ev->id))
        return out_of_memory(r);
    c->opened_ms = ev->ts_ms;
    c->severity = sev;
    return sv_complaint_move(r, c, category, text);
}

static bool on_complaint_opened(sv_run *r, const rp_event *ev)
{
    char *id, *sev_text = NULL, *category = NULL, *text = NULL;
    if (!require(r, ev, "complaint_id", &id))
        return false;
    sv_severity sev = SV_SEV_NORMAL;
    bool ok = field(r, ev, "severity", &sev_text) && field(r, ev, "category", &category)
              && field(r, ev, "text", &text);
    if (ok && sev_text && !sv_severity_parse(sev_text, &sev)) {
        r->api->fail(r->ctx, "survey: complaint.opened %s: data.severity '%s' unknown", ev->id, sev_text);
        ok = false;
    }
    sv_complaint *c = ok ? sv_run_complaint(r, id, ev->customer, false) : NULL;
    if (ok)
        ok = c ? report_again(r, ev, c, category, text, sev) : open_complaint(r, ev, id, category, text, sev);
    free(id);
    free(sev_text);
    free(category);
    free(text);
    return ok;
}

/* A contact naming the complaint is a response to it (core convention);
 * the first response is the earliest by event time, whichever arrives
 * first, also after the resolution. A contact about an unknown complaint
 * changes nothing. The first-response clock stops only when the response
 * came before its deadline: a later one is a breach its timer still
 * reports, by event time. */
static bool on_contact(sv_run *r, const rp_event *ev)
{
    char *id;
    if (!field(r, ev, "complaint_id", &id))
        return false;
    sv_complaint *c = id ? sv_run_complaint(r, id, ev->customer, false) : NULL;
    bool ok = true;
    if (c && (c->first_response_ms < 0 || ev->ts_ms < c->first_response_ms)) {
        c->first_response_ms = ev->ts_ms;
        char at[24];
        sv_num(at, sizeof at, ev->ts_ms);
        const char *p[] = {r->tenant, id, at};
        r->api->db_defer(r->ctx, "UPDATE survey_complaints SET first_response_ms = $3::bigint,"
                                 " first_response_met = $3::bigint <= first_response_due_ms"
                                 " WHERE tenant = $1 AND complaint_id = $2"
                                 " AND (first_response_ms IS NULL OR first_response_ms > $3::bigint)", 3, p);
        if (ev->ts_ms < c->first_due_ms)
            ok = sv_cancel(r->call, SV_KEY_SLA_FIRST, id);
    }
    free(id);
    return ok;
}

static bool write_resolution(sv_run *r, const rp_event *ev, sv_complaint *c, const char *outcome)
{
    int64_t business;
    char month[8];
    if (!sv_bh_between(&r->cal, c->opened_ms, ev->ts_ms, &business)) {
        r->api->fail(r->ctx, "survey: cannot count business time of complaint %s", c->id);
        return false;
    }
    if (!sv_month_of(r, ev->ts_ms, month, sizeof month))
        return false;
    char at[24], biz[24];
    sv_num(at, sizeof at, ev->ts_ms);
    sv_num(biz, sizeof biz, business);
    const char *p[] = {r->tenant, c->id, at, month, outcome ? outcome : "resolved", biz, ev->id};
    /* Resolving is also responding: the first response is the earliest of
     * the contacts and the resolution. */
    r->api->db_defer(r->ctx,
        "UPDATE survey_complaints SET resolved_ms = $3::bigint, resolved_month = $4, outcome = $5,"
        " resolution_business_ms = $6::bigint, resolution_met = $3::bigint <= resolution_due_ms,"
        " resolved_event = $7,"
        " first_response_ms = LEAST(coalesce(first_response_ms, $3::bigint), $3::bigint),"
        " first_response_met = LEAST(coalesce(first_response_ms, $3::bigint), $3::bigint)"
        "  <= first_response_due_ms"
        " WHERE tenant = $1 AND complaint_id = $2", 7, p);
    return true;
}

/* Records the resolution (the earliest by event time), stops the clocks it
 * met and arms the after-complaint survey from it: a late earlier
 * resolution moves the survey's due time, unless it went out already. */
static bool resolve(sv_run *r, const rp_event *ev, sv_complaint *c, const char *outcome)
{
    if (!write_resolution(r, ev, c, outcome))
        return false;
    if (!sv_set_id(&c->resolved_event, ev->id))
        return out_of_memory(r);
    c->resolved_ms = ev->ts_ms;
    if (c->first_response_ms < 0 || ev->ts_ms < c->first_response_ms)
        c->first_response_ms = ev->ts_ms;
    if ((c->first_response_ms < c->first_due_ms && !sv_cancel(r->call, SV_KEY_SLA_FIRST, c->id))
        || (ev->ts_ms < c->resolve_due_ms && !sv_cancel(r->call, SV_KEY_SLA_RESOLVE, c->id)))
        return false;
    char *survey_id = sv_concat("complaint:", c->id, (char *)NULL);
    bool ok = survey_id && surveyed(r, ev);
    if (!ok)
        out_of_memory(r);
    ok = ok && arm_survey(r, ev, "complaint", survey_id, c->id, r->s->complaint_delay_days);
    free(survey_id);
    return ok;
}

static bool on_complaint_resolved(sv_run *r, const rp_event *ev)
{
    char *id, *outcome = NULL;
    if (!require(r, ev, "complaint_id", &id))
        return false;
    bool ok = field(r, ev, "outcome", &outcome);
    sv_complaint *c = ok ? sv_run_complaint(r, id, ev->customer, false) : NULL;
    if (ok && !c)
        r->api->log(r->ctx, RP_LOG_INFO, "complaint.resolved %s: complaint %s was never opened; ignored",
                    ev->id, id);
    else if (ok && sv_precedes(ev->ts_ms, ev->id, c->resolved_ms, c->resolved_event))
        ok = resolve(r, ev, c, outcome);
    free(id);
    free(outcome);
    return ok;
}

/* A suggestion keeps its first report by event time (time, topic, text)
 * and the adoption flag of its latest report that carries one, whatever
 * order the reports arrive in. */
#define SUGGESTION_EARLIER \
    "(EXCLUDED.ts_ms < s.ts_ms OR (EXCLUDED.ts_ms = s.ts_ms AND EXCLUDED.event_id COLLATE \"C\" < s.event_id))"
#define SUGGESTION_LATER \
    "(EXCLUDED.adopted_ms IS NOT NULL AND (s.adopted_ms IS NULL OR EXCLUDED.adopted_ms > s.adopted_ms" \
    " OR (EXCLUDED.adopted_ms = s.adopted_ms AND EXCLUDED.adopted_event COLLATE \"C\" > s.adopted_event)))"
#define SUGGESTION_SET(col, cond) " " col " = CASE WHEN " cond " THEN EXCLUDED." col " ELSE s." col " END"

static const char suggestion_sql[] =
    "INSERT INTO survey_suggestions AS s (tenant, suggestion_id, customer, partition, ts_ms, topic, text,"
    " adopted, event_id, adopted_ms, adopted_event) VALUES ($1, $2, $3, $4::int, $5::bigint, $6, $7,"
    " $8::boolean, $9, CASE WHEN $8::boolean IS NULL THEN NULL ELSE $5::bigint END,"
    " CASE WHEN $8::boolean IS NULL THEN NULL ELSE $9 END)"
    " ON CONFLICT (tenant, suggestion_id) DO UPDATE SET"
    SUGGESTION_SET("ts_ms", SUGGESTION_EARLIER) "," SUGGESTION_SET("topic", SUGGESTION_EARLIER) ","
    SUGGESTION_SET("text", SUGGESTION_EARLIER) "," SUGGESTION_SET("event_id", SUGGESTION_EARLIER) ","
    SUGGESTION_SET("adopted", SUGGESTION_LATER) "," SUGGESTION_SET("adopted_ms", SUGGESTION_LATER) ","
    SUGGESTION_SET("adopted_event", SUGGESTION_LATER);

static bool on_suggestion(sv_run *r, const rp_event *ev)
{
    char *id = NULL, *topic = NULL, *text = NULL, part[16], at[24];
    bool ok = field(r, ev, "suggestion_id", &id) && field(r, ev, "topic", &topic) && field(r, ev, "text", &text);
    if (ok) {
        bool adopted = false;
        bool has_adopted = r->api->view_bool(r->api->view_get(ev->data, "adopted"), &adopted);
        sv_num(part, sizeof part, ev->partition);
        sv_num(at, sizeof at, ev->ts_ms);
        const char *p[] = {r->tenant, id ? id : ev->id, ev->customer, part, at, topic, text,
                           has_adopted ? (adopted ? "t" : "f") : NULL, ev->id};
        r->api->db_defer(r->ctx, suggestion_sql, 9, p);
    }
    free(id);
    free(topic);
    free(text);
    return ok;
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
        free(c->timezone_event);
        c->timezone_event = NULL;
        c->timezone_ms = -1;
        c->first_purchase_ms = -1;
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
