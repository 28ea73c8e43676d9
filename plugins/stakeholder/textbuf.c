/*
 * textbuf.c - the growable text buffer of textbuf.h.
 */
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

void sh_text_free(sh_text *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool reserve(sh_text *b, size_t extra)
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

void sh_text_puts(sh_text *b, const char *s)
{
    size_t n = strlen(s);
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

void sh_text_array_open(sh_text *b)
{
    sh_text_puts(b, "{");
}

void sh_text_array_elem(sh_text *b, const char *s)
{
    if (b->len > 1)
        sh_text_puts(b, ",");
    /* worst case every byte escaped, plus the quotes */
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

void sh_text_array_close(sh_text *b)
{
    sh_text_puts(b, "}");
}

const char *sh_text_get(sh_text *b)
{
    if (!b->data)
        sh_text_puts(b, "");
    return b->oom ? NULL : b->data;
}
