/* pg_array.c - PostgreSQL array literals (see pg_array.h). Every element is
 * double-quoted with " and \ escaped, which is valid for any element type. */
#include "pg_array.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rp_pg_array_init(rp_pg_array *a)
{
    memset(a, 0, sizeof *a);
}

static bool reserve(rp_pg_array *a, size_t extra)
{
    if (a->oom)
        return false;
    if (a->len + extra + 2 <= a->cap)
        return true;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->len + extra + 2)
        cap *= 2;
    char *data = realloc(a->data, cap);
    if (!data) {
        a->oom = true;
        return false;
    }
    a->data = data;
    a->cap = cap;
    return true;
}

static void begin_element(rp_pg_array *a)
{
    if (!reserve(a, 1))
        return;
    a->data[a->len++] = a->count++ ? ',' : '{';
}

void rp_pg_array_text(rp_pg_array *a, const char *s)
{
    begin_element(a);
    if (!s) {
        if (reserve(a, 4)) {
            memcpy(a->data + a->len, "NULL", 4);
            a->len += 4;
        }
        return;
    }
    size_t n = strlen(s);
    if (!reserve(a, n * 2 + 2))
        return;
    a->data[a->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            a->data[a->len++] = '\\';
        a->data[a->len++] = s[i];
    }
    a->data[a->len++] = '"';
}

void rp_pg_array_int(rp_pg_array *a, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    rp_pg_array_text(a, buf);
}

void rp_pg_array_bytea(rp_pg_array *a, const uint8_t *bytes, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    begin_element(a);
    if (!reserve(a, len * 2 + 6))
        return;
    /* "\\x..." : the array parser turns \\ into \, giving bytea's \x form. */
    memcpy(a->data + a->len, "\"\\\\x", 4);
    a->len += 4;
    for (size_t i = 0; i < len; i++) {
        a->data[a->len++] = hex[bytes[i] >> 4];
        a->data[a->len++] = hex[bytes[i] & 15];
    }
    a->data[a->len++] = '"';
}

const char *rp_pg_array_finish(rp_pg_array *a)
{
    if (a->count == 0) {
        if (!reserve(a, 2))
            return NULL;
        a->data[a->len++] = '{';
    }
    if (!reserve(a, 2))
        return NULL;
    a->data[a->len++] = '}';
    a->data[a->len] = '\0';
    return a->data;
}

void rp_pg_array_free(rp_pg_array *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
