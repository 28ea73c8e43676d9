/*
 * pgarray.c - PostgreSQL array literals built in memory (pgarray.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgarray.h"

static void append(sv_array *a, const char *s, size_t n)
{
    if (a->oom)
        return;
    if (a->len + n + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 256;
        while (cap < a->len + n + 1)
            cap *= 2;
        char *more = realloc(a->data, cap);
        if (!more) {
            a->oom = true;
            return;
        }
        a->data = more;
        a->cap = cap;
    }
    memcpy(a->data + a->len, s, n);
    a->len += n;
    a->data[a->len] = '\0';
}

/* Quoted, with quotes and backslashes escaped as array input needs. */
void sv_array_add(sv_array *a, const char *prefix, const char *s)
{
    append(a, a->count++ ? "," : "{", 1);
    if (!prefix && !s) {
        append(a, "NULL", 4);
        return;
    }
    append(a, "\"", 1);
    for (const char *parts[2] = {prefix, s}, **p = parts; p < parts + 2; p++) {
        for (const char *c = *p; c && *c; c++) {
            if (*c == '"' || *c == '\\')
                append(a, "\\", 1);
            append(a, c, 1);
        }
    }
    append(a, "\"", 1);
}

void sv_array_int(sv_array *a, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRId64, v);
    append(a, a->count++ ? "," : "{", 1);
    append(a, num, strlen(num));
}

const char *sv_array_finish(sv_array *a)
{
    if (a->count == 0)
        append(a, "{", 1);
    append(a, "}", 1);
    return a->oom ? NULL : a->data;
}

void sv_array_free(sv_array *a)
{
    free(a->data);
    *a = (sv_array){0};
}
