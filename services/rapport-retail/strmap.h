/*
 * strmap.h - string -> index map (uthash), for invoice numbers and customer
 * ids. Keys are not copied: they must outlive the map (the converter keeps
 * them in its arena).
 */
#ifndef RP_RETAIL_STRMAP_H
#define RP_RETAIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct retail_strmap_entry;   /* private to strmap.c */

typedef struct retail_strmap {
    struct retail_strmap_entry *head;   /* NULL = empty; a zeroed map is empty */
    size_t count;                       /* keys in the map */
} retail_strmap;

/* Finds key; true and *value set when present. */
bool retail_strmap_get(const retail_strmap *map, const char *key, size_t *value);

/* Inserts or replaces; false on OOM. */
bool retail_strmap_put(retail_strmap *map, const char *key, size_t value);

void retail_strmap_free(retail_strmap *map);

#endif
