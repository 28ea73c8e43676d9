/*
 * textbuf.h - a growable text buffer for the PostgreSQL array literals that
 * let one query read the rows of many keys (= ANY($n::text[])).
 */
#ifndef STAKEHOLDER_TEXTBUF_H
#define STAKEHOLDER_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sh_text {
    char *data;
    size_t len, cap;
    bool oom;
} sh_text;

void sh_text_free(sh_text *b);
void sh_text_puts(sh_text *b, const char *s);
/* "{" ... "}" with each element quoted and escaped. */
void sh_text_array_open(sh_text *b);
void sh_text_array_elem(sh_text *b, const char *s);
void sh_text_array_close(sh_text *b);
/* NUL-terminated text, NULL when memory ran out. */
const char *sh_text_get(sh_text *b);

#endif
