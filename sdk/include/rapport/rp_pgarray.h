/*
 * rp_pgarray.h - PostgreSQL array literals ('{"a","b",NULL}') built in
 * memory, so a set of keys or a column of rows travels as one text parameter
 * of a `= ANY($n::text[])` read or an `unnest($n::text[], ...)` write instead
 * of one statement per item.
 *
 * Out of memory is remembered (see rp_text.h) and reported once, by
 * rp_pgarray_finish() returning NULL. A zeroed rp_pgarray is an empty array.
 */
#ifndef RP_PGARRAY_H
#define RP_PGARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_text.h"

typedef struct rp_pgarray {
    rp_text text;
    size_t count;       /* elements added so far */
    bool finished;
} rp_pgarray;

/* Appends s as one quoted array element (quote and backslash escaped), or
 * NULL for s == NULL, with no separator: for callers that lay out the
 * literal themselves. */
void rp_pgarray_quote(rp_text *b, const char *s);

/* One element; s == NULL adds an SQL NULL. */
void rp_pgarray_add(rp_pgarray *a, const char *s);
/* One element made of prefix (may be NULL) followed by s; both NULL adds an
 * SQL NULL. Saves the caller a temporary copy for prefixed keys. */
void rp_pgarray_add_joined(rp_pgarray *a, const char *prefix, const char *s);
void rp_pgarray_add_int(rp_pgarray *a, int64_t v);
/* The literal, '{}' when empty; NULL after out of memory. The first call
 * closes the array (add nothing after it); later calls return the same. */
const char *rp_pgarray_finish(rp_pgarray *a);
void rp_pgarray_free(rp_pgarray *a);

#endif
