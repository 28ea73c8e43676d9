/*
 * arena.h - a string store freed all at once: the converter keeps every row
 * of the file until the end (see invoices.h), and half a million small
 * strdup()s would cost more in malloc headers than the text itself.
 */
#ifndef RP_RETAIL_ARENA_H
#define RP_RETAIL_ARENA_H

#include <stddef.h>

typedef struct retail_arena_chunk retail_arena_chunk;

typedef struct retail_arena {
    retail_arena_chunk *head;   /* the chunk being filled; older ones follow */
} retail_arena;

/* A NUL-terminated copy of s owned by the arena, or NULL on OOM. */
const char *retail_arena_strdup(retail_arena *arena, const char *s);

void retail_arena_free(retail_arena *arena);

#endif
