/*
 * timer_batch.c - what the timer kinds (timer_*.c) share: their loads'
 * queries with the call's tenant as $1, the row-to-entry mapping, the
 * chains of one customer's or complaint's timers, the scoring probe once
 * per batch and the host scope. Calls nothing of timers.c, so the kinds
 * depend on it and timers.c on them, one way.
 */
#include <stdlib.h>
#include <string.h>

#include "timers.h"

rp_rows *sv_tquery(sv_tcall *c, const char *what, const char *sql, int n, const char *const *params)
{
    rp_rows *rows = c->api->db_query(c->ctx, sql, n, params);
    if (!rows)
        c->api->fail(c->ctx, "survey: loading the %s timers of tenant %s failed", what, c->tenant);
    return rows;
}

rp_rows *sv_tquery_ids(sv_tcall *c, const char *what, const char *sql, rp_pgarray *ids)
{
    const char *p[] = {c->tenant, rp_pgarray_finish(ids)};
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
        if (!sv_scoring_present(c->call, &p))
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
