/*
 * pg_array.h - building PostgreSQL array literals ({"a","b",NULL}) as text
 * parameters, so a set-based statement (unnest) replaces one statement per
 * row.
 */
#ifndef RP_PG_ARRAY_H
#define RP_PG_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rp_pg_array {
    char *data;
    size_t len, cap;
    size_t count;
    bool oom;
} rp_pg_array;

void rp_pg_array_init(rp_pg_array *a);
void rp_pg_array_text(rp_pg_array *a, const char *s);          /* NULL -> NULL */
void rp_pg_array_int(rp_pg_array *a, int64_t v);
void rp_pg_array_bytea(rp_pg_array *a, const uint8_t *bytes, size_t len);
/* Returns the NUL-terminated literal (owned by a), or NULL on OOM. */
const char *rp_pg_array_finish(rp_pg_array *a);
void rp_pg_array_free(rp_pg_array *a);

#endif
