/*
 * assess.c - re-evaluating an org's coverage when it can change, and
 * scheduling the next time it can change on its own.
 *
 * Coverage changes when the org's memberships change (stakeholder.upsert,
 * stakeholder.left), when a member's relationship grows (contact, care.done,
 * activity.attended: handled in the person's partition, which recomputes
 * every org of the person from those orgs' member rows in the same
 * transaction), and when a member's strength decays below the adequate
 * threshold with nothing happening. For the last, each evaluated org keeps
 * one durable timer (key "coverage:ORG", org scope) at the earliest instant
 * one of its covering ties becomes weak.
 */
#include <stdlib.h>

#include "emit.h"
#include "glue.h"
#include "rapport/rp_text.h"

/* Active members of org as coverage sees them at r->now. */
static sh_member_view *views_of(sh_run *r, size_t org, size_t *count)
{
    *count = 0;
    sh_member_view *views = malloc((r->nmembers ? r->nmembers : 1) * sizeof *views);
    if (!views)
        return NULL;
    for (size_t i = 0; i < r->nmembers; i++) {
        const sh_member *m = &r->members[i];
        if (m->org != org || !m->active)
            continue;
        views[(*count)++] = (sh_member_view){
            .roles = m->roles,
            .attitude = m->attitude,
            .strength = sh_strength_at(&r->people[m->person].strength, r->now, &r->s->strength),
        };
    }
    return views;
}

static bool apply_changes(sh_run *r, size_t org, const sh_coverage *after)
{
    sh_org *o = &r->orgs[org];
    sh_gap_change changes[2 * SH_ROLE_COUNT];
    size_t n = sh_gap_changes(o->gap, after->gap, changes);
    for (size_t i = 0; i < n; i++) {
        sh_role role = changes[i].role;
        int64_t opened_ms = o->gap_opened_ms[role];
        if (changes[i].opened)
            o->gap_opened_ms[role] = opened_ms = r->now;
        if (!sh_store_gap(r, org, &changes[i]) || !sh_emit_gap(r, org, &changes[i], opened_ms, after))
            return false;
    }
    for (int role = 0; role < SH_ROLE_COUNT; role++)
        o->gap[role] = after->gap[role];
    return true;
}

static bool assess(sh_run *r, size_t org)
{
    size_t count;
    sh_member_view *views = views_of(r, org, &count);
    if (!views)
        return sh_fail_oom(r, "evaluating coverage");
    sh_coverage after;
    sh_coverage_compute(views, count, r->s->adequate_strength, &after);
    free(views);
    bool ok = apply_changes(r, org, &after);
    r->orgs[org].coverage = after;
    r->orgs[org].affected = false;
    r->orgs[org].dirty = true;
    return ok;
}

bool sh_assess_affected(sh_run *r)
{
    for (size_t i = 0; i < r->norgs; i++)
        if (r->orgs[i].affected && !assess(r, i))
            return false;
    return true;
}

/* The earliest instant after now at which a tie that covers a role today
 * becomes weak; INT64_MAX when none will. */
static int64_t next_decay(const sh_run *r, size_t org)
{
    int64_t due = INT64_MAX;
    for (size_t i = 0; i < r->nmembers; i++) {
        const sh_member *m = &r->members[i];
        if (m->org != org || !m->active || !m->roles || m->attitude == SH_ATTITUDE_OPPONENT)
            continue;
        int64_t t = sh_strength_falls_below(&r->people[m->person].strength, r->s->adequate_strength,
                                            &r->s->strength);
        if (t > r->now && t < due)
            due = t;
    }
    return due;
}

/* Sets or cancels org's decay timer. The key is the org id in full: two
 * orgs whose ids share a long prefix keep two timers. */
static bool arm_timer(sh_run *r, size_t org, rp_text *key)
{
    rp_text_reset(key);
    rp_text_puts(key, SH_TIMER_PREFIX);
    rp_text_puts(key, r->orgs[org].id);
    const char *k = rp_text_get(key);
    if (!k)
        return sh_fail_oom(r, "building a timer key");
    int64_t due = next_decay(r, org);
    int rc = due == INT64_MAX
                 ? r->api->timer_cancel(r->ctx, k)
                 : r->api->timer_set(r->ctx, k, due, NULL, r->orgs[org].id, NULL, 0);
    return rc == RP_OK;
}

bool sh_assess_timers(sh_run *r)
{
    rp_text key = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < r->norgs; i++)
        if (r->orgs[i].dirty)
            ok = arm_timer(r, i, &key);
    rp_text_free(&key);
    return ok;
}
