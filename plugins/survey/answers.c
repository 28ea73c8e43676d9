/*
 * answers.c - a survey.response's free-form `answers` map as JSON text, so
 * it can be stored in a jsonb column and queried per question. msgpack
 * strings, numbers, booleans, nil, arrays and maps map one to one; map keys
 * that are not strings are written as their JSON text in quotes; binary and
 * extension values (which no survey form produces) become null.
 */
#include <inttypes.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

typedef struct json_buf {
    char *data;
    size_t len, cap;
    bool oom;
} json_buf;

static void put(json_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *more = realloc(b->data, cap);
        if (!more) {
            b->oom = true;
            return;
        }
        b->data = more;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put_text(json_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_string(json_buf *b, const char *s, size_t n)
{
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(b, esc, 2);
        } else if (c == 0) {
            put_text(b, "\\ufffd");   /* jsonb refuses NUL in text */
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(b, esc, 6);
        } else {
            put(b, (const char *)&s[i], 1);
        }
    }
    put(b, "\"", 1);
}

static void put_object(json_buf *b, const msgpack_object *o);

static void put_key(json_buf *b, const msgpack_object *key)
{
    if (key->type == MSGPACK_OBJECT_STR) {
        put_string(b, key->via.str.ptr, key->via.str.size);
        return;
    }
    json_buf inner = {0};
    put_object(&inner, key);
    if (inner.oom)
        b->oom = true;
    put_string(b, inner.data ? inner.data : "", inner.len);
    free(inner.data);
}

static void put_object(json_buf *b, const msgpack_object *o)
{
    char num[48];
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: put_text(b, "null"); break;
    case MSGPACK_OBJECT_BOOLEAN: put_text(b, o->via.boolean ? "true" : "false"); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        snprintf(num, sizeof num, "%" PRIu64, o->via.u64);
        put_text(b, num);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        snprintf(num, sizeof num, "%" PRId64, o->via.i64);
        put_text(b, num);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        snprintf(num, sizeof num, "%.17g", o->via.f64);
        put_text(b, num);
        break;
    case MSGPACK_OBJECT_STR: put_string(b, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_ARRAY:
        put(b, "[", 1);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                put(b, ",", 1);
            put_object(b, &o->via.array.ptr[i]);
        }
        put(b, "]", 1);
        break;
    case MSGPACK_OBJECT_MAP:
        put(b, "{", 1);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i)
                put(b, ",", 1);
            put_key(b, &o->via.map.ptr[i].key);
            put(b, ":", 1);
            put_object(b, &o->via.map.ptr[i].val);
        }
        put(b, "}", 1);
        break;
    default: put_text(b, "null"); break;
    }
}

char *sv_answers_json(rp_view answers, bool *oom)
{
    *oom = false;
    if (!answers.ptr || answers.len == 0)
        return NULL;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t offset = 0;
    json_buf b = {0};
    if (msgpack_unpack_next(&unpacked, (const char *)answers.ptr, answers.len, &offset) == MSGPACK_UNPACK_SUCCESS
        && unpacked.data.type == MSGPACK_OBJECT_MAP)
        put_object(&b, &unpacked.data);
    msgpack_unpacked_destroy(&unpacked);
    if (b.oom) {
        free(b.data);
        *oom = true;
        return NULL;
    }
    return b.data;
}
