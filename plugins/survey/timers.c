/*
 * timers.c - on_timers: the call's timers (one tenant) handled as one batch
 * (timers.h): sorted into kinds, loaded with one query per kind, applied in
 * the host's order, written with one statement per kind. It dispatches to
 * the kinds' files; none of them calls back here.
 */
#include <stdlib.h>
#include <string.h>

#include "timers.h"

/* The id a timer is about: from its payload (every kind carries it), else
 * from a full key (timers armed before the payloads named every id). */
static bool take_id(sv_tcall *c, sv_titem *it, const char *payload_key, const char *prefix)
{
    bool oom = false;
    it->id = payload_key ? sv_view_dup(c->api, it->t->payload, payload_key, &oom) : NULL;
    const char *from_key = sv_timer_key_id(it->t->key, prefix);
    if (!it->id && !oom && from_key)
        oom = !(it->id = strdup(from_key));
    if (oom)
        c->api->fail(c->ctx, "survey: out of memory reading timer %s", it->t->key);
    else if (!it->id)
        c->api->fail(c->ctx, "survey: timer %s names no %s", it->t->key, payload_key ? payload_key : "id");
    return it->id != NULL;
}

/* Gives the item a slot in its kind's array. */
static bool add_to_kind(sv_tcall *c, size_t i)
{
    sv_titem *it = &c->items[i];
    switch (it->kind) {
    case SV_T_SEND:
        return sv_tsend_add(c, i);
    case SV_T_EXPIRE:
        return take_id(c, it, "survey_id", SV_KEY_EXPIRE);
    case SV_T_QUARTERLY:
        /* the customer is the timer's scope */
        if (!(it->id = strdup(it->t->customer))) {
            c->api->fail(c->ctx, "survey: out of memory reading timer %s", it->t->key);
            return false;
        }
        it->slot = c->nquarters;
        c->quarters[c->nquarters++] = (sv_tquarter){.item = i, .send = SV_NONE};
        return true;
    case SV_T_SLA: {
        bool first = sv_timer_key_is(it->t->key, SV_KEY_SLA_FIRST);
        if (!take_id(c, it, "complaint_id", first ? SV_KEY_SLA_FIRST : SV_KEY_SLA_RESOLVE))
            return false;
        it->slot = c->nslas;
        c->slas[c->nslas++] = (sv_tsla){.item = i, .id = it->id, .first = first, .prev = SV_NONE};
        return true;
    }
    case SV_T_SILENT:
        if (!take_id(c, it, "survey_id", SV_KEY_SILENT))
            return false;
        it->slot = c->nsilents;
        c->silents[c->nsilents++] = (sv_tsilent){.item = i};
        return true;
    default:
        return true;
    }
}

static sv_tkind kind_of(const char *key)
{
    if (sv_timer_key_is(key, SV_KEY_SEND))
        return SV_T_SEND;
    if (sv_timer_key_is(key, SV_KEY_EXPIRE))
        return SV_T_EXPIRE;
    if (sv_timer_key_is(key, SV_KEY_QUARTERLY))
        return SV_T_QUARTERLY;
    if (sv_timer_key_is(key, SV_KEY_SLA_FIRST) || sv_timer_key_is(key, SV_KEY_SLA_RESOLVE))
        return SV_T_SLA;
    if (sv_timer_key_is(key, SV_KEY_SILENT))
        return SV_T_SILENT;
    return SV_T_UNKNOWN;
}

/* Sorts one timer into its kind and gives it a slot there. */
static bool classify(sv_tcall *c, size_t i)
{
    sv_titem *it = &c->items[i];
    it->slot = SV_NONE;
    if (!it->t->customer) {
        c->api->fail(c->ctx, "survey: timer %s has no customer scope", it->t->key);
        return false;
    }
    it->kind = kind_of(it->t->key);
    return add_to_kind(c, i);
}

/* Quarterly first: a core customer's quarterly survey joins the sends. */
static bool load(sv_tcall *c)
{
    return (c->nquarters == 0 || sv_tquarter_load(c)) && (c->nsends == 0 || sv_tsend_load(c))
           && (c->nslas == 0 || sv_tsla_load(c)) && (c->nsilents == 0 || sv_tsilent_load(c));
}

static bool apply(sv_tcall *c, size_t i)
{
    sv_titem *it = &c->items[i];
    sv_tscope(c, i);
    switch (it->kind) {
    case SV_T_SEND:
        return sv_tsend_apply(c, &c->sends[it->slot]);
    case SV_T_EXPIRE:
        sv_tw_expire(c, it->id);
        return true;
    case SV_T_QUARTERLY:
        return sv_tquarter_apply(c, &c->quarters[it->slot]);
    case SV_T_SLA:
        return sv_tsla_apply(c, &c->slas[it->slot]);
    case SV_T_SILENT:
        return sv_tsilent_apply(c, &c->silents[it->slot]);
    default:
        c->api->log(c->ctx, RP_LOG_WARN, "unknown timer %s ignored", it->t->key);
        return true;
    }
}

/* ------------------------------------------------------------ the batch */

static bool alloc_call(sv_tcall *c, size_t n)
{
    c->items = calloc(n, sizeof *c->items);
    c->sends = calloc(n, sizeof *c->sends);
    c->quarters = calloc(n, sizeof *c->quarters);
    c->slas = calloc(n, sizeof *c->slas);
    c->silents = calloc(n, sizeof *c->silents);
    if (c->items && c->sends && c->quarters && c->slas && c->silents)
        return true;
    c->api->fail(c->ctx, "survey: out of memory handling %zu timers", n);
    return false;
}

static void free_call(sv_tcall *c)
{
    for (size_t i = 0; c->sends && i < c->nsends; i++) {
        free(c->sends[i].kind);
        free(c->sends[i].survey_id);
        free(c->sends[i].ref);
        free(c->sends[i].tier);
        free(c->sends[i].answer_tier);
        free(c->sends[i].touches);
    }
    for (size_t i = 0; c->items && i < c->n; i++)
        free(c->items[i].id);
    free(c->items);
    free(c->sends);
    free(c->quarters);
    free(c->slas);
    free(c->silents);
    sv_tw_free(&c->w);
}

bool sv_timers_handle(const rp_call *call, const rp_timer *const *timers, size_t n)
{
    if (n == 0)
        return true;
    sv_tcall c = {.call = call, .ctx = call->ctx, .api = call->api, .s = call->settings,
                  .tenant = call->tenant, .n = n, .scoring = -1};
    c.cal = sv_calendar_of(c.s, c.api);
    bool ok = alloc_call(&c, n);
    for (size_t i = 0; ok && i < n; i++) {
        c.items[i].t = timers[i];
        ok = classify(&c, i);
    }
    if (ok) {
        /* The host gives a call one engine time (wall clock: the call's;
         * event time: its timers share one due time). */
        sv_tscope(&c, 0);
        c.now = c.api->now_ms(c.ctx);
        c.api->log(c.ctx, RP_LOG_DEBUG, "timers=%zu tenant=%s sends=%zu quarterly=%zu sla=%zu silent=%zu", n,
                   c.tenant, c.nsends, c.nquarters, c.nslas, c.nsilents);
    }
    ok = ok && load(&c);
    for (size_t i = 0; ok && i < n; i++)
        ok = apply(&c, i);
    ok = ok && sv_tw_flush(&c);
    free_call(&c);
    return ok;
}
