/*
 * strmap.c - string -> index map over uthash (see strmap.h). An entry
 * points at the caller's key, which outlives the map.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/* Out of memory inside uthash leaves the entry out (hh.tbl NULL), and put
 * reports it, instead of exiting. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

struct retail_strmap_entry {
    UT_hash_handle hh;
    size_t value;
};

static struct retail_strmap_entry *find(const retail_strmap *map, const char *key, size_t len,
                                        unsigned hash)
{
    struct retail_strmap_entry *e = NULL;
    HASH_FIND_BYHASHVALUE(hh, map->head, key, len, hash, e);
    return e;
}

bool retail_strmap_get(const retail_strmap *map, const char *key, size_t *value)
{
    if (!map->head)
        return false;
    size_t len = strlen(key);
    unsigned hash;
    HASH_VALUE(key, len, hash);
    const struct retail_strmap_entry *e = find(map, key, len, hash);
    if (!e)
        return false;
    *value = e->value;
    return true;
}

bool retail_strmap_put(retail_strmap *map, const char *key, size_t value)
{
    size_t len = strlen(key);
    unsigned hash;
    HASH_VALUE(key, len, hash);     /* once, for the lookup and the insert */
    struct retail_strmap_entry *e = find(map, key, len, hash);
    if (e) {
        e->value = value;
        return true;
    }
    e = malloc(sizeof *e);
    if (!e)
        return false;
    e->value = value;
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, map->head, key, len, hash, e);
    if (!e->hh.tbl) {
        free(e);
        return false;
    }
    map->count++;
    return true;
}

void retail_strmap_free(retail_strmap *map)
{
    struct retail_strmap_entry *e, *next;
    HASH_ITER(hh, map->head, e, next) {
        HASH_DEL(map->head, e);
        free(e);
    }
    map->head = NULL;
    map->count = 0;
}
