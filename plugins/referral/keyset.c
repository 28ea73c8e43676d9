/*
 * keyset.c - a set of strings by open addressing (keyset.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void rf_keyset_free(rf_keyset *s)
{
    for (size_t i = 0; i < s->nslots; i++)
        free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(char *const *slots, size_t nslots, const char *key)
{
    size_t mask = nslots - 1, i = hash_key(key) & mask;
    while (slots[i] && strcmp(slots[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

bool rf_keyset_contains(const rf_keyset *s, const char *key)
{
    return s->nslots && s->slots[probe(s->slots, s->nslots, key)];
}

static bool grow(rf_keyset *s)
{
    size_t n = s->nslots ? s->nslots * 2 : 64;
    char **slots = calloc(n, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < s->nslots; i++)
        if (s->slots[i])
            slots[probe(slots, n, s->slots[i])] = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->nslots = n;
    return true;
}

bool rf_keyset_add(rf_keyset *s, const char *key, bool *added)
{
    *added = false;
    if (rf_keyset_contains(s, key))
        return true;
    if ((s->count + 1) * 2 > s->nslots && !grow(s))
        return false;
    char *copy = strdup(key);
    if (!copy)
        return false;
    s->slots[probe(s->slots, s->nslots, key)] = copy;
    s->count++;
    *added = true;
    return true;
}
