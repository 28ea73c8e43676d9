/*
 * run.c - the working set of one run: people, orgs and memberships, people
 * and orgs found by id through rp_keyindex so a run of many events stays
 * linear.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

/* ---- the indexes (sdk: rapport/rp_keyindex.h) ---- */

static const char *person_id(const void *people, size_t i)
{
    return ((const sh_person *)people)[i].id;
}

static const char *org_id(const void *orgs, size_t i)
{
    return ((const sh_org *)orgs)[i].id;
}

/* ---- the run ---- */

void sh_run_init(sh_run *r, const rp_call *call)
{
    memset(r, 0, sizeof *r);
    r->ctx = call->ctx;
    r->api = call->api;
    r->s = call->settings;    /* the call's tenant's, immutable until shutdown */
    r->tenant = call->tenant;
}

void sh_run_free(sh_run *r)
{
    for (size_t i = 0; i < r->npeople; i++) {
        free(r->people[i].id);
        free(r->people[i].style_event);
    }
    for (size_t i = 0; i < r->norgs; i++)
        free(r->orgs[i].id);
    free(r->people);
    free(r->orgs);
    free(r->members);
    rp_keyindex_free(&r->people_ix);
    rp_keyindex_free(&r->orgs_ix);
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
    size_t at = rp_keyindex_find(&r->people_ix, id, person_id, r->people);
    if (at != RP_KEYINDEX_NONE)
        return at;
    if (!create)
        return SH_NONE;
    if (!reserve((void **)&r->people, r->npeople, &r->people_cap, sizeof *r->people))
        return sh_fail_oom(r, "adding a person"), SH_NONE;
    sh_person p = {.id = strdup(id), .style_ms = -1, .first_ms = -1, .last_ms = -1,
                   .partition = (int32_t)r->api->partition_of(r->ctx, id)};
    r->people[r->npeople] = p;
    if (!p.id || !rp_keyindex_add(&r->people_ix, r->npeople, person_id, r->people)) {
        free(p.id);
        return sh_fail_oom(r, "adding a person"), SH_NONE;
    }
    return r->npeople++;
}

size_t sh_run_org(sh_run *r, const char *id, bool create)
{
    size_t at = rp_keyindex_find(&r->orgs_ix, id, org_id, r->orgs);
    if (at != RP_KEYINDEX_NONE)
        return at;
    if (!create)
        return SH_NONE;
    if (!reserve((void **)&r->orgs, r->norgs, &r->orgs_cap, sizeof *r->orgs))
        return sh_fail_oom(r, "adding an org"), SH_NONE;
    sh_org o = {.id = strdup(id), .partition = (int32_t)r->api->partition_of(r->ctx, id),
                .computed_ms = SH_NEVER, .next_eval_ms = SH_NO_TIMER, .born_ms = INT64_MAX,
                .next_fact_ms = INT64_MAX};
    r->orgs[r->norgs] = o;
    if (!o.id || !rp_keyindex_add(&r->orgs_ix, r->norgs, org_id, r->orgs)) {
        free(o.id);
        return sh_fail_oom(r, "adding an org"), SH_NONE;
    }
    return r->norgs++;
}

size_t sh_run_member(sh_run *r, size_t org, size_t person, bool create)
{
    /* memberships per run are few (the members of the orgs it touches) */
    for (size_t i = 0; i < r->nmembers; i++)
        if (r->members[i].org == org && r->members[i].person == person)
            return i;
    return create ? sh_run_member_add(r, org, person) : SH_NONE;
}

size_t sh_run_member_add(sh_run *r, size_t org, size_t person)
{
    if (!reserve((void **)&r->members, r->nmembers, &r->members_cap, sizeof *r->members))
        return sh_fail_oom(r, "adding a membership"), SH_NONE;
    r->members[r->nmembers] = (sh_member){.org = org, .person = person};
    return r->nmembers++;
}
