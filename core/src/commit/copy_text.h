/*
 * copy_text.h - building PostgreSQL COPY text-format rows in one growing
 * buffer and sending them with PQputCopyData. Text format: tab-separated
 * columns, \N for NULL, backslash escapes for tab/newline/CR/backslash, and
 * bytea as \\x<hex>.
 */
#ifndef RP_COPY_TEXT_H
#define RP_COPY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

typedef struct rp_copy_buffer {
    char *data;
    size_t len, cap;
    bool row_started;
    bool oom;
} rp_copy_buffer;

void rp_copy_init(rp_copy_buffer *buf);
void rp_copy_reset(rp_copy_buffer *buf);
void rp_copy_free(rp_copy_buffer *buf);
/* Makes room for `extra` more bytes; false (and buf->oom set) if it cannot. */
bool rp_copy_reserve(rp_copy_buffer *buf, size_t extra);

void rp_copy_text(rp_copy_buffer *buf, const char *s, size_t len);
void rp_copy_text_or_null(rp_copy_buffer *buf, const char *s);   /* NULL -> \N */
void rp_copy_int(rp_copy_buffer *buf, int64_t value);
void rp_copy_bytea(rp_copy_buffer *buf, const uint8_t *bytes, size_t len);
void rp_copy_end_row(rp_copy_buffer *buf);

/* Runs `copy_sql` (a COPY ... FROM STDIN) and streams the buffer. */
bool rp_copy_send(PGconn *db, const char *copy_sql, const rp_copy_buffer *buf, char *err, size_t errlen);

#endif
