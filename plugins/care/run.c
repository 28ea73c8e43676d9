/*
 * run.c - the working set of one call: the call's tenant, settings and
 * host API, and the customers it touches, each with its care state, tier
 * and risk, recent touches and known task ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

void cr_run_init(cr_run *r, const rp_call *call)
{
    memset(r, 0, sizeof *r);
    r->ctx = call->ctx;
    r->api = call->api;
    r->s = call->settings;
    r->tenant = call->tenant;
    r->st = call->state;
    r->now = call->api->now_ms(call->ctx);
    r->tz = (cr_tz){call->api->to_local, call->api->from_local};
    r->holidays = &r->st->holidays[r->s->holiday_calendar];
}

static void cust_free(cr_cust *c)
{
    cr_cust_forget(c);
    free(c->touches);
    free(c->task_ids);
    free(c->closures);
    free(c->id);
}

bool cr_run_end(cr_run *r, bool ok)
{
    if (ok && r->strings.oom) {
        r->api->fail(r->ctx, "care: out of memory copying event data");
        ok = false;
    }
    cr_rows_free(r);
    for (size_t i = 0; i < r->ncusts; i++)
        cust_free(&r->custs[i]);
    free(r->custs);
    r->custs = NULL;
    r->ncusts = r->custs_cap = 0;
    rp_keyindex_free(&r->index);
    cr_strings_free(&r->strings);
    return ok;
}

static const char *cust_id(const void *custs, size_t i)
{
    return ((const cr_cust *)custs)[i].id;
}

bool cr_run_index_add(cr_run *r, size_t i)
{
    return rp_keyindex_add(&r->index, i, cust_id, r->custs);
}

cr_cust *cr_run_find(cr_run *r, const char *customer)
{
    size_t i = rp_keyindex_find(&r->index, customer, cust_id, r->custs);
    return i == RP_KEYINDEX_NONE ? NULL : &r->custs[i];
}

const char *cr_cust_tz(const cr_run *r, cr_cust *c)
{
    if (!c || !c->tz[0])
        return r->s->default_tz;
    if (c->tz_known == 0) {
        rp_local_time probe;
        c->tz_known = r->api->to_local(c->tz, 0, &probe) ? 1 : -1;
    }
    return c->tz_known > 0 ? c->tz : r->s->default_tz;
}

bool cr_cust_add_touch(cr_cust *c, int64_t ts_ms, int priority, const char *task_id)
{
    if (c->ntouches == c->touches_cap) {
        size_t cap = c->touches_cap ? c->touches_cap * 2 : 8;
        cr_known_touch *t = realloc(c->touches, cap * sizeof *t);
        if (!t)
            return false;
        c->touches = t;
        c->touches_cap = cap;
    }
    cr_known_touch *k = &c->touches[c->ntouches];
    k->owned_id = task_id ? strdup(task_id) : NULL;
    if (task_id && !k->owned_id)
        return false;
    k->touch = (cr_touch){ts_ms, task_id ? priority : 0, k->owned_id};
    c->ntouches++;
    return true;
}

bool cr_cust_has_id(const cr_cust *c, const char *task_id)
{
    for (size_t i = 0; i < c->nids; i++)
        if (strcmp(c->task_ids[i], task_id) == 0)
            return true;
    return false;
}

bool cr_cust_know_id(cr_cust *c, const char *task_id)
{
    if (cr_cust_has_id(c, task_id))
        return true;
    if (c->nids == c->ids_cap) {
        size_t cap = c->ids_cap ? c->ids_cap * 2 : 8;
        char **ids = realloc(c->task_ids, cap * sizeof *ids);
        if (!ids)
            return false;
        c->task_ids = ids;
        c->ids_cap = cap;
    }
    char *copy = strdup(task_id);
    if (!copy)
        return false;
    c->task_ids[c->nids++] = copy;
    return true;
}

static bool closure_set(cr_closure *k, const char *task_id, int64_t done_ms, const char *outcome)
{
    char *id = task_id ? strdup(task_id) : k->task_id;
    char *text = outcome ? strdup(outcome) : NULL;
    if (!id || (outcome && !text)) {
        if (task_id)
            free(id);
        free(text);
        return false;
    }
    free(k->outcome);
    *k = (cr_closure){.task_id = id, .outcome = text, .done_ms = done_ms};
    return true;
}

bool cr_cust_add_closure(cr_cust *c, const char *task_id, int64_t done_ms, const char *outcome)
{
    for (size_t i = 0; i < c->nclosures; i++) {
        cr_closure *k = &c->closures[i];
        if (strcmp(k->task_id, task_id) != 0)
            continue;
        if (!cr_closing_first(done_ms, outcome, k->done_ms, k->outcome))
            return true;                    /* an earlier closing is kept */
        return closure_set(k, NULL, done_ms, outcome);
    }
    if (c->nclosures == c->closures_cap) {
        size_t cap = c->closures_cap ? c->closures_cap * 2 : 4;
        cr_closure *k = realloc(c->closures, cap * sizeof *k);
        if (!k)
            return false;
        c->closures = k;
        c->closures_cap = cap;
    }
    c->closures[c->nclosures] = (cr_closure){0};
    if (!closure_set(&c->closures[c->nclosures], task_id, done_ms, outcome))
        return false;
    c->nclosures++;
    return true;
}

const cr_closure *cr_cust_closure(const cr_cust *c, const char *task_id)
{
    for (size_t i = 0; i < c->nclosures; i++)
        if (strcmp(c->closures[i].task_id, task_id) == 0)
            return &c->closures[i];
    return NULL;
}

void cr_cust_forget(cr_cust *c)
{
    for (size_t i = 0; i < c->nclosures; i++) {
        free(c->closures[i].task_id);
        free(c->closures[i].outcome);
    }
    c->nclosures = 0;
    for (size_t i = 0; i < c->ntouches; i++)
        free(c->touches[i].owned_id);
    c->ntouches = 0;
    for (size_t i = 0; i < c->nids; i++)
        free(c->task_ids[i]);
    c->nids = 0;
    c->tz[0] = c->channel[0] = c->specials[0] = '\0';
    c->tz_known = 0;
    c->consent_contact = c->consent_marketing = -1;
    c->first_seen_ms = c->last_contact_ms = c->next_plan_ms = -1;
    for (int i = 0; i < CR_PF_COUNT; i++)
        c->profile_ms[i] = -1;
    c->in_table = c->dirty = c->plan_due = false;
}

const char *cr_plan_key(cr_run *r, const char *customer)
{
    return cr_printf(r, CR_PLAN_PREFIX "%s", customer);
}
