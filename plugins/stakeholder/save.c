/*
 * save.c - the writes of an evaluation and of the end of a run, deferred:
 * gap changes and champion care requests as they happen, then the changed
 * people and orgs with absolute values; and the advice tables at start.
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
                           const char *owner, const char *roles_text, const char *request_id)
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
    const char *params[] = {r->tenant, request_id, o->id, owner, priority, due,
                            rp_text_get(&reason), created};
    bool ok = params[6] ? defer(r, sql, 8, params) : sh_fail_oom(r, "building a care request");
    rp_text_free(&reason);
    return ok;
}

static bool save_person(sh_run *r, const sh_person *p)
{
    static const char sql[] =
        "INSERT INTO stakeholder_people AS p (tenant, customer, partition, style, strength_raw,"
        "  strength_ref_ms, interactions, last_interaction_ms, first_interaction_ms, style_ms,"
        "  style_event)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (tenant, customer)"
        " DO UPDATE SET style = EXCLUDED.style, strength_raw = EXCLUDED.strength_raw,"
        "  strength_ref_ms = EXCLUDED.strength_ref_ms, interactions = EXCLUDED.interactions,"
        "  last_interaction_ms = EXCLUDED.last_interaction_ms,"
        "  first_interaction_ms = EXCLUDED.first_interaction_ms, style_ms = EXCLUDED.style_ms,"
        "  style_event = EXCLUDED.style_event";
    char part[16], raw[32], ref[24], count[24], last[24], first[24], style_ms[24];
    num(part, sizeof part, p->partition);
    dbl(raw, sizeof raw, p->strength.raw);
    num(ref, sizeof ref, p->strength.ref_ms);
    num(count, sizeof count, p->interactions);
    num(last, sizeof last, p->last_ms);
    num(first, sizeof first, p->first_ms);
    num(style_ms, sizeof style_ms, p->style_ms);
    const char *params[] = {r->tenant, p->id, part,
                            p->style == SH_STYLE_UNKNOWN ? NULL : sh_style_name(p->style),
                            raw, ref, count, p->last_ms >= 0 ? last : NULL,
                            p->first_ms >= 0 ? first : NULL, p->style_ms >= 0 ? style_ms : NULL,
                            p->style_event};
    return defer(r, sql, 11, params);
}

/* An evaluated org: its coverage as of r->now and the settings used; and
 * the armed evaluation (NULL: none). The row exists (arming created it). */
static bool save_org(sh_run *r, const sh_org *o)
{
    static const char evaluated[] =
        "UPDATE stakeholder_orgs SET members = $3, covered_roles = $4, threads = $5,"
        "  single_threaded = $6, coverage_score = $7, computed_ms = $8, half_life_ms = $9,"
        "  strength_scale = $10, adequate_strength = $11, next_eval_ms = $12"
        " WHERE tenant = $1 AND org = $2";
    const sh_coverage *c = &o->coverage;
    char members[16], covered[16], threads[16], score[16], computed[24], half[24], scale[32],
        adequate[32], next[24];
    num(members, sizeof members, c->members);
    num(covered, sizeof covered, c->covered_roles);
    num(threads, sizeof threads, c->threads);
    num(score, sizeof score, c->score);
    num(computed, sizeof computed, o->computed_ms);
    num(half, sizeof half, r->s->strength.half_life_ms);
    dbl(scale, sizeof scale, r->s->strength.scale);
    dbl(adequate, sizeof adequate, r->s->adequate_strength);
    num(next, sizeof next, o->next_eval_ms);
    const char *params[] = {r->tenant, o->id, members, covered, threads,
                            c->single_threaded ? "true" : "false", score, computed, half, scale,
                            adequate, o->next_eval_ms == SH_NO_TIMER ? NULL : next};
    return defer(r, evaluated, 12, params);
}

/* An org whose evaluation was armed (created when its first fact comes). */
static bool save_armed(sh_run *r, const sh_org *o)
{
    static const char sql[] =
        "INSERT INTO stakeholder_orgs (tenant, org, partition, next_eval_ms) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (tenant, org) DO UPDATE SET next_eval_ms = EXCLUDED.next_eval_ms";
    char part[16], next[24];
    num(part, sizeof part, o->partition);
    num(next, sizeof next, o->next_eval_ms);
    const char *params[] = {r->tenant, o->id, part, o->next_eval_ms == SH_NO_TIMER ? NULL : next};
    return defer(r, sql, 4, params);
}

bool sh_store_save(sh_run *r)
{
    for (size_t i = 0; i < r->npeople; i++)
        if (r->people[i].dirty && !save_person(r, &r->people[i]))
            return false;
    for (size_t i = 0; i < r->norgs; i++) {
        const sh_org *o = &r->orgs[i];
        if (o->evaluated ? !save_org(r, o) : o->armed && !save_armed(r, o))
            return false;
    }
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
