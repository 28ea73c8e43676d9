/* rp_keyindex.c - open addressing with linear probing (see rp_keyindex.h). */
#include "rp_keyindex.h"

#include <stdlib.h>
#include <string.h>

static size_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return (size_t)h;
}

static void put(size_t *slots, size_t cap, size_t i, const char *key)
{
    size_t mask = cap - 1;
    size_t h = key_hash(key) & mask;
    while (slots[h])
        h = (h + 1) & mask;
    slots[h] = i + 1;
}

bool rp_keyindex_add(rp_keyindex *ix, size_t i, rp_key_of key_of, const void *items)
{
    if ((i + 1) * 2 > ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 64;
        while ((i + 1) * 2 > cap)
            cap *= 2;
        size_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        for (size_t k = 0; k < i; k++)
            put(slots, cap, k, key_of(items, k));
        free(ix->slots);
        ix->slots = slots;
        ix->cap = cap;
    }
    put(ix->slots, ix->cap, i, key_of(items, i));
    return true;
}

size_t rp_keyindex_find(const rp_keyindex *ix, const char *key, rp_key_of key_of, const void *items)
{
    if (!key || ix->cap == 0)
        return RP_KEYINDEX_NONE;
    size_t mask = ix->cap - 1;
    for (size_t h = key_hash(key) & mask; ix->slots[h]; h = (h + 1) & mask)
        if (strcmp(key_of(items, ix->slots[h] - 1), key) == 0)
            return ix->slots[h] - 1;
    return RP_KEYINDEX_NONE;
}

void rp_keyindex_free(rp_keyindex *ix)
{
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = 0;
}
