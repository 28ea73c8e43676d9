/*
 * sbuf.h - a growable text buffer, with the quoting this plugin needs to pass
 * many rows to PostgreSQL as array literals (one statement per run) and to
 * write JSON reasons.
 */
#ifndef SCORING_SBUF_H
#define SCORING_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sc_sbuf {
    char *data;
    size_t len, cap;
    bool oom;
} sc_sbuf;

void sc_sbuf_reset(sc_sbuf *b);
void sc_sbuf_free(sc_sbuf *b);
void sc_sbuf_putc(sc_sbuf *b, char c);
void sc_sbuf_puts(sc_sbuf *b, const char *s);
void sc_sbuf_printf(sc_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A double with full precision; NaN/inf as the given fallback text. */
void sc_sbuf_double(sc_sbuf *b, double v, const char *fallback);
/* One quoted element of a PostgreSQL array literal ("..." with \ and "
 * escaped); s == NULL writes NULL. */
void sc_sbuf_array_elem(sc_sbuf *b, const char *s);
/* A JSON string. */
void sc_sbuf_json_str(sc_sbuf *b, const char *s);
/* The text, NUL-terminated ("" when empty); NULL if memory ran out. */
const char *sc_sbuf_text(sc_sbuf *b);

#endif
