/*
 * timer_send.c - a survey falls due (send: timers and the core group's
 * quarterly surveys): fatigue suppresses it, a full contact budget defers
 * it (or suppresses it past max_defer), else it is sent. Applied in the
 * batch's order with the state the customer's earlier surveys of the batch
 * left (timers.h); the rows go out with the batch's writes.
 *
 * With event_lateness_ms an answer to the survey may be handled before the
 * survey falls due; it was recorded as unsolicited (no survey existed), and
 * the survey takes it over (late.h, sv_adopts_answer): the survey is
 * decided as if it had gone out first, and the row ends as it would have
 * with the answer handled after it.
 */
#include <stdlib.h>
#include <string.h>

#include "timers.h"

bool sv_tsend_add(sv_tcall *c, size_t item)
{
    const rp_timer *t = c->items[item].t;
    sv_tsend *s = &c->sends[c->nsends];
    bool oom[3];
    *s = (sv_tsend){.item = item, .customer = t->customer, .first_due_ms = t->due_ms, .prev = SV_NONE};
    s->kind = sv_view_dup(c->api, t->payload, "kind", &oom[0]);
    s->survey_id = sv_view_dup(c->api, t->payload, "survey_id", &oom[1]);
    s->ref = sv_view_dup(c->api, t->payload, "ref", &oom[2]);
    c->items[item].slot = c->nsends++;   /* owned by the batch from here on */
    if (oom[0] || oom[1] || oom[2]) {
        c->api->fail(c->ctx, "survey: out of memory reading timer %s", t->key);
        return false;
    }
    if (!s->kind || !s->survey_id) {
        c->api->fail(c->ctx, "survey: timer %s: payload without kind or survey_id", t->key);
        return false;
    }
    c->api->view_int(c->api->view_get(t->payload, "first_due_ms"), &s->first_due_ms);
    return true;
}

static const sv_tsend *prev_of(const sv_tcall *c, const sv_tsend *s)
{
    return s->prev == SV_NONE ? NULL : &c->sends[s->prev];
}

/* What the database would answer now, after the customer's earlier surveys
 * of the batch: the latest counted survey, the surveys sent (each one more
 * ledger touch at now), whether this survey already has a row, and whether
 * that row is an answer it takes over. */
static void state_before(const sv_tcall *c, sv_tsend *s, bool *exists, bool *adopt)
{
    const sv_tsend *p = prev_of(c, s);
    s->last_after = p ? p->last_after : s->last_ms;
    s->sent_after = p ? p->sent_after : 0;
    *exists = s->exists;
    *adopt = s->exists && s->adoptable;
    for (; p; p = prev_of(c, p))
        if (p->inserted && strcmp(p->survey_id, s->survey_id) == 0) {
            *exists = true;
            *adopt = false;
        }
}

/* The earliest instant the contact budget has room, counting the touches
 * of this batch's surveys; false on out of memory. */
static bool next_free(sv_tcall *c, const sv_tsend *s, int64_t *free_at)
{
    size_t n = s->ntouches + s->sent_after;
    int64_t *touches = malloc((n ? n : 1) * sizeof *touches);
    if (!touches) {
        c->api->fail(c->ctx, "survey: out of memory checking the contact budget");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        touches[i] = i < s->ntouches ? s->touches[i] : c->now;
    *free_at = sv_budget_next_free(s->rules, s->nrules, touches, n, c->now);
    free(touches);
    return true;
}

/* The survey's row: a new one, or the unsolicited answer taken over. */
static bool record(sv_tcall *c, sv_tsend *s, bool adopt, const char *status, const char *reason,
                   int64_t expires_ms)
{
    s->inserted = true;
    /* An answer taken over is counted by fatigue at the survey's time, even
     * suppressed: its row is answered. */
    if (adopt) {
        s->last_after = c->now;
        return sv_tw_adopt(c, s, reason, expires_ms, strcmp(status, "requested") == 0);
    }
    sv_tw_request(c, s, status, reason, expires_ms);
    return true;
}

/* Sent: an answer taken over needs no expiry (it is answered). */
static bool send_now(sv_tcall *c, sv_tsend *s, bool adopt)
{
    int64_t expires = c->now + c->s->expiry_ms;
    if (!record(c, s, adopt, "requested", NULL, expires))
        return false;
    s->last_after = c->now;
    s->sent_after++;
    rp_mpout pk;
    rp_mpout_open_map(&pk, 7);
    rp_mpout_kv_str(&pk, "survey_id", s->survey_id);
    rp_mpout_kv_str(&pk, "kind", s->kind);
    rp_mpout_kv_str(&pk, "channel", c->s->channel);
    rp_mpout_kv_str(&pk, "ref", s->ref);
    rp_mpout_kv_str(&pk, "tier", sv_tier(s->tier));
    rp_mpout_kv_int(&pk, "expires_ms", expires);
    sv_pack_questions(&pk);
    return rp_mpout_emit(&pk, c->ctx, c->api, "survey", "survey.requested", s->customer, NULL)
           && (adopt || sv_arm_expire(c->call, s->customer, s->survey_id, expires));
}

/* Fatigue suppresses (the customer was just asked); a full contact budget
 * defers to the instant it has room, unless that is more than max_defer
 * after the survey first fell due. Handled already, or the customer was
 * erased: nothing. */
bool sv_tsend_apply(sv_tcall *c, sv_tsend *s)
{
    bool exists, adopt;
    state_before(c, s, &exists, &adopt);
    if ((exists && !adopt) || s->erased)
        return true;
    int64_t free_at;
    if (!next_free(c, s, &free_at))
        return false;
    if (!sv_fatigue_allows(s->last_after, c->now, c->s->fatigue_ms))
        return record(c, s, adopt, "suppressed", "fatigue", 0);
    if (free_at == c->now)
        return send_now(c, s, adopt);
    if (free_at == INT64_MAX || free_at - s->first_due_ms > c->s->max_defer_ms)
        return record(c, s, adopt, "suppressed", "budget", 0);
    return sv_arm_send(c->call, s->customer, s->kind, s->survey_id, s->ref, s->first_due_ms, free_at);
}
