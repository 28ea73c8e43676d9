/*
 * rp_keyindex.c - a uthash table from key copies to positions
 * (rp_keyindex.h). The keys are copied because uthash compares the bytes an
 * entry points to, and the caller's array (which may hold its keys inline)
 * moves when it grows; one allocation holds an entry and its key.
 */
#include "rapport/rp_keyindex.h"

#include <stdlib.h>
#include <string.h>

/* An allocation failure inside uthash leaves the entry out (hh.tbl NULL)
 * instead of exiting the process the plugin runs in. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

struct rp_keyentry {
    UT_hash_handle hh;
    size_t pos;
    char key[];
};

static struct rp_keyentry *lookup(struct rp_keyentry *head, const char *key, size_t len, unsigned hash)
{
    struct rp_keyentry *e = NULL;
    HASH_FIND_BYHASHVALUE(hh, head, key, len, hash, e);
    return e;
}

bool rp_keyindex_add(rp_keyindex *ix, size_t i, rp_key_of key_of, const void *items)
{
    const char *key = key_of(items, i);
    size_t len = strlen(key);
    unsigned hash;
    HASH_VALUE(key, len, hash);     /* once, for the lookup and the insert */
    if (lookup(ix->head, key, len, hash))
        return true;
    struct rp_keyentry *e = malloc(sizeof *e + len + 1);
    if (!e)
        return false;
    e->pos = i;
    memcpy(e->key, key, len + 1);
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, ix->head, e->key, len, hash, e);
    if (!e->hh.tbl) {
        free(e);
        return false;
    }
    return true;
}

size_t rp_keyindex_find(const rp_keyindex *ix, const char *key, rp_key_of key_of, const void *items)
{
    (void)key_of;
    (void)items;
    if (!key)
        return RP_KEYINDEX_NONE;
    size_t len = strlen(key);
    unsigned hash;
    HASH_VALUE(key, len, hash);
    const struct rp_keyentry *e = lookup(ix->head, key, len, hash);
    return e ? e->pos : RP_KEYINDEX_NONE;
}

void rp_keyindex_free(rp_keyindex *ix)
{
    struct rp_keyentry *e, *next;
    HASH_ITER(hh, ix->head, e, next) {
        HASH_DEL(ix->head, e);
        free(e);
    }
    ix->head = NULL;
}
