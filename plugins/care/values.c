/*
 * values.c - texts a call owns: copies of event data (ids of any length the
 * wire allows, no fixed buffers), refs and reasons built from them, freed
 * when the call ends. Running out of memory is sticky (cr_strings.oom): the
 * text is then "" and the call fails at its end (run.c), so handlers need
 * not check every copy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static const char *own(cr_strings *s, char *copy)
{
    if (!copy) {
        s->oom = true;
        return "";
    }
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **items = realloc(s->items, cap * sizeof *items);
        if (!items) {
            free(copy);
            s->oom = true;
            return "";
        }
        s->items = items;
        s->cap = cap;
    }
    s->items[s->count++] = copy;
    return copy;
}

const char *cr_str(cr_run *r, rp_view v)
{
    const char *p;
    size_t len;
    if (!r->api->view_str(v, &p, &len))
        return NULL;
    return own(&r->strings, strndup(p, len));
}

const char *cr_field(cr_run *r, rp_view data, const char *key)
{
    const char *s = cr_str(r, r->api->view_get(data, key));
    return s ? s : "";
}

const char *cr_keep(cr_run *r, const char *s)
{
    return own(&r->strings, strdup(s));
}

const char *cr_printf(cr_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    return own(&r->strings, text);
}

void cr_strings_free(cr_strings *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i]);
    free(s->items);
    *s = (cr_strings){0};
}

const char *cr_i64(char buf[24], int64_t v)
{
    snprintf(buf, 24, "%lld", (long long)v);
    return buf;
}
