/*
 * load.c - reading a run's working set with three set-based queries:
 * (1) the active memberships of every org the run touches, directly (org
 * events) or through a person it touches (a contact counts for every org
 * the person belongs to); (2) the people rows of the run's customers and of
 * those members; (3) the org rows with their open gaps.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rapport/rp_pgarray.h"

static int64_t int_or(const char *text, int64_t fallback)
{
    return text ? strtoll(text, NULL, 10) : fallback;
}

/* A customer.upsert matters only when it carries a style; other customer
 * events (contact, care.done, activity.attended, stakeholder.*) always. */
static bool touches_person(const sh_run *r, const rp_event *ev)
{
    if (!ev->customer)
        return false;
    if (strcmp(ev->type, "customer.upsert") != 0)
        return true;
    return r->api->view_kind(r->api->view_get(ev->data, "style")) == RP_VIEW_STR;
}

static bool load_members(sh_run *r, const char *customers, const char *orgs)
{
    static const char sql[] =
        "WITH o AS (SELECT unnest($3::text[]) AS org"
        "  UNION SELECT org FROM stakeholder_members"
        "   WHERE tenant = $1 AND customer = ANY($2::text[]) AND active)"
        " SELECT m.org, m.customer, m.roles::text, m.attitude"
        "   FROM stakeholder_members m JOIN o ON m.org = o.org"
        "  WHERE m.tenant = $1 AND m.active";
    const char *params[] = {r->tenant, customers, orgs};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 3, params);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        size_t org = sh_run_org(r, r->api->rows_value(rows, i, 0), true);
        size_t person = org == SH_NONE ? SH_NONE : sh_run_person(r, r->api->rows_value(rows, i, 1), true);
        size_t m = person == SH_NONE ? SH_NONE : sh_run_member(r, org, person, true);
        ok = m != SH_NONE;
        if (!ok)
            break;
        r->members[m].roles = sh_roles_from_array_literal(r->api->rows_value(rows, i, 2));
        if (!sh_attitude_parse(r->api->rows_value(rows, i, 3), &r->members[m].attitude))
            r->members[m].attitude = SH_ATTITUDE_NEUTRAL;
        r->members[m].active = true;
    }
    r->api->rows_free(rows);
    return ok;
}

static bool load_people(sh_run *r)
{
    rp_pgarray ids = {0};
    for (size_t i = 0; i < r->npeople; i++)
        rp_pgarray_add(&ids, r->people[i].id);
    const char *literal = rp_pgarray_finish(&ids);
    if (!literal) {
        rp_pgarray_free(&ids);
        return sh_fail_oom(r, "listing people");
    }
    static const char sql[] =
        "SELECT customer, style, strength_raw, strength_ref_ms, interactions, last_interaction_ms"
        "  FROM stakeholder_people WHERE tenant = $1 AND customer = ANY($2::text[])";
    const char *params[] = {r->tenant, literal};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 2, params);
    rp_pgarray_free(&ids);
    if (!rows)
        return false;
    for (int i = 0; i < r->api->rows_count(rows); i++) {
        size_t at = sh_run_person(r, r->api->rows_value(rows, i, 0), false);
        if (at == SH_NONE)
            continue;
        sh_person *p = &r->people[at];
        if (!sh_style_parse(r->api->rows_value(rows, i, 1), &p->style))
            p->style = SH_STYLE_UNKNOWN;
        const char *raw = r->api->rows_value(rows, i, 2);
        p->strength.raw = raw ? strtod(raw, NULL) : 0;
        p->strength.ref_ms = int_or(r->api->rows_value(rows, i, 3), 0);
        p->interactions = int_or(r->api->rows_value(rows, i, 4), 0);
        p->last_ms = int_or(r->api->rows_value(rows, i, 5), -1);
    }
    r->api->rows_free(rows);
    return true;
}

/* "role:kind:opened_ms,..." as aggregated by load_orgs. */
static void parse_gaps(sh_org *o, const char *list)
{
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        char item[128];
        if (n < sizeof item) {
            memcpy(item, p, n);
            item[n] = '\0';
            char *kind = strchr(item, ':');
            char *opened = kind ? strchr(kind + 1, ':') : NULL;
            sh_role role;
            sh_gap_kind gap;
            if (opened) {
                *kind++ = '\0';
                *opened++ = '\0';
                if (sh_role_parse(item, &role) && sh_gap_kind_parse(kind, &gap)) {
                    o->gap[role] = gap;
                    o->gap_opened_ms[role] = strtoll(opened, NULL, 10);
                }
            }
        }
        p += n + (p[n] == ',');
    }
}

static bool load_orgs(sh_run *r)
{
    rp_pgarray ids = {0};
    for (size_t i = 0; i < r->norgs; i++)
        rp_pgarray_add(&ids, r->orgs[i].id);
    const char *literal = rp_pgarray_finish(&ids);
    if (!literal) {
        rp_pgarray_free(&ids);
        return sh_fail_oom(r, "listing orgs");
    }
    static const char sql[] =
        "SELECT o.org, o.owner,"
        "  (SELECT string_agg(g.role || ':' || g.kind || ':' || g.opened_ms, ',')"
        "     FROM stakeholder_gaps g WHERE g.tenant = o.tenant AND g.org = o.org)"
        "  FROM stakeholder_orgs o WHERE o.tenant = $1 AND o.org = ANY($2::text[])";
    const char *params[] = {r->tenant, literal};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 2, params);
    rp_pgarray_free(&ids);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        size_t at = sh_run_org(r, r->api->rows_value(rows, i, 0), false);
        if (at == SH_NONE)
            continue;
        ok = sh_run_set_owner(r, at, r->api->rows_value(rows, i, 1));
        parse_gaps(&r->orgs[at], r->api->rows_value(rows, i, 2));
    }
    r->api->rows_free(rows);
    return ok;
}

static bool load_sets(sh_run *r, const char *customers, const char *orgs)
{
    if (!load_members(r, customers, orgs))
        return false;
    if (r->npeople > 0 && !load_people(r))
        return false;
    return r->norgs == 0 || load_orgs(r);
}

bool sh_store_load(sh_run *r, const rp_event *const *events, size_t n)
{
    rp_pgarray customers = {0}, orgs = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        if (touches_person(r, events[i])) {
            rp_pgarray_add(&customers, events[i]->customer);
            ok = sh_run_person(r, events[i]->customer, true) != SH_NONE;
        }
        if (ok && events[i]->org) {
            rp_pgarray_add(&orgs, events[i]->org);
            ok = sh_run_org(r, events[i]->org, true) != SH_NONE;
        }
    }
    const char *c = rp_pgarray_finish(&customers), *o = rp_pgarray_finish(&orgs);
    if (ok && (!c || !o))
        ok = sh_fail_oom(r, "listing the run's keys");
    ok = ok && load_sets(r, c, o);
    rp_pgarray_free(&customers);
    rp_pgarray_free(&orgs);
    return ok;
}

bool sh_store_load_orgs(sh_run *r, const char *const *orgs, size_t n)
{
    rp_pgarray ids = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        rp_pgarray_add(&ids, orgs[i]);
        ok = sh_run_org(r, orgs[i], true) != SH_NONE;
    }
    const char *o = rp_pgarray_finish(&ids);
    if (ok && !o)
        ok = sh_fail_oom(r, "listing the orgs");
    ok = ok && load_sets(r, "{}", o);
    rp_pgarray_free(&ids);
    return ok;
}
