/*
 * handlers.c - one event recorded as a fact: org fields, memberships (with
 * the champion rule when someone leaves), interactions that strengthen a
 * relationship, personality styles. Each fact is kept with its event time
 * and every stored value is folded from the facts in event-time order, so
 * a late event corrects what it changes. Coverage is not evaluated here:
 * each event arms the evaluation of the orgs it can change, on the tenant
 * clock (assess.c).
 */
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "emit.h"
#include "glue.h"
#include "rapport/rp_text.h"

/* Every org the person is a member of (in any state: a late contact may
 * fall in a time they were active) may see a gap close. */
static void arm_orgs_of(sh_run *r, size_t person, int64_t ts_ms)
{
    for (size_t i = 0; i < r->nmembers; i++)
        if (r->members[i].person == person)
            sh_assess_arm(r, r->members[i].org, ts_ms);
}

static bool on_org_upsert(sh_run *r, const rp_event *ev)
{
    size_t org = sh_run_org(r, ev->org, true);
    if (org == SH_NONE || !sh_store_org_log(r, org, ev))
        return false;
    sh_assess_arm(r, org, ev->ts_ms);   /* a new org: its six gaps open */
    return true;
}

/* Roles from data.roles; false after api->fail naming the field. */
static bool read_roles(sh_run *r, const rp_event *ev, unsigned *roles)
{
    rp_view list = r->api->view_get(ev->data, "roles");
    if (r->api->view_kind(list) != RP_VIEW_ARRAY) {
        r->api->fail(r->ctx, "stakeholder: event %s: data.roles must be an array of roles", ev->id);
        return false;
    }
    *roles = 0;
    rp_view_iter it;
    rp_view item;
    r->api->view_iter_init(list, &it);
    for (size_t i = 0; r->api->view_iter_next(&it, &item); i++) {
        bool oom = false;
        char *name = sh_view_dup(r, item, &oom);
        sh_role role;
        bool known = name && sh_role_parse(name, &role);
        free(name);
        if (oom)
            return sh_fail_oom(r, "reading data.roles");
        if (!known) {
            r->api->fail(r->ctx, "stakeholder: event %s: data.roles[%zu] is not a known role", ev->id, i);
            return false;
        }
        *roles |= SH_ROLE_BIT(role);
    }
    return true;
}

/* data.attitude, when present, must be one of the three. */
static bool check_attitude(sh_run *r, const rp_event *ev)
{
    bool oom = false;
    char *text = sh_data_str(r, ev->data, "attitude", &oom);
    sh_attitude attitude;
    bool known = !text || sh_attitude_parse(text, &attitude);
    if (!known)
        r->api->fail(r->ctx, "stakeholder: event %s: data.attitude '%s' is not supporter, neutral "
                             "or opponent", ev->id, text);
    free(text);
    return oom ? sh_fail_oom(r, "reading data.attitude") : known;
}

/* The member row folded from the member's log, the entry just deferred
 * included; the person is linked to the org for the run's later contacts. */
static bool refresh_member(sh_run *r, size_t org, size_t person, sh_member_log *log)
{
    sh_member_state state;
    sh_member_log_fold(log, &state);
    if (!state.joined)
        return true;   /* only lefts so far: not a member, no row */
    return sh_run_member(r, org, person, true) != SH_NONE && sh_store_member_row(r, org, person, &state);
}

static bool on_stakeholder_upsert(sh_run *r, const rp_event *ev)
{
    unsigned roles;
    if (!read_roles(r, ev, &roles) || !check_attitude(r, ev))
        return false;
    size_t org = sh_run_org(r, ev->org, true);
    size_t person = org == SH_NONE ? SH_NONE : sh_run_person(r, ev->customer, true);
    if (person == SH_NONE || !sh_store_member_log(r, org, person, ev, roles))
        return false;
    sh_member_log *log = sh_member_log_read(r, org, person);
    bool ok = log && refresh_member(r, org, person, log);
    sh_member_log_free(r, log);
    sh_assess_arm(r, org, ev->ts_ms);
    return ok;
}

/* "stakeholder:champion_left:ORG:PERSON:EVENT_ID", in full (ids of any
 * valid length); NULL after api->fail. The care request's idempotency key
 * and the derived event's care_request_id. */
static char *champion_request_id(sh_run *r, const rp_event *ev)
{
    rp_text id = {0};
    rp_text_printf(&id, "stakeholder:champion_left:%s:%s:%s", ev->org, ev->customer, ev->id);
    if (!rp_text_get(&id)) {
        rp_text_free(&id);
        sh_fail_oom(r, "building a care request id");
        return NULL;
    }
    return id.data;   /* rp_text_get succeeded: data is the NUL-terminated text */
}

/* The care request and org.champion_left of a champion who left: the
 * request goes to the org's owner as of the left. */
static bool champion_left(sh_run *r, size_t org, size_t person, const sh_member_state *was,
                          const rp_event *ev)
{
    char roles[256];
    sh_roles_to_array_literal(was->roles, roles, sizeof roles);
    bool oom = false;
    char *reason = sh_data_str(r, ev->data, "reason", &oom);
    char *owner = NULL;
    char *request_id = oom ? NULL : champion_request_id(r, ev);
    bool ok = oom ? sh_fail_oom(r, "reading data.reason")
                  : request_id && sh_store_owner_at(r, org, ev->ts_ms, &owner)
                        && sh_store_care_request(r, org, person, ev, owner, roles, request_id)
                        && sh_emit_champion_left(r, person, was, owner, reason, request_id);
    free(reason);
    free(owner);
    free(request_id);
    return ok;
}

/* Whether the person was an active member just before this left, by event
 * time: a left of a non-member is a no-op, a champion's raises the alarm.
 * Decided when the left is handled (an org's events come in the
 * publisher's order, docs "Late events and arrival order"). */
static bool left_effects(sh_run *r, size_t org, size_t person, const sh_member_log *log,
                         const rp_event *ev)
{
    sh_member_state was;
    if (!sh_member_log_fold_before(log, ev->id, &was) || !was.active) {
        r->api->log(r->ctx, RP_LOG_DEBUG, "stakeholder: %s left %s but was not a member (event %s)",
                    ev->customer, ev->org, ev->id);
        return true;
    }
    return !sh_is_champion(was.roles, was.attitude) || champion_left(r, org, person, &was, ev);
}

static bool on_stakeholder_left(sh_run *r, const rp_event *ev)
{
    size_t org = sh_run_org(r, ev->org, true);
    size_t person = org == SH_NONE ? SH_NONE : sh_run_person(r, ev->customer, true);
    if (person == SH_NONE || !sh_store_member_log(r, org, person, ev, 0))
        return false;
    sh_member_log *log = sh_member_log_read(r, org, person);
    bool ok = log && left_effects(r, org, person, log, ev) && refresh_member(r, org, person, log);
    sh_member_log_free(r, log);
    sh_assess_arm(r, org, ev->ts_ms);
    return ok;
}

static double interaction_weight(const sh_run *r, const char *type)
{
    if (strcmp(type, "contact") == 0)
        return r->s->weight_contact;
    if (strcmp(type, "care.done") == 0)
        return r->s->weight_care_done;
    return r->s->weight_activity;
}

/* The interaction counted in the person's strength: added on top when it
 * is the newest, else the strength folded again from the log in event-time
 * order (the same bits as if it had arrived in order). */
static bool on_interaction(sh_run *r, const rp_event *ev)
{
    size_t person = sh_run_person(r, ev->customer, true);
    if (person == SH_NONE)
        return false;
    double weight = interaction_weight(r, ev->type);
    if (!sh_store_interaction(r, person, ev, weight))
        return false;
    sh_person *p = &r->people[person];
    if (p->interactions == 0 || ev->ts_ms > p->strength.ref_ms)
        sh_strength_add(&p->strength, ev->ts_ms, weight, &r->s->strength);
    else if (!sh_store_refold(r, person))
        return false;
    /* first_ms stays unknown (-1) for people whose interactions predate it */
    if (p->interactions == 0 || (p->first_ms >= 0 && ev->ts_ms < p->first_ms))
        p->first_ms = ev->ts_ms;
    p->interactions++;
    if (ev->ts_ms > p->last_ms)
        p->last_ms = ev->ts_ms;
    p->dirty = true;
    arm_orgs_of(r, person, ev->ts_ms);
    return true;
}

/* Whether (ts, id) comes after the person's current style's event. */
static bool newer_style(const sh_person *p, const rp_event *ev)
{
    if (p->style_ms < 0 || ev->ts_ms != p->style_ms)
        return ev->ts_ms > p->style_ms;
    return !p->style_event || strcmp(ev->id, p->style_event) > 0;
}

static bool on_customer_upsert(sh_run *r, const rp_event *ev)
{
    bool oom = false;
    char *text = sh_data_str(r, ev->data, "style", &oom);
    if (oom)
        return sh_fail_oom(r, "reading data.style");
    if (!text)
        return true;   /* no style in this update: nothing for us */
    sh_style style;
    bool known = sh_style_parse(text, &style);
    if (!known)
        r->api->fail(r->ctx, "stakeholder: event %s: data.style '%s' is not dominant, analytical, "
                             "amiable or expressive", ev->id, text);
    free(text);
    if (!known)
        return false;
    size_t person = sh_run_person(r, ev->customer, true);
    if (person == SH_NONE)
        return false;
    sh_person *p = &r->people[person];
    if (!newer_style(p, ev))
        return true;   /* a late update: a later one already set the style */
    char *event = strdup(ev->id);
    if (!event)
        return sh_fail_oom(r, "keeping a style");
    free(p->style_event);
    p->style_event = event;
    p->style_ms = ev->ts_ms;
    p->style = style;
    p->dirty = true;
    return true;
}

bool sh_handle_event(sh_run *r, const rp_event *ev)
{
    const char *type = ev->type;
    bool org_scoped = strncmp(type, "org.", 4) == 0 || strncmp(type, "stakeholder.", 12) == 0;
    if (org_scoped && (!ev->org || (strcmp(type, "org.upsert") != 0 && !ev->customer))) {
        r->api->fail(r->ctx, "stakeholder: event %s (%s): org%s missing", ev->id, type,
                     ev->org ? " customer" : "");
        return false;
    }
    if (strcmp(type, "org.upsert") == 0)
        return on_org_upsert(r, ev);
    if (strcmp(type, "stakeholder.upsert") == 0)
        return on_stakeholder_upsert(r, ev);
    if (strcmp(type, "stakeholder.left") == 0)
        return on_stakeholder_left(r, ev);
    if (strcmp(type, "customer.upsert") == 0)
        return on_customer_upsert(r, ev);
    return on_interaction(r, ev);
}
