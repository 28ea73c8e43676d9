/*
 * keyset.c - a set of strings over uthash (keyset.h); one allocation holds
 * an entry and its copy of the key.
 */
#include <stdlib.h>
#include <string.h>

#include "keyset.h"

/* Out of memory inside uthash leaves the entry out (hh.tbl NULL) instead of
 * exiting the process the plugin runs in. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

struct rf_keyset_entry {
    UT_hash_handle hh;
    char key[];
};

static struct rf_keyset_entry *find(const rf_keyset *s, const char *key, size_t len, unsigned hash)
{
    struct rf_keyset_entry *e = NULL;
    HASH_FIND_BYHASHVALUE(hh, s->head, key, len, hash, e);
    return e;
}

void rf_keyset_free(rf_keyset *s)
{
    struct rf_keyset_entry *e, *next;
    HASH_ITER(hh, s->head, e, next) {
        HASH_DEL(s->head, e);
        free(e);
    }
    memset(s, 0, sizeof *s);
}

bool rf_keyset_contains(const rf_keyset *s, const char *key)
{
    if (!s->head)
        return false;
    size_t len = strlen(key);
    unsigned hash;
    HASH_VALUE(key, len, hash);
    return find(s, key, len, hash) != NULL;
}

bool rf_keyset_add(rf_keyset *s, const char *key, bool *added)
{
    *added = false;
    size_t len = strlen(key);
    unsigned hash;
    HASH_VALUE(key, len, hash);     /* once, for the lookup and the insert */
    if (find(s, key, len, hash))
        return true;
    struct rf_keyset_entry *e = malloc(sizeof *e + len + 1);
    if (!e)
        return false;
    memcpy(e->key, key, len + 1);
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, s->head, e->key, len, hash, e);
    if (!e->hh.tbl) {
        free(e);
        return false;
    }
    s->count++;
    *added = true;
    return true;
}
