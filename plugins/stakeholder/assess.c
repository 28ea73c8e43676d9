/*
 * assess.c - an org's coverage, evaluated on the tenant clock.
 *
 * An org's coverage reads the member rows of its org (org partition) and
 * the strength of its people (each in their own partition). Evaluated
 * while handling a contact, it ran at the contact's partition's time,
 * behind or ahead of the org's: gaps closed "before" they had opened, and
 * the decay timer, re-armed at the same instant by an evaluation from a
 * partition that was behind, fired a second time and emitted the same
 * event again (issue 18). So events only record facts and arm the org's
 * one timer, "coverage:ORG", on the tenant clock (api->tenant_timer_set):
 * it fires when every partition has handled everything before its
 * instant. The evaluation at instant T counts the facts before T only,
 * whatever else was handled already (events of T itself, or a little
 * later with event_lateness_ms, may be), so it is the same whatever the
 * arrival order and the partition count. An org's evaluations never go
 * back in time: a fact older than the last evaluation is counted at that
 * evaluation's instant again, and what it changes is a correction.
 */
#include <stdlib.h>

#include "emit.h"
#include "glue.h"
#include "rapport/rp_text.h"

void sh_assess_arm(sh_run *r, size_t org, int64_t ts_ms)
{
    sh_org *o = &r->orgs[org];
    int64_t due = ts_ms + 1;   /* the first instant that counts the fact */
    if (o->computed_ms != SH_NEVER && o->computed_ms > due)
        due = o->computed_ms;   /* late: correct the last evaluation, not an earlier instant */
    if (due < o->next_eval_ms) {
        o->next_eval_ms = due;
        o->armed = true;
    }
}

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
            .strength = sh_strength_at(&r->people[m->person].asof, r->now, &r->s->strength),
        };
    }
    return views;
}

static bool apply_changes(sh_run *r, size_t org, const sh_coverage *after, bool correction)
{
    sh_org *o = &r->orgs[org];
    sh_gap_change changes[2 * SH_ROLE_COUNT];
    size_t n = sh_gap_changes(o->gap, after->gap, changes);
    for (size_t i = 0; i < n; i++) {
        sh_role role = changes[i].role;
        int64_t opened_ms = o->gap_opened_ms[role];
        if (changes[i].opened)
            o->gap_opened_ms[role] = opened_ms = r->now;
        if (!sh_store_gap(r, org, &changes[i])
            || !sh_emit_gap(r, org, &changes[i], opened_ms, after, correction))
            return false;
    }
    for (int role = 0; role < SH_ROLE_COUNT; role++)
        o->gap[role] = after->gap[role];
    return true;
}

/* The earliest instant after now at which a tie that covers a role now
 * becomes weak; SH_NO_TIMER when none will. */
static int64_t next_decay(const sh_run *r, size_t org)
{
    int64_t due = SH_NO_TIMER;
    for (size_t i = 0; i < r->nmembers; i++) {
        const sh_member *m = &r->members[i];
        if (m->org != org || !m->active || !m->roles || m->attitude == SH_ATTITUDE_OPPONENT)
            continue;
        const sh_strength *s = &r->people[m->person].asof;
        if (sh_strength_at(s, r->now, &r->s->strength) < r->s->adequate_strength)
            continue;   /* weak already: only a new fact can change it */
        int64_t t = sh_strength_falls_below(s, r->s->adequate_strength, &r->s->strength);
        if (t <= r->now)
            t = r->now + 1;   /* rounding at the threshold: look again right after */
        if (t < due)
            due = t;
    }
    return due;
}

static bool evaluate(sh_run *r, size_t org)
{
    sh_org *o = &r->orgs[org];
    size_t count;
    sh_member_view *views = views_of(r, org, &count);
    if (!views)
        return sh_fail_oom(r, "evaluating coverage");
    sh_coverage after;
    sh_coverage_compute(views, count, r->s->adequate_strength, &after);
    free(views);
    bool correction = o->computed_ms != SH_NEVER && r->now <= o->computed_ms;
    bool ok = apply_changes(r, org, &after, correction);
    o->coverage = after;
    o->computed_ms = r->now;
    o->evaluated = true;
    return ok;
}

bool sh_assess_org(sh_run *r, size_t org)
{
    sh_org *o = &r->orgs[org];
    if (o->computed_ms != SH_NEVER && r->now < o->computed_ms) {
        /* a timer of an older version due before the last evaluation:
         * never evaluate back in time */
        o->next_eval_ms = SH_NO_TIMER;
        sh_assess_arm(r, org, o->computed_ms - 1);
        return true;
    }
    /* an org none of whose facts precede now does not exist yet */
    bool ok = o->born_ms >= r->now || evaluate(r, org);
    int64_t next = o->next_fact_ms == INT64_MAX ? SH_NO_TIMER : o->next_fact_ms + 1;
    int64_t decay = next_decay(r, org);
    o->next_eval_ms = decay < next ? decay : next;
    o->armed = true;
    return ok;
}

/* Sets or cancels org's timer. The key is the org id in full: two orgs
 * whose ids share a long prefix keep two timers. */
static bool set_timer(sh_run *r, size_t org, rp_text *key)
{
    rp_text_reset(key);
    rp_text_puts(key, SH_TIMER_PREFIX);
    rp_text_puts(key, r->orgs[org].id);
    const char *k = rp_text_get(key);
    if (!k)
        return sh_fail_oom(r, "building a timer key");
    int64_t due = r->orgs[org].next_eval_ms;
    int rc = due == SH_NO_TIMER
                 ? r->api->timer_cancel(r->ctx, k)
                 : r->api->tenant_timer_set(r->ctx, k, due, NULL, r->orgs[org].id, NULL, 0);
    return rc == RP_OK;
}

bool sh_assess_timers(sh_run *r)
{
    rp_text key = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < r->norgs; i++)
        if (r->orgs[i].armed)
            ok = set_timer(r, i, &key);
    rp_text_free(&key);
    return ok;
}
