/*
 * arena.c - chunked string store (see arena.h).
 */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_BYTES (1u << 20)

struct retail_arena_chunk {
    retail_arena_chunk *next;
    size_t used, size;
    char bytes[];
};

static retail_arena_chunk *new_chunk(size_t at_least, retail_arena_chunk *next)
{
    size_t size = at_least > ARENA_CHUNK_BYTES ? at_least : ARENA_CHUNK_BYTES;
    retail_arena_chunk *chunk = malloc(sizeof *chunk + size);
    if (!chunk)
        return NULL;
    chunk->next = next;
    chunk->used = 0;
    chunk->size = size;
    return chunk;
}

const char *retail_arena_strdup(retail_arena *arena, const char *s)
{
    size_t len = strlen(s) + 1;
    retail_arena_chunk *chunk = arena->head;
    if (!chunk || chunk->size - chunk->used < len) {
        chunk = new_chunk(len, arena->head);
        if (!chunk)
            return NULL;
        arena->head = chunk;
    }
    char *copy = chunk->bytes + chunk->used;
    memcpy(copy, s, len);
    chunk->used += len;
    return copy;
}

void retail_arena_free(retail_arena *arena)
{
    retail_arena_chunk *chunk = arena->head;
    while (chunk) {
        retail_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    arena->head = NULL;
}
