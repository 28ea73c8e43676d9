/*
 * strmap.h - string -> index map (open addressing, FNV-1a), for invoice
 * numbers and customer ids. Keys are not copied: they must outlive the map
 * (the converter keeps them in its arena).
 */
#ifndef RP_RETAIL_STRMAP_H
#define RP_RETAIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct retail_strmap {
    const char **keys;
    size_t *values;
    size_t count, cap;     /* cap is 0 or a power of two */
} retail_strmap;

/* Finds key; true and *value set when present. */
bool retail_strmap_get(const retail_strmap *map, const char *key, size_t *value);

/* Inserts or replaces; false on OOM. */
bool retail_strmap_put(retail_strmap *map, const char *key, size_t value);

void retail_strmap_free(retail_strmap *map);

#endif
