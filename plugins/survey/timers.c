/*
 * timers.c - on_timers: the call's timers split by tenant, each tenant's
 * handled as one batch (timers.h): sorted into kinds, loaded with one query
 * per kind, applied in the host's order, written with one statement per
 * kind.
 */
#include <stdlib.h>
#include <string.h>

#include "timers.h"

rp_rows *sv_tquery(sv_tcall *c, const char *what, const char *sql, int n, const char *const *params)
{
    rp_rows *rows = c->api->db_query(c->ctx, sql, n, params);
    if (!rows)
        c->api->fail(c->ctx, "survey: loading the %s timers of tenant %s failed", what, c->s->tenant);
    return rows;
}

rp_rows *sv_tquery_ids(sv_tcall *c, const char *what, const char *sql, rp_pgarray *ids)
{
    const char *p[] = {c->s->tenant, rp_pgarray_finish(ids)};
    rp_rows *rows = NULL;
    if (!p[1])
        c->api->fail(c->ctx, "survey: out of memory loading %s timers", what);
    else
        rows = sv_tquery(c, what, sql, 2, p);
    rp_pgarray_free(ids);
    return rows;
}

size_t sv_tslot(sv_tcall *c, const rp_rows *rows, int r, size_t count)
{
    long n = strtol(c->api->rows_value(rows, r, 0), NULL, 10);
    if (n >= 1 && (size_t)n <= count)
        return (size_t)n - 1;
    c->api->fail(c->ctx, "survey: a timer load returned position %ld of %zu", n, count);
    return SV_NONE;
}

bool sv_tscoring(sv_tcall *c, bool *present)
{
    if (c->scoring < 0) {
        bool p;
        if (!sv_scoring_present(c->ctx, c->st, &p))
            return false;
        c->scoring = p;
    }
    *present = c->scoring == 1;
    return true;
}

void sv_tscope(sv_tcall *c, size_t item)
{
    c->api->scope_timer(c->ctx, c->items[item].t);
}

typedef struct chain_key {
    const char *key;
    size_t item;
    char *entry;
} chain_key;

static int by_key_then_item(const void *a, const void *b)
{
    const chain_key *x = a, *y = b;
    int k = strcmp(x->key, y->key);
    return k ? k : (x->item > y->item) - (x->item < y->item);
}

/* Sorting by key, then item, puts each key's entries next to each other in
 * the order they are applied. */
bool sv_tchain(sv_tcall *c, void *entries, size_t n, size_t size, size_t key_at, size_t item_at, size_t prev_at)
{
    chain_key *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        c->api->fail(c->ctx, "survey: out of memory handling timers");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char *e = (char *)entries + i * size;
        sorted[i] = (chain_key){*(const char **)(e + key_at), *(size_t *)(e + item_at), e};
    }
    qsort(sorted, n, sizeof *sorted, by_key_then_item);
    for (size_t i = 0; i < n; i++) {
        bool same = i > 0 && strcmp(sorted[i - 1].key, sorted[i].key) == 0;
        size_t prev = same ? (size_t)(sorted[i - 1].entry - (char *)entries) / size : SV_NONE;
        memcpy(sorted[i].entry + prev_at, &prev, sizeof prev);
    }
    free(sorted);
    return true;
}

/* ---------------------------------------------------------------- kinds */

static bool prefixed(const char *key, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncmp(key, prefix, n) != 0)
        return false;
    *rest = key + n;
    return true;
}

/* Sorts one timer into its kind and gives it a slot there. */
static bool classify(sv_tcall *c, size_t i)
{
    sv_titem *it = &c->items[i];
    const char *key = it->t->key;
    it->slot = SV_NONE;
    if (!it->t->customer) {
        c->api->fail(c->ctx, "survey: timer %s has no customer scope", key);
        return false;
    }
    if (prefixed(key, "send:", &it->id)) {
        it->kind = SV_T_SEND;
        return sv_tsend_add(c, i);
    }
    if (prefixed(key, "expire:", &it->id)) {
        it->kind = SV_T_EXPIRE;
    } else if (prefixed(key, "quarterly:", &it->id)) {
        it->kind = SV_T_QUARTERLY;
        it->slot = c->nquarters;
        c->quarters[c->nquarters++] = (sv_tquarter){.item = i, .send = SV_NONE};
    } else if (prefixed(key, "sla:first:", &it->id) || prefixed(key, "sla:resolve:", &it->id)) {
        it->kind = SV_T_SLA;
        it->slot = c->nslas;
        c->slas[c->nslas++] = (sv_tsla){.item = i, .id = it->id, .first = key[4] == 'f', .prev = SV_NONE};
    } else if (prefixed(key, "silent:", &it->id)) {
        it->kind = SV_T_SILENT;
        it->slot = c->nsilents;
        c->silents[c->nsilents++] = (sv_tsilent){.item = i};
    } else {
        it->kind = SV_T_UNKNOWN;
    }
    return true;
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
        free(c->sends[i].touches);
    }
    free(c->items);
    free(c->sends);
    free(c->quarters);
    free(c->slas);
    free(c->silents);
    sv_tw_free(&c->w);
}

static bool run_tenant(rp_ctx *ctx, const rp_host_api *api, sv_state *st, const rp_timer **timers, size_t n)
{
    const sv_settings *s = sv_settings_for(ctx, st, timers[0]->tenant);
    if (!s)
        return false;
    sv_tcall c = {.ctx = ctx, .api = api, .st = st, .s = s, .n = n, .scoring = -1};
    bool ok = alloc_call(&c, n);
    for (size_t i = 0; ok && i < n; i++) {
        c.items[i].t = timers[i];
        ok = classify(&c, i);
    }
    if (ok) {
        /* The host gives a call one engine time (wall clock: the call's;
         * event time: its timers share one due time). */
        sv_tscope(&c, 0);
        c.now = api->now_ms(ctx);
        api->log(ctx, RP_LOG_DEBUG, "timers=%zu tenant=%s sends=%zu quarterly=%zu sla=%zu silent=%zu", n,
                 s->tenant, c.nsends, c.nquarters, c.nslas, c.nsilents);
    }
    ok = ok && load(&c);
    for (size_t i = 0; ok && i < n; i++)
        ok = apply(&c, i);
    ok = ok && sv_tw_flush(&c);
    free_call(&c);
    return ok;
}

/* Tenants share no rows, so each tenant's timers go as one batch, in the
 * host's order among themselves. */
int sv_on_timers(rp_ctx *ctx, const rp_host_api *api, sv_state *st, const rp_timer *const *timers,
                 size_t count)
{
    const rp_timer **mine = malloc((count ? count : 1) * sizeof *mine);
    bool *taken = calloc(count ? count : 1, sizeof *taken);
    bool ok = mine && taken;
    if (!ok)
        api->fail(ctx, "survey: out of memory handling %zu timers", count);
    for (size_t i = 0; ok && i < count; i++) {
        size_t n = 0;
        for (size_t j = i; j < count; j++) {
            if (!taken[j] && strcmp(timers[j]->tenant, timers[i]->tenant) == 0) {
                mine[n++] = timers[j];
                taken[j] = true;
            }
        }
        ok = n == 0 || run_tenant(ctx, api, st, mine, n);
    }
    free(mine);
    free(taken);
    return ok ? RP_OK : RP_ERROR;
}
