/*
 * rp_text.h - a growable NUL-terminated text buffer for the plugins (SQL
 * parameters, array literals, JSON fragments).
 *
 * Running out of memory is sticky: later appends do nothing and
 * rp_text_get() returns NULL, so a caller builds the whole text and checks
 * once instead of after every append. A zeroed rp_text is an empty buffer.
 */
#ifndef RP_TEXT_H
#define RP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rp_text {
    char *data;
    size_t len, cap;
    bool oom;
} rp_text;

void rp_text_free(rp_text *b);
/* Empties the buffer but keeps its memory, and forgets an earlier failure. */
void rp_text_reset(rp_text *b);
void rp_text_putc(rp_text *b, char c);
void rp_text_puts(rp_text *b, const char *s);
/* n bytes of s, which need not be NUL-terminated. */
void rp_text_putn(rp_text *b, const char *s, size_t n);
void rp_text_printf(rp_text *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* v with full precision (%.17g); NaN and infinities as fallback. */
void rp_text_double(rp_text *b, double v, const char *fallback);
/* Ensures room for extra more bytes and the NUL; false after out of memory.
 * For writers that fill b->data themselves (then add to b->len). */
bool rp_text_reserve(rp_text *b, size_t extra);
/* The text ("" when nothing was appended); NULL if memory ran out. */
const char *rp_text_get(rp_text *b);

#endif
