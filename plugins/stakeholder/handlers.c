/*
 * handlers.c - one event applied to the run's working set: org fields,
 * memberships (with the champion rule when someone leaves), interactions
 * that strengthen a relationship, and personality styles. Each event marks
 * the orgs whose coverage it can change; assess.c re-evaluates them.
 */
#include <stdio.h>
#include <string.h>

#include "advice.h"
#include "emit.h"
#include "glue.h"

#define REASON_MAX 1024

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
    char owner[1024];
    if (r->api->view_strcpy(r->api->view_get(ev->data, "owner"), owner, sizeof owner)
        && !sh_run_set_owner(r, org, owner))
        return false;
    r->orgs[org].affected = true;   /* a new org: its six gaps open */
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
        char name[64];
        sh_role role;
        if (!r->api->view_strcpy(item, name, sizeof name)
            || !sh_role_parse(name, &role)) {
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
    char text[32];
    sh_attitude attitude = SH_ATTITUDE_NEUTRAL;
    bool has_attitude = r->api->view_strcpy(r->api->view_get(ev->data, "attitude"), text, sizeof text);
    if (has_attitude && !sh_attitude_parse(text, &attitude)) {
        r->api->fail(r->ctx, "stakeholder: event %s: data.attitude '%s' is not supporter, neutral "
                             "or opponent", ev->id, text);
        return false;
    }
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
    char reason[REASON_MAX];
    bool has_reason = r->api->view_strcpy(r->api->view_get(ev->data, "reason"), reason, sizeof reason);
    sh_member *member = &r->members[m];
    if (sh_is_champion(member->roles, member->attitude)) {
        char roles[256], request_id[1200];
        sh_roles_to_array_literal(member->roles, roles, sizeof roles);
        snprintf(request_id, sizeof request_id, "stakeholder:champion_left:%s:%s:%s", ev->org,
                 ev->customer, ev->id);
        if (!sh_store_care_request(r, org, person, ev, roles)
            || !sh_emit_champion_left(r, m, has_reason ? reason : NULL, request_id))
            return false;
    }
    member->active = false;
    r->orgs[org].affected = true;
    return sh_store_member_left(r, m, ev, has_reason ? reason : NULL);
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
    char text[32];
    if (!r->api->view_strcpy(r->api->view_get(ev->data, "style"), text, sizeof text))
        return true;   /* no style in this update: nothing for us */
    sh_style style;
    if (!sh_style_parse(text, &style)) {
        r->api->fail(r->ctx, "stakeholder: event %s: data.style '%s' is not dominant, analytical, "
                             "amiable or expressive", ev->id, text);
        return false;
    }
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
