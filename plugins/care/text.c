/*
 * text.c - a growable buffer for the PostgreSQL array literals that let one
 * statement read or write a whole run's customers (= ANY($1::text[])).
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

void cr_text_free(cr_text *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool grow(cr_text *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->oom = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void cr_text_puts(cr_text *b, const char *s)
{
    size_t n = strlen(s);
    if (!grow(b, n))
        return;
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

/* Quoted, with backslash escapes for quote and backslash. */
void cr_text_array_elem(cr_text *b, const char *s)
{
    if (!grow(b, 2 * strlen(s) + 3))
        return;
    if (b->len > 0)
        b->data[b->len++] = ',';
    b->data[b->len++] = '"';
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            b->data[b->len++] = '\\';
        b->data[b->len++] = *p;
    }
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
}

void cr_text_array_null(cr_text *b)
{
    if (!grow(b, 5))
        return;
    if (b->len > 0)
        b->data[b->len++] = ',';
    memcpy(b->data + b->len, "NULL", 5);
    b->len += 4;
}

/* Wraps the elements in braces once, at the end. */
const char *cr_text_array(cr_text *b)
{
    if (b->oom || !grow(b, 2))
        return NULL;
    memmove(b->data + 1, b->data, b->len);
    b->data[0] = '{';
    b->data[b->len + 1] = '}';
    b->len += 2;
    b->data[b->len] = '\0';
    return b->data;
}
