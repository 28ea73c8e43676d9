/*
 * rp_pgarray.c - PostgreSQL array literals built in memory (rp_pgarray.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "rapport/rp_pgarray.h"

/* Array input syntax needs only quote and backslash escaped inside quotes. */
static void put_escaped(rp_text *b, const char *s)
{
    for (const char *c = s; c && *c; c++) {
        if (*c == '"' || *c == '\\')
            rp_text_putc(b, '\\');
        rp_text_putc(b, *c);
    }
}

static void put_element(rp_text *b, const char *prefix, const char *s)
{
    if (!prefix && !s) {
        rp_text_puts(b, "NULL");
        return;
    }
    rp_text_putc(b, '"');
    put_escaped(b, prefix);
    put_escaped(b, s);
    rp_text_putc(b, '"');
}

void rp_pgarray_quote(rp_text *b, const char *s)
{
    put_element(b, NULL, s);
}

/* The brace opens with the first element, so an array needs no open call. */
static void separate(rp_pgarray *a)
{
    rp_text_putc(&a->text, a->count++ ? ',' : '{');
}

void rp_pgarray_add_joined(rp_pgarray *a, const char *prefix, const char *s)
{
    separate(a);
    put_element(&a->text, prefix, s);
}

void rp_pgarray_add(rp_pgarray *a, const char *s)
{
    rp_pgarray_add_joined(a, NULL, s);
}

void rp_pgarray_add_int(rp_pgarray *a, int64_t v)
{
    separate(a);
    rp_text_printf(&a->text, "%" PRId64, v);
}

const char *rp_pgarray_finish(rp_pgarray *a)
{
    if (!a->finished) {
        if (a->count == 0)
            rp_text_putc(&a->text, '{');
        rp_text_putc(&a->text, '}');
        a->finished = true;
    }
    return rp_text_get(&a->text);
}

void rp_pgarray_free(rp_pgarray *a)
{
    rp_text_free(&a->text);
    *a = (rp_pgarray){0};
}
