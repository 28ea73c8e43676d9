/* copy_text.c - COPY text-format rows (see copy_text.h). */
#include "copy_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rp_copy_init(rp_copy_buffer *buf)
{
    memset(buf, 0, sizeof *buf);
}

void rp_copy_reset(rp_copy_buffer *buf)
{
    buf->len = 0;
    buf->row_started = false;
    buf->oom = false;
}

void rp_copy_free(rp_copy_buffer *buf)
{
    free(buf->data);
    memset(buf, 0, sizeof *buf);
}

bool rp_copy_reserve(rp_copy_buffer *buf, size_t extra)
{
    if (buf->oom)
        return false;
    if (buf->len + extra <= buf->cap)
        return true;
    size_t cap = buf->cap ? buf->cap : 65536;
    while (cap < buf->len + extra)
        cap *= 2;
    char *data = realloc(buf->data, cap);
    if (!data) {
        buf->oom = true;
        return false;
    }
    buf->data = data;
    buf->cap = cap;
    return true;
}

static void separator(rp_copy_buffer *buf)
{
    if (buf->row_started && rp_copy_reserve(buf, 1))
        buf->data[buf->len++] = '\t';
    buf->row_started = true;
}

void rp_copy_text(rp_copy_buffer *buf, const char *s, size_t len)
{
    separator(buf);
    if (!rp_copy_reserve(buf, len * 2))
        return;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        switch (c) {
        case '\\': buf->data[buf->len++] = '\\'; buf->data[buf->len++] = '\\'; break;
        case '\t': buf->data[buf->len++] = '\\'; buf->data[buf->len++] = 't'; break;
        case '\n': buf->data[buf->len++] = '\\'; buf->data[buf->len++] = 'n'; break;
        case '\r': buf->data[buf->len++] = '\\'; buf->data[buf->len++] = 'r'; break;
        default: buf->data[buf->len++] = c;
        }
    }
}

void rp_copy_text_or_null(rp_copy_buffer *buf, const char *s)
{
    if (s) {
        rp_copy_text(buf, s, strlen(s));
        return;
    }
    separator(buf);
    if (rp_copy_reserve(buf, 2)) {
        buf->data[buf->len++] = '\\';
        buf->data[buf->len++] = 'N';
    }
}

void rp_copy_int(rp_copy_buffer *buf, int64_t value)
{
    separator(buf);
    if (rp_copy_reserve(buf, 24))
        buf->len += (size_t)snprintf(buf->data + buf->len, 24, "%" PRId64, value);
}

void rp_copy_bytea(rp_copy_buffer *buf, const uint8_t *bytes, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    separator(buf);
    if (!rp_copy_reserve(buf, 3 + len * 2))
        return;
    /* "\\x" in COPY text is the escaped backslash followed by x. */
    buf->data[buf->len++] = '\\';
    buf->data[buf->len++] = '\\';
    buf->data[buf->len++] = 'x';
    for (size_t i = 0; i < len; i++) {
        buf->data[buf->len++] = hex[bytes[i] >> 4];
        buf->data[buf->len++] = hex[bytes[i] & 15];
    }
}

void rp_copy_end_row(rp_copy_buffer *buf)
{
    if (rp_copy_reserve(buf, 1))
        buf->data[buf->len++] = '\n';
    buf->row_started = false;
}

static void set_error(char *err, size_t errlen, const char *what, PGconn *db)
{
    snprintf(err, errlen, "%s: %s", what, PQerrorMessage(db));
    char *nl = strchr(err, '\n');
    if (nl)
        *nl = '\0';
}

bool rp_copy_send(PGconn *db, const char *copy_sql, const rp_copy_buffer *buf, char *err, size_t errlen)
{
    if (buf->oom) {
        snprintf(err, errlen, "out of memory building COPY data (%zu bytes)", buf->len);
        return false;
    }
    PGresult *res = PQexec(db, copy_sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        set_error(err, errlen, "COPY start failed", db);
        PQclear(res);
        return false;
    }
    PQclear(res);
    bool ok = buf->len == 0 || PQputCopyData(db, buf->data, (int)buf->len) == 1;
    if (PQputCopyEnd(db, ok ? NULL : "client error") != 1)
        ok = false;
    res = PQgetResult(db);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        set_error(err, errlen, "COPY failed", db);
        ok = false;
    }
    PQclear(res);
    /* Drain what is left; a connection still in COPY state (the end could
     * not be sent) answers PGRES_COPY_IN forever, so that ends the loop. */
    while ((res = PQgetResult(db)) != NULL) {
        ExecStatusType status = PQresultStatus(res);
        PQclear(res);
        if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH)
            break;
    }
    return ok;
}
