/*
 * store.c - the stakeholder plugin's writes, all deferred (one pipelined
 * round trip per run): per-event facts (org fields, memberships, gap
 * changes, care requests) in event order, then the changed people and the
 * re-evaluated orgs with absolute values at the end of the run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "glue.h"
#include "rapport/rp_text.h"

static void num(char *buf, size_t size, int64_t v)
{
    snprintf(buf, size, "%" PRId64, v);
}

static void dbl(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.17g", v);
}

static bool defer(sh_run *r, const char *sql, int n, const char *const *params)
{
    return r->api->db_defer(r->ctx, sql, n, params) == RP_OK;
}

/* Frees the n copies sh_data_str made for one statement's parameters. */
static void free_all(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
}

static const char *int_field(const sh_run *r, const rp_event *ev, const char *key, char *buf,
                             size_t size)
{
    int64_t v;
    if (!r->api->view_int(r->api->view_get(ev->data, key), &v))
        return NULL;
    num(buf, size, v);
    return buf;
}

bool sh_store_org_fields(sh_run *r, size_t org, const rp_event *ev)
{
    static const char sql[] =
        "INSERT INTO stakeholder_orgs AS o (tenant, org, partition, name, industry, size, country,"
        "  timezone, owner, updated_ms) VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8, $9, $10)"
        " ON CONFLICT (tenant, org) DO UPDATE SET name = coalesce(EXCLUDED.name, o.name),"
        "  industry = coalesce(EXCLUDED.industry, o.industry), size = coalesce(EXCLUDED.size, o.size),"
        "  country = coalesce(EXCLUDED.country, o.country),"
        "  timezone = coalesce(EXCLUDED.timezone, o.timezone),"
        "  owner = coalesce(EXCLUDED.owner, o.owner), updated_ms = EXCLUDED.updated_ms";
    static const char *const keys[] = {"name", "industry", "country", "timezone", "owner"};
    enum { NAME, INDUSTRY, COUNTRY, TZ, OWNER, NFIELDS };
    char *f[NFIELDS];
    bool oom = false;
    for (size_t i = 0; i < NFIELDS; i++)
        f[i] = sh_data_str(r, ev->data, keys[i], &oom);
    char part[16], ts[24], size[24];
    num(part, sizeof part, r->orgs[org].partition);
    num(ts, sizeof ts, ev->ts_ms);
    const char *params[] = {
        r->tenant, r->orgs[org].id, part, f[NAME], f[INDUSTRY],
        int_field(r, ev, "size", size, sizeof size), f[COUNTRY], f[TZ], f[OWNER], ts,
    };
    bool ok = oom ? sh_fail_oom(r, "reading org.upsert") : defer(r, sql, 10, params);
    free_all(f, NFIELDS);
    return ok;
}

bool sh_store_member(sh_run *r, size_t member, const rp_event *ev)
{
    static const char sql[] =
        "INSERT INTO stakeholder_members AS m (tenant, org, customer, partition, roles, influence,"
        "  attitude, title, interests_collective, interests_personal, active, joined_ms, updated_ms)"
        " VALUES ($1, $2, $3, $4, $5::text[], coalesce($6::int, 3), coalesce($7, 'neutral'), $8, $9,"
        "  $10, true, $11, $11)"
        " ON CONFLICT (tenant, org, customer) DO UPDATE SET roles = EXCLUDED.roles,"
        "  influence = coalesce($6::int, m.influence), attitude = coalesce($7, CASE WHEN m.active THEN m.attitude ELSE 'neutral' END),"
        "  title = coalesce($8, m.title),"
        "  interests_collective = coalesce($9, m.interests_collective),"
        "  interests_personal = coalesce($10, m.interests_personal),"
        "  joined_ms = CASE WHEN m.active THEN m.joined_ms ELSE EXCLUDED.joined_ms END,"
        "  active = true, left_ms = NULL, left_reason = NULL, updated_ms = EXCLUDED.updated_ms";
    static const char *const keys[] = {"attitude", "title", "interests_collective",
                                       "interests_personal"};
    enum { ATTITUDE, TITLE, COLLECTIVE, PERSONAL, NFIELDS };
    const sh_member *m = &r->members[member];
    char part[16], ts[24], roles[256], influence[24];
    num(part, sizeof part, r->orgs[m->org].partition);
    num(ts, sizeof ts, ev->ts_ms);
    if (!sh_roles_to_array_literal(m->roles, roles, sizeof roles))
        return false;
    char *f[NFIELDS];
    bool oom = false;
    for (size_t i = 0; i < NFIELDS; i++)
        f[i] = sh_data_str(r, ev->data, keys[i], &oom);
    const char *params[] = {
        r->tenant, r->orgs[m->org].id, r->people[m->person].id, part, roles,
        int_field(r, ev, "influence", influence, sizeof influence),
        f[ATTITUDE], f[TITLE], f[COLLECTIVE], f[PERSONAL], ts,
    };
    bool ok = oom ? sh_fail_oom(r, "reading stakeholder.upsert") : defer(r, sql, 11, params);
    free_all(f, NFIELDS);
    return ok;
}

bool sh_store_member_left(sh_run *r, size_t member, const rp_event *ev, const char *reason)
{
    static const char sql[] =
        "UPDATE stakeholder_members SET active = false, left_ms = $4, left_reason = $5,"
        "  updated_ms = $4 WHERE tenant = $1 AND org = $2 AND customer = $3";
    const sh_member *m = &r->members[member];
    char ts[24];
    num(ts, sizeof ts, ev->ts_ms);
    const char *params[] = {r->tenant, r->orgs[m->org].id, r->people[m->person].id, ts, reason};
    return defer(r, sql, 5, params);
}

bool sh_store_gap(sh_run *r, size_t org, const sh_gap_change *change)
{
    const sh_org *o = &r->orgs[org];
    if (!change->opened) {
        static const char del[] =
            "DELETE FROM stakeholder_gaps WHERE tenant = $1 AND org = $2 AND role = $3";
        const char *params[] = {r->tenant, o->id, sh_role_name(change->role)};
        return defer(r, del, 3, params);
    }
    static const char ins[] =
        "INSERT INTO stakeholder_gaps (tenant, org, role, partition, kind, opened_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, org, role)"
        " DO UPDATE SET kind = EXCLUDED.kind, opened_ms = EXCLUDED.opened_ms";
    char part[16], opened[24];
    num(part, sizeof part, o->partition);
    num(opened, sizeof opened, o->gap_opened_ms[change->role]);
    const char *params[] = {r->tenant, o->id, sh_role_name(change->role), part,
                            sh_gap_kind_name(change->kind), opened};
    return defer(r, ins, 6, params);
}

bool sh_store_care_request(sh_run *r, size_t org, size_t person, const rp_event *ev,
                           const char *roles_text, const char *request_id)
{
    static const char sql[] =
        "INSERT INTO care_requests (tenant, request_id, customer, org, assignee, kind, priority,"
        "  due_ms, reason, source, created_ms) VALUES ($1, $2, NULL, $3, $4, 'champion_left', $5,"
        "  $6, $7, 'stakeholder', $8) ON CONFLICT (tenant, request_id) DO NOTHING";
    const sh_org *o = &r->orgs[org];
    const char *who = r->people[person].id;
    rp_text reason = {0};
    rp_text_printf(&reason,
                   "champion %s (%s, supporter) left %s: find the successor and rebuild coverage of "
                   "the buying roles", who, roles_text, o->id);
    char priority[24], due[24], created[24];
    num(priority, sizeof priority, r->s->champion_priority);
    num(due, sizeof due, ev->ts_ms);
    num(created, sizeof created, r->now);
    const char *params[] = {r->tenant, request_id, o->id, o->owner, priority, due,
                            rp_text_get(&reason), created};
    bool ok = params[6] ? defer(r, sql, 8, params) : sh_fail_oom(r, "building a care request");
    rp_text_free(&reason);
    return ok;
}

static bool save_person(sh_run *r, const sh_person *p)
{
    static const char sql[] =
        "INSERT INTO stakeholder_people AS p (tenant, customer, partition, style, strength_raw,"
        "  strength_ref_ms, interactions, last_interaction_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant, customer) DO UPDATE SET"
        "  style = EXCLUDED.style, strength_raw = EXCLUDED.strength_raw,"
        "  strength_ref_ms = EXCLUDED.strength_ref_ms, interactions = EXCLUDED.interactions,"
        "  last_interaction_ms = EXCLUDED.last_interaction_ms";
    char part[16], raw[32], ref[24], count[24], last[24];
    num(part, sizeof part, p->partition);
    dbl(raw, sizeof raw, p->strength.raw);
    num(ref, sizeof ref, p->strength.ref_ms);
    num(count, sizeof count, p->interactions);
    num(last, sizeof last, p->last_ms);
    const char *params[] = {r->tenant, p->id, part,
                            p->style == SH_STYLE_UNKNOWN ? NULL : sh_style_name(p->style),
                            raw, ref, count, p->last_ms >= 0 ? last : NULL};
    return defer(r, sql, 8, params);
}

static bool save_org(sh_run *r, const sh_org *o)
{
    static const char sql[] =
        "INSERT INTO stakeholder_orgs AS o (tenant, org, partition, members, covered_roles, threads,"
        "  single_threaded, coverage_score, computed_ms, half_life_ms, strength_scale,"
        "  adequate_strength, updated_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $9)"
        " ON CONFLICT (tenant, org) DO UPDATE SET members = EXCLUDED.members,"
        "  covered_roles = EXCLUDED.covered_roles, threads = EXCLUDED.threads,"
        "  single_threaded = EXCLUDED.single_threaded, coverage_score = EXCLUDED.coverage_score,"
        "  computed_ms = EXCLUDED.computed_ms, half_life_ms = EXCLUDED.half_life_ms,"
        "  strength_scale = EXCLUDED.strength_scale, adequate_strength = EXCLUDED.adequate_strength";
    const sh_coverage *c = &o->coverage;
    char part[16], members[16], covered[16], threads[16], score[16], computed[24], half[24],
        scale[32], adequate[32];
    num(part, sizeof part, o->partition);
    num(members, sizeof members, c->members);
    num(covered, sizeof covered, c->covered_roles);
    num(threads, sizeof threads, c->threads);
    num(score, sizeof score, c->score);
    num(computed, sizeof computed, r->now);
    num(half, sizeof half, r->s->strength.half_life_ms);
    dbl(scale, sizeof scale, r->s->strength.scale);
    dbl(adequate, sizeof adequate, r->s->adequate_strength);
    const char *params[] = {r->tenant, o->id, part, members, covered, threads,
                            c->single_threaded ? "true" : "false", score, computed, half, scale,
                            adequate};
    return defer(r, sql, 12, params);
}

bool sh_store_save(sh_run *r)
{
    for (size_t i = 0; i < r->npeople; i++)
        if (r->people[i].dirty && !save_person(r, &r->people[i]))
            return false;
    for (size_t i = 0; i < r->norgs; i++)
        if (r->orgs[i].dirty && !save_org(r, &r->orgs[i]))
            return false;
    return true;
}

/* ---- the advice tables, written at start so reports can read them ---- */

static bool put_advice(rp_ctx *ctx, const rp_host_api *api, const char *topic, const char *key,
                       const char *advice)
{
    static const char sql[] =
        "INSERT INTO stakeholder_advice (topic, key, advice) VALUES ($1, $2, $3)"
        " ON CONFLICT (topic, key) DO UPDATE SET advice = EXCLUDED.advice";
    const char *params[] = {topic, key, advice};
    return api->db_exec(ctx, sql, 3, params) >= 0;
}

bool sh_store_advice(rp_ctx *ctx, const rp_host_api *api)
{
    bool ok = put_advice(ctx, api, "general", "all", sh_general_action());
    for (int i = 0; ok && i < SH_ROLE_COUNT; i++)
        ok = put_advice(ctx, api, "role", sh_role_name((sh_role)i), sh_role_action((sh_role)i));
    for (int i = 0; ok && i < SH_STYLE_COUNT; i++)
        ok = put_advice(ctx, api, "style", sh_style_name((sh_style)i), sh_style_advice((sh_style)i));
    for (int i = 0; ok && i <= SH_ATTITUDE_OPPONENT; i++) {
        const char *advice = sh_attitude_action((sh_attitude)i);
        if (advice)
            ok = put_advice(ctx, api, "attitude", sh_attitude_name((sh_attitude)i), advice);
    }
    return ok;
}
