/*
 * run.c - the working set of one run: the customers it touches, each with
 * its care state, tier and risk, recent touches and known task ids.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

void cr_run_init(cr_run *r, rp_ctx *ctx, const rp_host_api *api, const cr_settings *s,
                 const char *tenant, bool *scoring_table, cr_holiday_cache *holidays)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->api = api;
    r->s = s;
    r->tenant = tenant;
    r->now = api->now_ms(ctx);
    r->tz = (cr_tz){api->to_local, api->from_local};
    r->scoring_table = scoring_table;
    r->holidays = holidays;
}

static void cust_free(cr_cust *c)
{
    for (size_t i = 0; i < c->ntouches; i++)
        free(c->touches[i].owned_id);
    free(c->touches);
    for (size_t i = 0; i < c->nids; i++)
        free(c->task_ids[i]);
    free(c->task_ids);
    free(c->id);
}

void cr_run_free(cr_run *r)
{
    cr_rows_free(r);
    for (size_t i = 0; i < r->ncusts; i++)
        cust_free(&r->custs[i]);
    free(r->custs);
    r->custs = NULL;
    r->ncusts = r->custs_cap = 0;
    free(r->index);
    r->index = NULL;
    r->index_cap = 0;
}

/* The customers are found by id through an open-addressing index of
 * positions in custs (slot = position + 1, 0 = empty), kept at most half
 * full: a run holds up to a thousand customers and every row of every load
 * query looks one up (a linear scan was a third of care's own CPU). */
static uint64_t id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

static void index_put(size_t *slots, size_t cap, const cr_cust *custs, size_t i)
{
    size_t mask = cap - 1;
    size_t h = (size_t)id_hash(custs[i].id) & mask;
    while (slots[h])
        h = (h + 1) & mask;
    slots[h] = i + 1;
}

bool cr_run_index_add(cr_run *r, size_t i)
{
    if ((i + 1) * 2 > r->index_cap) {
        size_t cap = r->index_cap ? r->index_cap * 2 : 64;
        size_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        for (size_t k = 0; k < i; k++)
            index_put(slots, cap, r->custs, k);
        free(r->index);
        r->index = slots;
        r->index_cap = cap;
    }
    index_put(r->index, r->index_cap, r->custs, i);
    return true;
}

cr_cust *cr_run_find(cr_run *r, const char *customer)
{
    if (!customer || r->index_cap == 0)
        return NULL;
    size_t mask = r->index_cap - 1;
    for (size_t h = (size_t)id_hash(customer) & mask; r->index[h]; h = (h + 1) & mask) {
        cr_cust *c = &r->custs[r->index[h] - 1];
        if (strcmp(c->id, customer) == 0)
            return c;
    }
    return NULL;
}

const char *cr_cust_tz(const cr_run *r, const cr_cust *c)
{
    rp_local_time probe;
    if (c && c->tz[0] && r->api->to_local(c->tz, 0, &probe))
        return c->tz;
    return r->s->default_tz;
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
    c->task_ids[c->nids] = strdup(task_id);
    return c->task_ids[c->nids++] != NULL;
}

const char *cr_i64(char buf[24], int64_t v)
{
    snprintf(buf, 24, "%lld", (long long)v);
    return buf;
}
