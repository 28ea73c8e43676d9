/*
 * sbuf.c - growable text buffer (see sbuf.h). Memory failure is sticky and
 * reported once by sc_sbuf_text returning NULL, so callers check one place.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

static bool reserve(sc_sbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void sc_sbuf_reset(sc_sbuf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->data)
        b->data[0] = '\0';
}

void sc_sbuf_free(sc_sbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void sc_sbuf_putc(sc_sbuf *b, char c)
{
    if (!reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void sc_sbuf_puts(sc_sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

void sc_sbuf_printf(sc_sbuf *b, const char *fmt, ...)
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

void sc_sbuf_double(sc_sbuf *b, double v, const char *fallback)
{
    if (isfinite(v))
        sc_sbuf_printf(b, "%.17g", v);
    else
        sc_sbuf_puts(b, fallback);
}

void sc_sbuf_array_elem(sc_sbuf *b, const char *s)
{
    if (!s) {
        sc_sbuf_puts(b, "NULL");
        return;
    }
    sc_sbuf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sc_sbuf_putc(b, '\\');
        sc_sbuf_putc(b, *s);
    }
    sc_sbuf_putc(b, '"');
}

void sc_sbuf_json_str(sc_sbuf *b, const char *s)
{
    sc_sbuf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sc_sbuf_printf(b, "\\%c", c);
        else if (c < 0x20)
            sc_sbuf_printf(b, "\\u%04x", c);
        else
            sc_sbuf_putc(b, (char)c);
    }
    sc_sbuf_putc(b, '"');
}

const char *sc_sbuf_text(sc_sbuf *b)
{
    if (b->oom)
        return NULL;
    if (!b->data)
        reserve(b, 0);
    return b->oom ? NULL : (b->len ? b->data : (b->data[0] = '\0', b->data));
}
