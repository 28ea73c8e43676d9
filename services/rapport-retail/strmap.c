/*
 * strmap.c - open-addressing string map with linear probing (see strmap.h).
 * The table is kept at most half full so probes stay short.
 */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* The slot holding key, or the empty slot where it belongs. */
static size_t find_slot(const char **keys, size_t cap, const char *key)
{
    size_t mask = cap - 1;
    size_t i = (size_t)fnv1a(key) & mask;
    while (keys[i] && strcmp(keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

bool retail_strmap_get(const retail_strmap *map, const char *key, size_t *value)
{
    if (map->cap == 0)
        return false;
    size_t i = find_slot(map->keys, map->cap, key);
    if (!map->keys[i])
        return false;
    *value = map->values[i];
    return true;
}

static bool grow(retail_strmap *map)
{
    size_t cap = map->cap ? map->cap * 2 : 64;
    const char **keys = calloc(cap, sizeof *keys);
    size_t *values = malloc(cap * sizeof *values);
    if (!keys || !values) {
        free(keys);
        free(values);
        return false;
    }
    for (size_t i = 0; i < map->cap; i++) {
        if (!map->keys[i])
            continue;
        size_t j = find_slot(keys, cap, map->keys[i]);
        keys[j] = map->keys[i];
        values[j] = map->values[i];
    }
    free(map->keys);
    free(map->values);
    map->keys = keys;
    map->values = values;
    map->cap = cap;
    return true;
}

bool retail_strmap_put(retail_strmap *map, const char *key, size_t value)
{
    if ((map->count + 1) * 2 > map->cap && !grow(map))
        return false;
    size_t i = find_slot(map->keys, map->cap, key);
    if (!map->keys[i]) {
        map->keys[i] = key;
        map->count++;
    }
    map->values[i] = value;
    return true;
}

void retail_strmap_free(retail_strmap *map)
{
    free(map->keys);
    free(map->values);
    map->keys = NULL;
    map->values = NULL;
    map->count = map->cap = 0;
}
