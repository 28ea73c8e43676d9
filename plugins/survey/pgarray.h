/*
 * pgarray.h - PostgreSQL array literals ('{"a","b",NULL}') built in memory,
 * so a set of keys or a column of rows travels as one text parameter of a
 * `= ANY($n::text[])` read or an `unnest($n::text[], ...)` write instead of
 * one statement per item. Out of memory is remembered, not reported per call.
 */
#ifndef SURVEY_PGARRAY_H
#define SURVEY_PGARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sv_array {
    char *data;
    size_t len, cap;
    size_t count;
    bool oom;
} sv_array;

/* One element: prefix (may be NULL) followed by s; both NULL: SQL NULL. */
void sv_array_add(sv_array *a, const char *prefix, const char *s);
void sv_array_int(sv_array *a, int64_t v);
/* The literal, '{}' when empty; NULL after out of memory. Call once. */
const char *sv_array_finish(sv_array *a);
void sv_array_free(sv_array *a);

#endif
