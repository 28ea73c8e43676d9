/*
 * handlers.c - one event applied to the run's working set: org fields,
 * memberships (with the champion rule when someone leaves), interactions
 * that strengthen a relationship, and personality styles. Each event marks
 * the orgs whose coverage it can change; assess.c re-evaluates them.
 */
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "emit.h"
#include "glue.h"
#include "rapport/rp_text.h"

/* Every org the person is an active member of may see a gap close. */
static void mark_orgs_of(sh_run *r, size_t person)
{
    for (size_t i = 0; i < r->nmembers; i++)
        if (r->members[i].person == person && r->members[i].active)
            r->orgs[r->members[i].org].affected = true;
}

static bool on_org_upsert(sh_run *r, const rp_event *ev)
{
    size_t org = sh_run_org(r, ev->org, true);
    if (org == SH_NONE || !sh_store_org_fields(r, org, ev))
        return false;
    bool oom = false;
    char *owner = sh_data_str(r, ev->data, "owner", &oom);
    bool ok = oom ? sh_fail_oom(r, "reading data.owner") : !owner || sh_run_set_owner(r, org, owner);
    free(owner);
    r->orgs[org].affected = true;   /* a new org: its six gaps open */
    return ok;
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

static bool on_stakeholder_upsert(sh_run *r, const rp_event *ev)
{
    unsigned roles;
    if (!read_roles(r, ev, &roles))
        return false;
    bool oom = false;
    char *text = sh_data_str(r, ev->data, "attitude", &oom);
    sh_attitude attitude = SH_ATTITUDE_NEUTRAL;
    bool has_attitude = text != NULL, known = !text || sh_attitude_parse(text, &attitude);
    if (!known)
        r->api->fail(r->ctx, "stakeholder: event %s: data.attitude '%s' is not supporter, neutral "
                             "or opponent", ev->id, text);
    free(text);
    if (oom)
        return sh_fail_oom(r, "reading data.attitude");
    if (!known)
        return false;
    size_t org = sh_run_org(r, ev->org, true);
    size_t person = org == SH_NONE ? SH_NONE : sh_run_person(r, ev->customer, true);
    size_t m = person == SH_NONE ? SH_NONE : sh_run_member(r, org, person, true);
    if (m == SH_NONE)
        return false;
    sh_member *member = &r->members[m];
    if (has_attitude || !member->active)
        member->attitude = has_attitude ? attitude : SH_ATTITUDE_NEUTRAL;
    member->roles = roles;
    member->active = true;
    r->orgs[org].affected = true;
    return sh_store_member(r, m, ev);
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

/* The care request and org.champion_left of a champion who left. */
static bool champion_left(sh_run *r, size_t org, size_t person, size_t m, const rp_event *ev,
                          const char *reason)
{
    char roles[256];
    sh_roles_to_array_literal(r->members[m].roles, roles, sizeof roles);
    char *request_id = champion_request_id(r, ev);
    bool ok = request_id && sh_store_care_request(r, org, person, ev, roles, request_id)
           && sh_emit_champion_left(r, m, reason, request_id);
    free(request_id);
    return ok;
}

static bool on_stakeholder_left(sh_run *r, const rp_event *ev)
{
    size_t org = sh_run_org(r, ev->org, true);
    size_t person = org == SH_NONE ? SH_NONE : sh_run_person(r, ev->customer, true);
    size_t m = person == SH_NONE ? SH_NONE : sh_run_member(r, org, person, false);
    if (m == SH_NONE || !r->members[m].active) {
        /* not (or no longer) a member: nothing to remove, documented no-op */
        r->api->log(r->ctx, RP_LOG_DEBUG, "stakeholder: %s left %s but was not a member (event %s)",
                    ev->customer, ev->org, ev->id);
        return true;
    }
    bool oom = false;
    char *reason = sh_data_str(r, ev->data, "reason", &oom);
    if (oom)
        return sh_fail_oom(r, "reading data.reason");
    sh_member *member = &r->members[m];
    bool ok = !sh_is_champion(member->roles, member->attitude)
           || champion_left(r, org, person, m, ev, reason);
    member->active = false;
    r->orgs[org].affected = true;
    ok = ok && sh_store_member_left(r, m, ev, reason);
    free(reason);
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

static bool on_interaction(sh_run *r, const rp_event *ev)
{
    size_t person = sh_run_person(r, ev->customer, true);
    if (person == SH_NONE)
        return false;
    sh_person *p = &r->people[person];
    sh_strength_add(&p->strength, ev->ts_ms, interaction_weight(r, ev->type), &r->s->strength);
    p->interactions++;
    if (ev->ts_ms > p->last_ms)
        p->last_ms = ev->ts_ms;
    p->dirty = true;
    mark_orgs_of(r, person);
    return true;
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
    r->people[person].style = style;
    r->people[person].dirty = true;
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
