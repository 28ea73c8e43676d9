/*
 * rp_keyindex.h - finds items of a growing array by a string key.
 *
 * A plugin's working set for one call or transaction is an array of
 * customers (or requests, ...) appended as they are met; every row of every
 * load query and every event looks one up by id. A linear strcmp scan made
 * that quadratic (a third of the care and survey plugins' own CPU on the
 * retail benchmark). The index keeps positions, not pointers, so the array
 * may be reallocated as it grows; the caller says how to read the key of
 * position i.
 *
 *   rp_keyindex ix = {0};
 *   rp_keyindex_add(&ix, n, key_of, items);      after items[n] got its key
 *   size_t i = rp_keyindex_find(&ix, "c42", key_of, items);
 *   if (i != RP_KEYINDEX_NONE) ... items[i] ...
 */
#ifndef RP_KEYINDEX_H
#define RP_KEYINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RP_KEYINDEX_NONE SIZE_MAX

/* The key of position i of items (never NULL for an indexed position). */
typedef const char *(*rp_key_of)(const void *items, size_t i);

typedef struct rp_keyindex {
    size_t *slots;      /* position + 1, 0 = empty; at most half full */
    size_t cap;         /* a power of two, or 0 */
} rp_keyindex;

/* Indexes position i (positions are added in order 0, 1, 2, ...). False when
 * out of memory: the index is then unchanged. */
bool rp_keyindex_add(rp_keyindex *ix, size_t i, rp_key_of key_of, const void *items);
/* The position whose key is key, or RP_KEYINDEX_NONE. */
size_t rp_keyindex_find(const rp_keyindex *ix, const char *key, rp_key_of key_of, const void *items);
void rp_keyindex_free(rp_keyindex *ix);

#endif
