/*
 * run.c - the working set of one run: people, orgs and memberships, with
 * hash indexes so a run of many events stays linear.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

/* ---- the index ---- */

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t slot_of(const sh_index *ix, const char *key)
{
    size_t i = (size_t)hash(key) & (ix->cap - 1);
    while (ix->keys[i] && strcmp(ix->keys[i], key) != 0)
        i = (i + 1) & (ix->cap - 1);
    return i;
}

static bool index_get(const sh_index *ix, const char *key, size_t *value)
{
    if (ix->cap == 0)
        return false;
    size_t i = slot_of(ix, key);
    if (!ix->keys[i])
        return false;
    *value = ix->values[i];
    return true;
}

static bool index_grow(sh_index *ix)
{
    sh_index bigger = {.cap = ix->cap ? ix->cap * 2 : 64};
    bigger.keys = calloc(bigger.cap, sizeof *bigger.keys);
    bigger.values = calloc(bigger.cap, sizeof *bigger.values);
    if (!bigger.keys || !bigger.values) {
        free(bigger.keys);
        free(bigger.values);
        return false;
    }
    for (size_t i = 0; i < ix->cap; i++)
        if (ix->keys[i]) {
            size_t j = slot_of(&bigger, ix->keys[i]);
            bigger.keys[j] = ix->keys[i];
            bigger.values[j] = ix->values[i];
        }
    bigger.count = ix->count;
    free(ix->keys);
    free(ix->values);
    *ix = bigger;
    return true;
}

/* key must outlive the index (it points into the entity it names). */
static bool index_put(sh_index *ix, const char *key, size_t value)
{
    if ((ix->count + 1) * 2 > ix->cap && !index_grow(ix))
        return false;
    size_t i = slot_of(ix, key);
    ix->count += !ix->keys[i];
    ix->keys[i] = key;
    ix->values[i] = value;
    return true;
}

static void index_free(sh_index *ix)
{
    free(ix->keys);
    free(ix->values);
    memset(ix, 0, sizeof *ix);
}

/* ---- the run ---- */

void sh_run_init(sh_run *r, rp_ctx *ctx, const rp_host_api *api, const sh_settings *s,
                 const char *tenant)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->api = api;
    r->s = s;
    r->tenant = tenant;
}

void sh_run_free(sh_run *r)
{
    for (size_t i = 0; i < r->npeople; i++)
        free(r->people[i].id);
    for (size_t i = 0; i < r->norgs; i++) {
        free(r->orgs[i].id);
        free(r->orgs[i].owner);
    }
    free(r->people);
    free(r->orgs);
    free(r->members);
    index_free(&r->people_ix);
    index_free(&r->orgs_ix);
}

static bool oom(sh_run *r, const char *what)
{
    r->api->fail(r->ctx, "stakeholder: out of memory adding %s (tenant %s)", what, r->tenant);
    return false;
}

/* Makes room for one more element of size `elem` in *array. */
static bool reserve(void **array, size_t count, size_t *cap, size_t elem)
{
    if (count < *cap)
        return true;
    size_t bigger = *cap ? *cap * 2 : 16;
    void *grown = realloc(*array, bigger * elem);
    if (!grown)
        return false;
    *array = grown;
    *cap = bigger;
    return true;
}

size_t sh_run_person(sh_run *r, const char *id, bool create)
{
    size_t at;
    if (index_get(&r->people_ix, id, &at))
        return at;
    if (!create)
        return SH_NONE;
    if (!reserve((void **)&r->people, r->npeople, &r->people_cap, sizeof *r->people))
        return oom(r, "a person"), SH_NONE;
    sh_person p = {.id = strdup(id), .last_ms = -1,
                   .partition = (int32_t)r->api->partition_of(r->ctx, r->tenant, id)};
    if (!p.id || !index_put(&r->people_ix, p.id, r->npeople)) {
        free(p.id);
        return oom(r, "a person"), SH_NONE;
    }
    r->people[r->npeople] = p;
    return r->npeople++;
}

size_t sh_run_org(sh_run *r, const char *id, bool create)
{
    size_t at;
    if (index_get(&r->orgs_ix, id, &at))
        return at;
    if (!create)
        return SH_NONE;
    if (!reserve((void **)&r->orgs, r->norgs, &r->orgs_cap, sizeof *r->orgs))
        return oom(r, "an org"), SH_NONE;
    sh_org o = {.id = strdup(id), .partition = (int32_t)r->api->partition_of(r->ctx, r->tenant, id)};
    if (!o.id || !index_put(&r->orgs_ix, o.id, r->norgs)) {
        free(o.id);
        return oom(r, "an org"), SH_NONE;
    }
    r->orgs[r->norgs] = o;
    return r->norgs++;
}

size_t sh_run_member(sh_run *r, size_t org, size_t person, bool create)
{
    /* memberships per run are few (the members of the orgs it touches) */
    for (size_t i = 0; i < r->nmembers; i++)
        if (r->members[i].org == org && r->members[i].person == person)
            return i;
    if (!create)
        return SH_NONE;
    if (!reserve((void **)&r->members, r->nmembers, &r->members_cap, sizeof *r->members))
        return oom(r, "a membership"), SH_NONE;
    r->members[r->nmembers] = (sh_member){.org = org, .person = person};
    return r->nmembers++;
}

bool sh_run_set_owner(sh_run *r, size_t org, const char *owner)
{
    char *copy = owner ? strdup(owner) : NULL;
    if (owner && !copy)
        return oom(r, "an owner");
    free(r->orgs[org].owner);
    r->orgs[org].owner = copy;
    return true;
}
