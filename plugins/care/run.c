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

void cr_cust_forget(cr_cust *c)
{
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
    c->in_table = c->dirty = c->plan_due = false;
}

const char *cr_plan_key(cr_run *r, const char *customer)
{
    return cr_printf(r, CR_PLAN_PREFIX "%s", customer);
}
