/*
 * textbuf.c - a growable text buffer for the SQL array literals that let one
 * statement write many rows (unnest of array parameters).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

void rf_text_free(rf_text *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool reserve(rf_text *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
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

void rf_text_puts(rf_text *b, const char *s)
{
    size_t n = strlen(s);
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

void rf_text_printf(rf_text *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void rf_text_array_open(rf_text *b)
{
    rf_text_puts(b, "{");
}

void rf_text_array_elem(rf_text *b, const char *s)
{
    if (b->len > 1)
        rf_text_puts(b, ",");
    if (!s) {
        rf_text_puts(b, "NULL");
        return;
    }
    if (!reserve(b, 2 * strlen(s) + 2))
        return;
    b->data[b->len++] = '"';
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            b->data[b->len++] = '\\';
        b->data[b->len++] = *p;
    }
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
}

void rf_text_array_close(rf_text *b)
{
    rf_text_puts(b, "}");
}

const char *rf_text_get(rf_text *b)
{
    if (b->oom)
        return NULL;
    if (!b->data)
        rf_text_puts(b, "");
    return b->oom ? NULL : b->data;
}
