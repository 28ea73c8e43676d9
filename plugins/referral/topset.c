/*
 * topset.c - entry into the key-people set and the cuts of the tenant clock
 * at which it is recomputed (rules in topset.h).
 */
#include <stdlib.h>
#include <string.h>

#include "topset.h"

bool rf_topset_init(rf_topset *t, size_t cap, double min_score)
{
    memset(t, 0, sizeof *t);
    t->cap = cap;
    t->min_score = min_score;
    if (cap == 0)
        return true;
    t->members = calloc(cap, sizeof *t->members);
    return t->members != NULL;
}

void rf_topset_free(rf_topset *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->members[i].id);
    free(t->members);
    memset(t, 0, sizeof *t);
}

static ptrdiff_t find_member(const rf_topset *t, const char *id)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->members[i].id, id) == 0)
            return (ptrdiff_t)i;
    return -1;
}

bool rf_topset_contains(const rf_topset *t, const char *id)
{
    return find_member(t, id) >= 0;
}

bool rf_topset_load(rf_topset *t, const char *id, double score)
{
    if (t->count >= t->cap)
        return false;
    char *copy = strdup(id);
    if (!copy)
        return false;
    t->members[t->count++] = (rf_member){copy, score};
    return true;
}

/* The member to evict first: lowest score, then greatest id. */
static size_t weakest(const rf_topset *t)
{
    size_t w = 0;
    for (size_t i = 1; i < t->count; i++) {
        const rf_member *a = &t->members[i], *b = &t->members[w];
        if (a->score < b->score || (a->score == b->score && strcmp(a->id, b->id) > 0))
            w = i;
    }
    return w;
}

rf_offer rf_topset_offer(rf_topset *t, const char *id, double score, char **evicted)
{
    *evicted = NULL;
    ptrdiff_t at = find_member(t, id);
    if (at >= 0) {
        t->members[at].score = score;
        return RF_OFFER_UPDATED;
    }
    if (score < t->min_score || t->cap == 0)
        return RF_OFFER_NONE;
    size_t slot = t->count;
    if (t->count == t->cap) {
        slot = weakest(t);
        if (!(score > t->members[slot].score))
            return RF_OFFER_NONE;
    }
    char *copy = strdup(id);
    if (!copy)
        return RF_OFFER_ERROR;
    if (slot < t->count)
        *evicted = t->members[slot].id;  /* the caller owns it now */
    else
        t->count++;
    t->members[slot] = (rf_member){copy, score};
    return RF_OFFER_ENTERED;
}

bool rf_topset_remove(rf_topset *t, const char *id)
{
    ptrdiff_t at = find_member(t, id);
    if (at < 0)
        return false;
    free(t->members[at].id);
    t->members[at] = t->members[--t->count];
    return true;
}

int64_t rf_next_cut(int64_t t, int64_t every_ms)
{
    int64_t q = t / every_ms;
    if (t % every_ms != 0 && t < 0)
        q--;    /* floor, also before the epoch */
    return (q + 1) * every_ms;
}
