/*
 * rp_text.c - the growable text buffer of rp_text.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rapport/rp_text.h"

bool rp_text_reserve(rp_text *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    /* doubling keeps a long run of small appends linear */
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

void rp_text_free(rp_text *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void rp_text_reset(rp_text *b)
{
    b->len = 0;
    b->oom = false;
    if (b->data)
        b->data[0] = '\0';
}

void rp_text_putc(rp_text *b, char c)
{
    if (!rp_text_reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void rp_text_putn(rp_text *b, const char *s, size_t n)
{
    if (!rp_text_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void rp_text_puts(rp_text *b, const char *s)
{
    rp_text_putn(b, s, strlen(s));
}

void rp_text_printf(rp_text *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !rp_text_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void rp_text_double(rp_text *b, double v, const char *fallback)
{
    /* %.17g round-trips every double; PostgreSQL and JSON reject nan/inf */
    if (isfinite(v))
        rp_text_printf(b, "%.17g", v);
    else
        rp_text_puts(b, fallback);
}

const char *rp_text_get(rp_text *b)
{
    /* an untouched buffer has no memory yet, but callers want "" */
    if (!b->data)
        rp_text_reserve(b, 0);
    if (b->oom)
        return NULL;
    b->data[b->len] = '\0';
    return b->data;
}
