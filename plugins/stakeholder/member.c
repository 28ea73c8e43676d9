/*
 * member.c - the membership fold (rules in member.h).
 */
#include <string.h>

#include "member.h"

int sh_member_entry_cmp(const void *a, const void *b)
{
    const sh_member_entry *x = a, *y = b;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms < y->ts_ms ? -1 : 1;
    return strcmp(x->event_id, y->event_id);
}

static void apply_upsert(sh_member_state *s, const sh_member_entry *e)
{
    bool rejoining = !s->active;
    s->roles = e->roles;
    if (e->has_attitude)
        s->attitude = e->attitude;
    else if (rejoining)
        s->attitude = SH_ATTITUDE_NEUTRAL;
    if (e->has_influence)
        s->influence = e->influence;
    if (e->title)
        s->title = e->title;
    if (e->interests_collective)
        s->interests_collective = e->interests_collective;
    if (e->interests_personal)
        s->interests_personal = e->interests_personal;
    if (rejoining)
        s->joined_ms = e->ts_ms;
    s->joined = s->active = true;
    s->left_ms = -1;
    s->left_reason = NULL;
    s->updated_ms = e->ts_ms;
}

static void apply_left(sh_member_state *s, const sh_member_entry *e)
{
    if (!s->active)
        return;   /* not (or no longer) a member: nothing to remove */
    s->active = false;
    s->left_ms = e->ts_ms;
    s->left_reason = e->reason;
    s->updated_ms = e->ts_ms;
}

void sh_member_fold(const sh_member_entry *entries, size_t n, sh_member_state *out)
{
    memset(out, 0, sizeof *out);
    out->attitude = SH_ATTITUDE_NEUTRAL;
    out->influence = 3;
    out->left_ms = -1;
    for (size_t i = 0; i < n; i++) {
        if (entries[i].left)
            apply_left(out, &entries[i]);
        else
            apply_upsert(out, &entries[i]);
    }
}

size_t sh_member_before(const sh_member_entry *entries, size_t n, int64_t t_ms)
{
    size_t k = 0;
    while (k < n && entries[k].ts_ms < t_ms)
        k++;
    return k;
}
