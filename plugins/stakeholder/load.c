/*
 * load.c - reading a run's working set with a few set-based queries.
 *
 * Events: (1) the memberships (any state) of the people whose interactions
 * the run handles, so a contact arms every org the person belongs to;
 * (2) those people's rows; (3) the rows of the orgs the run arms, for their
 * last evaluation and armed timer.
 *
 * Timers: (1) the orgs with their open gaps, their first fact and their
 * next fact at or after the evaluation instant; (2) every member's state
 * as of that instant (membership.c); (3) the members' strength, folded
 * again from the interaction log for anyone with an interaction at or
 * after the instant (events of later instants may already be handled: the
 * tenant clock only promises that every earlier one is).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rapport/rp_pgarray.h"

static int64_t int_or(const char *text, int64_t fallback)
{
    return text ? strtoll(text, NULL, 10) : fallback;
}

/* A customer.upsert matters only when it carries a style; interactions
 * always. Membership events are the org's (their person is loaded by
 * membership.c when needed). */
static bool touches_person(const sh_run *r, const rp_event *ev)
{
    if (!ev->customer || strncmp(ev->type, "stakeholder.", 12) == 0)
        return false;
    if (strcmp(ev->type, "customer.upsert") != 0)
        return true;
    return r->api->view_kind(r->api->view_get(ev->data, "style")) == RP_VIEW_STR;
}

/* The ids of the run's people or orgs as a text[] literal in *a. */
static const char *people_literal(sh_run *r, rp_pgarray *a)
{
    for (size_t i = 0; i < r->npeople; i++)
        rp_pgarray_add(a, r->people[i].id);
    return rp_pgarray_finish(a);
}

static const char *orgs_literal(sh_run *r, rp_pgarray *a)
{
    for (size_t i = 0; i < r->norgs; i++)
        rp_pgarray_add(a, r->orgs[i].id);
    return rp_pgarray_finish(a);
}

static bool load_links(sh_run *r, const char *customers)
{
    static const char sql[] =
        "SELECT org, customer FROM stakeholder_members WHERE tenant = $1 AND customer = ANY($2::text[])";
    const char *params[] = {r->tenant, customers};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 2, params);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        size_t org = sh_run_org(r, r->api->rows_value(rows, i, 0), true);
        size_t person = org == SH_NONE ? SH_NONE : sh_run_person(r, r->api->rows_value(rows, i, 1), false);
        ok = org != SH_NONE && (person == SH_NONE || sh_run_member_add(r, org, person) != SH_NONE);
    }
    r->api->rows_free(rows);
    return ok;
}

static void read_person(sh_run *r, rp_rows *rows, int i, sh_person *p)
{
    const rp_host_api *api = r->api;
    if (!sh_style_parse(api->rows_value(rows, i, 1), &p->style))
        p->style = SH_STYLE_UNKNOWN;
    const char *raw = api->rows_value(rows, i, 2);
    p->strength.raw = raw ? strtod(raw, NULL) : 0;
    p->strength.ref_ms = int_or(api->rows_value(rows, i, 3), 0);
    p->asof = p->strength;
    p->interactions = int_or(api->rows_value(rows, i, 4), 0);
    p->last_ms = int_or(api->rows_value(rows, i, 5), -1);
    p->first_ms = int_or(api->rows_value(rows, i, 6), -1);
    p->style_ms = int_or(api->rows_value(rows, i, 7), -1);
    const char *event = api->rows_value(rows, i, 8);
    free(p->style_event);
    p->style_event = event ? strdup(event) : NULL;
}

static bool load_people(sh_run *r)
{
    rp_pgarray ids = {0};
    const char *literal = people_literal(r, &ids);
    if (!literal) {
        rp_pgarray_free(&ids);
        return sh_fail_oom(r, "listing people");
    }
    static const char sql[] =
        "SELECT customer, style, strength_raw, strength_ref_ms, interactions, last_interaction_ms,"
        "  first_interaction_ms, style_ms, style_event"
        "  FROM stakeholder_people WHERE tenant = $1 AND customer = ANY($2::text[])";
    const char *params[] = {r->tenant, literal};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 2, params);
    rp_pgarray_free(&ids);
    if (!rows)
        return false;
    for (int i = 0; i < r->api->rows_count(rows); i++) {
        size_t at = sh_run_person(r, r->api->rows_value(rows, i, 0), false);
        if (at != SH_NONE)
            read_person(r, rows, i, &r->people[at]);
    }
    r->api->rows_free(rows);
    return true;
}

/* computed_ms and next_eval_ms of every org of the run (absent rows keep
 * SH_NEVER / SH_NO_TIMER). */
static bool load_org_clocks(sh_run *r, const char *orgs)
{
    static const char sql[] =
        "SELECT org, computed_ms, next_eval_ms FROM stakeholder_orgs"
        "  WHERE tenant = $1 AND org = ANY($2::text[])";
    const char *params[] = {r->tenant, orgs};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 2, params);
    if (!rows)
        return false;
    for (int i = 0; i < r->api->rows_count(rows); i++) {
        size_t at = sh_run_org(r, r->api->rows_value(rows, i, 0), false);
        if (at == SH_NONE)
            continue;
        /* computed_ms 0 is the column's default: never evaluated */
        int64_t computed = int_or(r->api->rows_value(rows, i, 1), 0);
        r->orgs[at].computed_ms = computed > 0 ? computed : SH_NEVER;
        r->orgs[at].next_eval_ms = int_or(r->api->rows_value(rows, i, 2), SH_NO_TIMER);
    }
    r->api->rows_free(rows);
    return true;
}

bool sh_load_for_events(sh_run *r, const rp_event *const *events, size_t n)
{
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        if (touches_person(r, events[i]))
            ok = sh_run_person(r, events[i]->customer, true) != SH_NONE;
        if (ok && events[i]->org)
            ok = sh_run_org(r, events[i]->org, true) != SH_NONE;
    }
    if (!ok)
        return false;
    rp_pgarray people = {0}, orgs = {0};
    const char *p = people_literal(r, &people);
    ok = p ? (r->npeople == 0 || (load_links(r, p) && load_people(r)))
           : sh_fail_oom(r, "listing the run's people");
    const char *o = ok ? orgs_literal(r, &orgs) : NULL;
    if (ok && !o)
        ok = sh_fail_oom(r, "listing the run's orgs");
    ok = ok && (r->norgs == 0 || load_org_clocks(r, o));
    rp_pgarray_free(&people);
    rp_pgarray_free(&orgs);
    return ok;
}

/* ---- timers ---- */

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

static bool load_orgs(sh_run *r, const char *orgs, const char *now)
{
    /* LEAST ignores NULLs: an org without members has no member facts */
    static const char sql[] =
        "SELECT o.org, o.computed_ms, o.next_eval_ms,"
        "  (SELECT string_agg(g.role || ':' || g.kind || ':' || g.opened_ms, ',')"
        "     FROM stakeholder_gaps g WHERE g.tenant = o.tenant AND g.org = o.org),"
        "  LEAST((SELECT min(l.ts_ms) FROM stakeholder_org_log l"
        "          WHERE l.tenant = o.tenant AND l.org = o.org),"
        "        (SELECT min(l.ts_ms) FROM stakeholder_member_log l"
        "          WHERE l.tenant = o.tenant AND l.org = o.org)),"
        "  LEAST((SELECT min(l.ts_ms) FROM stakeholder_org_log l"
        "          WHERE l.tenant = o.tenant AND l.org = o.org AND l.ts_ms >= $3),"
        "        (SELECT min(l.ts_ms) FROM stakeholder_member_log l"
        "          WHERE l.tenant = o.tenant AND l.org = o.org AND l.ts_ms >= $3),"
        "        (SELECT min(i.ts_ms) FROM stakeholder_members m JOIN stakeholder_interactions i"
        "            ON i.tenant = m.tenant AND i.customer = m.customer"
        "          WHERE m.tenant = o.tenant AND m.org = o.org AND i.ts_ms >= $3))"
        "  FROM stakeholder_orgs o WHERE o.tenant = $1 AND o.org = ANY($2::text[])";
    const char *params[] = {r->tenant, orgs, now};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 3, params);
    if (!rows)
        return false;
    for (int i = 0; i < r->api->rows_count(rows); i++) {
        size_t at = sh_run_org(r, r->api->rows_value(rows, i, 0), false);
        if (at == SH_NONE)
            continue;
        sh_org *o = &r->orgs[at];
        int64_t computed = int_or(r->api->rows_value(rows, i, 1), 0);
        o->computed_ms = computed > 0 ? computed : SH_NEVER;
        o->next_eval_ms = int_or(r->api->rows_value(rows, i, 2), SH_NO_TIMER);
        parse_gaps(o, r->api->rows_value(rows, i, 3));
        o->born_ms = int_or(r->api->rows_value(rows, i, 4), INT64_MAX);
        o->next_fact_ms = int_or(r->api->rows_value(rows, i, 5), INT64_MAX);
    }
    r->api->rows_free(rows);
    return true;
}

/* Folds each listed person's interactions before r->now again into asof. */
static bool fold_asof(sh_run *r, const char *customers, const char *now)
{
    static const char sql[] =
        "SELECT customer, ts_ms, weight FROM stakeholder_interactions"
        "  WHERE tenant = $1 AND customer = ANY($2::text[]) AND ts_ms < $3"
        "  ORDER BY customer, ts_ms, event_id COLLATE \"C\"";
    const char *params[] = {r->tenant, customers, now};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 3, params);
    if (!rows)
        return false;
    for (int i = 0; i < r->api->rows_count(rows); i++) {
        size_t at = sh_run_person(r, r->api->rows_value(rows, i, 0), false);
        if (at == SH_NONE)
            continue;
        sh_strength_add(&r->people[at].asof, int_or(r->api->rows_value(rows, i, 1), 0),
                        strtod(r->api->rows_value(rows, i, 2), NULL), &r->s->strength);
    }
    r->api->rows_free(rows);
    return true;
}

/* asof = strength, except for people with an interaction at or after
 * r->now: theirs is folded again from the log without those. */
static bool load_strengths(sh_run *r, const char *now)
{
    if (r->npeople == 0 || !load_people(r))
        return r->npeople == 0;
    rp_pgarray later = {0};
    size_t count = 0;
    for (size_t i = 0; i < r->npeople; i++) {
        sh_person *p = &r->people[i];
        if (p->interactions > 0 && p->strength.ref_ms >= r->now) {
            p->asof = (sh_strength){0};
            rp_pgarray_add(&later, p->id);
            count++;
        }
    }
    const char *literal = rp_pgarray_finish(&later);
    bool ok = literal ? count == 0 || fold_asof(r, literal, now) : sh_fail_oom(r, "listing people");
    rp_pgarray_free(&later);
    return ok;
}

bool sh_load_for_timers(sh_run *r, const char *const *orgs, size_t n)
{
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = sh_run_org(r, orgs[i], true) != SH_NONE;
    if (!ok)
        return false;
    char now[24];
    snprintf(now, sizeof now, "%" PRId64, r->now);
    rp_pgarray ids = {0};
    const char *literal = orgs_literal(r, &ids);
    ok = literal ? load_orgs(r, literal, now) && sh_member_log_load_orgs(r, literal)
                 : sh_fail_oom(r, "listing the orgs");
    rp_pgarray_free(&ids);
    return ok && load_strengths(r, now);
}
