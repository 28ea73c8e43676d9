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
#include "rapport/rp_text.h"

static void put_string(rp_text *b, const char *s, size_t n)
{
    rp_text_putn(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            rp_text_putn(b, esc, 2);
        } else if (c == 0) {
            rp_text_puts(b, "\\ufffd");   /* jsonb refuses NUL in text */
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            rp_text_putn(b, esc, 6);
        } else {
            rp_text_putn(b, (const char *)&s[i], 1);
        }
    }
    rp_text_putn(b, "\"", 1);
}

static void put_object(rp_text *b, const msgpack_object *o);

static void put_key(rp_text *b, const msgpack_object *key)
{
    if (key->type == MSGPACK_OBJECT_STR) {
        put_string(b, key->via.str.ptr, key->via.str.size);
        return;
    }
    rp_text inner = {0};
    put_object(&inner, key);
    if (inner.oom)
        b->oom = true;
    put_string(b, inner.data ? inner.data : "", inner.len);
    free(inner.data);
}

static void put_object(rp_text *b, const msgpack_object *o)
{
    char num[48];
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: rp_text_puts(b, "null"); break;
    case MSGPACK_OBJECT_BOOLEAN: rp_text_puts(b, o->via.boolean ? "true" : "false"); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        snprintf(num, sizeof num, "%" PRIu64, o->via.u64);
        rp_text_puts(b, num);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        snprintf(num, sizeof num, "%" PRId64, o->via.i64);
        rp_text_puts(b, num);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        snprintf(num, sizeof num, "%.17g", o->via.f64);
        rp_text_puts(b, num);
        break;
    case MSGPACK_OBJECT_STR: put_string(b, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_ARRAY:
        rp_text_putn(b, "[", 1);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                rp_text_putn(b, ",", 1);
            put_object(b, &o->via.array.ptr[i]);
        }
        rp_text_putn(b, "]", 1);
        break;
    case MSGPACK_OBJECT_MAP:
        rp_text_putn(b, "{", 1);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i)
                rp_text_putn(b, ",", 1);
            put_key(b, &o->via.map.ptr[i].key);
            rp_text_putn(b, ":", 1);
            put_object(b, &o->via.map.ptr[i].val);
        }
        rp_text_putn(b, "}", 1);
        break;
    default: rp_text_puts(b, "null"); break;
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
    rp_text b = {0};
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
