/*
 * rp_keyindex.h - finds items of a growing array by a string key.
 *
 * A plugin's working set for one call or transaction is an array of
 * customers (or requests, ...) appended as they are met; every row of every
 * load query and every event looks one up by id. A linear strcmp scan made
 * that quadratic (a third of the care and survey plugins' own CPU on the
 * retail benchmark). The index maps a copy of each key to its position, not
 * to a pointer, so the array may be reallocated as it grows (and its keys
 * may live inside it); the caller says how to read the key of position i
 * when it is added.
 *
 *   rp_keyindex ix = {0};
 *   rp_keyindex_add(&ix, n, key_of, items);      after items[n] got its key
 *   size_t i = rp_keyindex_find(&ix, "c42", key_of, items);
 *   if (i != RP_KEYINDEX_NONE) ... items[i] ...
 *   rp_keyindex_free(&ix);
 *
 * The table underneath is uthash (Debian uthash-dev), compiled into the SDK
 * library: a plugin needs no uthash header to use this one.
 */
#ifndef RP_KEYINDEX_H
#define RP_KEYINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RP_KEYINDEX_NONE SIZE_MAX

/* The key of position i of items (never NULL for an indexed position). */
typedef const char *(*rp_key_of)(const void *items, size_t i);

struct rp_keyentry;   /* private to rp_keyindex.c */

typedef struct rp_keyindex {
    struct rp_keyentry *head;   /* NULL = empty; a zeroed index is empty */
} rp_keyindex;

/* Indexes position i under key_of(items, i), copied (positions are added in
 * order 0, 1, 2, ...). A key already indexed keeps its first position. False
 * when out of memory: the index is then unchanged. */
bool rp_keyindex_add(rp_keyindex *ix, size_t i, rp_key_of key_of, const void *items);
/* The position whose key is key, or RP_KEYINDEX_NONE (also for key NULL).
 * key_of and items are not needed any more (keys are copied) and are kept
 * so that callers written for the first version compile unchanged. */
size_t rp_keyindex_find(const rp_keyindex *ix, const char *key, rp_key_of key_of, const void *items);
/* Frees the index and leaves it empty; freeing an empty index is harmless. */
void rp_keyindex_free(rp_keyindex *ix);

#endif
