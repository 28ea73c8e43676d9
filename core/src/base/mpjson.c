/*
 * mpjson.c - JSON <-> msgpack conversion (see mpjson.h for the mapping).
 *
 * Before msgpack-c unpacks a buffer, span_of_object() walks its headers once:
 * msgpack-c allocates room for every element an array or map header claims
 * before it reads them, so a 6-byte frame claiming 4 billion elements would
 * ask for ~100 GB. The walk refuses any header that claims more elements
 * than bytes remain, and also gives exact "truncated" / "trailing bytes"
 * messages.
 */
#include "mpjson.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON -> msgpack ---------------------------------------------------- */

static int pack_json(msgpack_packer *pk, const json_t *json);

static int pack_string(msgpack_packer *pk, const char *s, size_t len)
{
    if (msgpack_pack_str(pk, len) != 0)
        return -1;
    return msgpack_pack_str_body(pk, s, len);
}

static int pack_object(msgpack_packer *pk, const json_t *json)
{
    if (msgpack_pack_map(pk, json_object_size(json)) != 0)
        return -1;
    const char *key;
    size_t key_len;
    json_t *value;
    /* jansson's API is not const-correct for iteration; nothing is modified. */
    json_t *object = (json_t *)json;
    json_object_keylen_foreach(object, key, key_len, value) {
        if (pack_string(pk, key, key_len) != 0 || pack_json(pk, value) != 0)
            return -1;
    }
    return 0;
}

static int pack_array(msgpack_packer *pk, const json_t *json)
{
    size_t count = json_array_size(json);
    if (msgpack_pack_array(pk, count) != 0)
        return -1;
    for (size_t i = 0; i < count; i++)
        if (pack_json(pk, json_array_get(json, i)) != 0)
            return -1;
    return 0;
}

static int pack_integer(msgpack_packer *pk, json_int_t value)
{
    if (value < 0)
        return msgpack_pack_int64(pk, (int64_t)value);
    return msgpack_pack_uint64(pk, (uint64_t)value);
}

static int pack_json(msgpack_packer *pk, const json_t *json)
{
    switch (json_typeof(json)) {
    case JSON_OBJECT:  return pack_object(pk, json);
    case JSON_ARRAY:   return pack_array(pk, json);
    case JSON_STRING:  return pack_string(pk, json_string_value(json), json_string_length(json));
    case JSON_INTEGER: return pack_integer(pk, json_integer_value(json));
    case JSON_REAL:
        if (!isfinite(json_real_value(json)))
            return -1;
        return msgpack_pack_double(pk, json_real_value(json));
    case JSON_TRUE:    return msgpack_pack_true(pk);
    case JSON_FALSE:   return msgpack_pack_false(pk);
    case JSON_NULL:    return msgpack_pack_nil(pk);
    }
    return -1;
}

uint8_t *rp_json_to_msgpack(const json_t *json, size_t *out_len)
{
    if (!json || !out_len)
        return NULL;
    /* msgpack_sbuffer_write returns -1 when realloc fails, so OOM surfaces as
     * a packer error and the partial buffer is freed below. */
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    if (pack_json(&pk, json) != 0) {
        msgpack_sbuffer_destroy(&sbuf);
        return NULL;
    }
    if (!sbuf.data) {
        /* Unreachable in practice (every value is at least one byte). */
        return NULL;
    }
    *out_len = sbuf.size;
    return (uint8_t *)msgpack_sbuffer_release(&sbuf);
}

/* ---- structural walk ---------------------------------------------------- */

/* One msgpack header: bytes of the header itself, bytes of payload that
 * follow it, and how many child objects follow the payload. */
typedef struct mp_header {
    size_t head;
    uint64_t payload;
    uint64_t children;
    bool container;
} mp_header;

static uint64_t read_be(const uint8_t *p, size_t width)
{
    uint64_t value = 0;
    for (size_t i = 0; i < width; i++)
        value = (value << 8) | p[i];
    return value;
}

/* Header with a big-endian length of `width` bytes after the type byte. */
static bool sized(const uint8_t *p, size_t avail, size_t width, size_t extra_head,
                  bool is_children, uint64_t per_child, mp_header *h)
{
    if (avail < 1 + width + extra_head)
        return false;
    uint64_t n = read_be(p + 1, width);
    h->head = 1 + width + extra_head;
    h->payload = is_children ? 0 : n;
    h->children = is_children ? n * per_child : 0;
    h->container = is_children;
    return true;
}

static void fixed(size_t head, uint64_t payload, uint64_t children, mp_header *h)
{
    h->head = head;
    h->payload = payload;
    h->children = children;
    h->container = false;
}

static void fixed_container(uint64_t children, mp_header *h)
{
    fixed(1, 0, children, h);
    h->container = true;
}

/* Decodes the header at p. Returns 1 on success, 0 if the header itself is
 * cut short, -1 for the one byte msgpack never uses (0xc1). */
static int read_header(const uint8_t *p, size_t avail, mp_header *h)
{
    uint8_t b = p[0];
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
        fixed(1, 0, 0, h);
        return 1;
    }
    if (b <= 0x8f) { fixed_container(2u * (b & 0x0f), h); return 1; }
    if (b <= 0x9f) { fixed_container(b & 0x0f, h); return 1; }
    if (b <= 0xbf) { fixed(1, b & 0x1f, 0, h); return 1; }
    bool ok = true;
    switch (b) {
    case 0xc1: return -1;
    case 0xc4: case 0xd9: ok = sized(p, avail, 1, 0, false, 0, h); break;   /* bin8, str8 */
    case 0xc5: case 0xda: ok = sized(p, avail, 2, 0, false, 0, h); break;
    case 0xc6: case 0xdb: ok = sized(p, avail, 4, 0, false, 0, h); break;
    case 0xc7: ok = sized(p, avail, 1, 1, false, 0, h); break;              /* ext: + type byte */
    case 0xc8: ok = sized(p, avail, 2, 1, false, 0, h); break;
    case 0xc9: ok = sized(p, avail, 4, 1, false, 0, h); break;
    case 0xca: fixed(1, 4, 0, h); break;                                   /* float32 */
    case 0xcb: fixed(1, 8, 0, h); break;                                   /* float64 */
    case 0xcc: case 0xd0: fixed(1, 1, 0, h); break;
    case 0xcd: case 0xd1: fixed(1, 2, 0, h); break;
    case 0xce: case 0xd2: fixed(1, 4, 0, h); break;
    case 0xcf: case 0xd3: fixed(1, 8, 0, h); break;
    case 0xd4: fixed(2, 1, 0, h); break;                                   /* fixext 1..16 */
    case 0xd5: fixed(2, 2, 0, h); break;
    case 0xd6: fixed(2, 4, 0, h); break;
    case 0xd7: fixed(2, 8, 0, h); break;
    case 0xd8: fixed(2, 16, 0, h); break;
    case 0xdc: ok = sized(p, avail, 2, 0, true, 1, h); break;              /* array16/32 */
    case 0xdd: ok = sized(p, avail, 4, 0, true, 1, h); break;
    case 0xde: ok = sized(p, avail, 2, 0, true, 2, h); break;              /* map16/32 */
    case 0xdf: ok = sized(p, avail, 4, 0, true, 2, h); break;
    }
    return ok ? 1 : 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, size_t a, size_t b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
}

/* Walks one complete object from buf[0]; its end offset in *end.
 * remaining[d] counts the objects still due at nesting level d. Like
 * msgpack-c, an empty container counts towards the depth but opens no level. */
static bool span_of_object(const uint8_t *buf, size_t len, size_t *end, char *err, size_t errlen)
{
    uint64_t remaining[RP_MPJSON_MAX_DEPTH + 1];
    size_t depth = 1;
    remaining[0] = 1;
    size_t pos = 0;
    while (depth > 0) {
        if (remaining[depth - 1] == 0) {
            depth--;
            continue;
        }
        if (pos >= len) {
            set_err(err, errlen, "truncated msgpack: input ends at byte %zu inside %zu open container(s)",
                    len, depth - 1);
            return false;
        }
        mp_header h = {0};
        int got = read_header(buf + pos, len - pos, &h);
        if (got < 0) {
            set_err(err, errlen, "invalid msgpack: byte 0x%02zx at offset %zu is never used",
                    buf[pos], pos);
            return false;
        }
        size_t left = len - pos;
        if (got == 0 || h.head > left || h.payload > left - h.head) {
            set_err(err, errlen, "truncated msgpack: object at byte %zu needs more than the %zu byte(s) left",
                    pos, left);
            return false;
        }
        pos += h.head + (size_t)h.payload;
        remaining[depth - 1]--;
        if (h.container && depth > RP_MPJSON_MAX_DEPTH) {
            set_err(err, errlen, "msgpack nested deeper than %zu levels (container at byte %zu)",
                    (size_t)RP_MPJSON_MAX_DEPTH, pos - h.head);
            return false;
        }
        if (h.children == 0)
            continue;
        /* Every child needs at least one byte, so a claim beyond the bytes
         * left is a lie (or truncation): refuse it before anything allocates. */
        if (h.children > len - pos) {
            set_err(err, errlen, "truncated msgpack: a container claims %zu element(s) with %zu byte(s) left",
                    (size_t)h.children, len - pos);
            return false;
        }
        remaining[depth++] = h.children;
    }
    *end = pos;
    return true;
}

/* ---- msgpack -> JSON ---------------------------------------------------- */

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* A base64 JSON string of bytes, or NULL when out of memory. */
static json_t *base64_string(const char *bytes, size_t len)
{
    size_t out_len = (len + 2) / 3 * 4;
    char *out = malloc(out_len + 1);
    if (!out)
        return NULL;
    const uint8_t *in = (const uint8_t *)bytes;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t group = (uint32_t)in[i] << 16;
        if (i + 1 < len) group |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len) group |= in[i + 2];
        out[o++] = base64_alphabet[(group >> 18) & 0x3f];
        out[o++] = base64_alphabet[(group >> 12) & 0x3f];
        out[o++] = i + 1 < len ? base64_alphabet[(group >> 6) & 0x3f] : '=';
        out[o++] = i + 2 < len ? base64_alphabet[group & 0x3f] : '=';
    }
    out[o] = '\0';
    json_t *string = json_stringn(out, o);
    free(out);
    return string;
}

static json_t *to_json(const msgpack_object *o, char *err, size_t errlen);

static json_t *fail(char *err, size_t errlen, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", what);
    return NULL;
}

/* The text a non-string map key becomes: its compact JSON form. */
static char *key_text(const msgpack_object *key, char *err, size_t errlen)
{
    json_t *value = to_json(key, err, errlen);
    if (!value)
        return NULL;
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    json_decref(value);
    if (!text)
        fail(err, errlen, "out of memory");
    return text;
}

static bool set_member(json_t *object, const msgpack_object_kv *kv, char *err, size_t errlen)
{
    json_t *value = to_json(&kv->val, err, errlen);
    if (!value)
        return false;
    if (kv->key.type == MSGPACK_OBJECT_STR) {
        const msgpack_object_str *k = &kv->key.via.str;
        if (json_object_setn_new(object, k->ptr ? k->ptr : "", k->size, value) != 0) {
            fail(err, errlen, "map key is not valid UTF-8 (or out of memory)");
            return false;
        }
        return true;
    }
    char *text = key_text(&kv->key, err, errlen);
    if (!text) {
        json_decref(value);
        return false;
    }
    int rc = json_object_set_new(object, text, value);
    free(text);
    if (rc != 0)
        fail(err, errlen, "out of memory");
    return rc == 0;
}

static json_t *map_to_json(const msgpack_object_map *map, char *err, size_t errlen)
{
    json_t *object = json_object();
    if (!object)
        return fail(err, errlen, "out of memory");
    for (uint32_t i = 0; i < map->size; i++) {
        if (!set_member(object, &map->ptr[i], err, errlen)) {
            json_decref(object);
            return NULL;
        }
    }
    return object;
}

static json_t *array_to_json(const msgpack_object_array *array, char *err, size_t errlen)
{
    json_t *list = json_array();
    if (!list)
        return fail(err, errlen, "out of memory");
    for (uint32_t i = 0; i < array->size; i++) {
        json_t *item = to_json(&array->ptr[i], err, errlen);
        if (!item || json_array_append_new(list, item) != 0) {
            if (item)
                fail(err, errlen, "out of memory");
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *ext_to_json(const msgpack_object_ext *ext, char *err, size_t errlen)
{
    json_t *object = json_object();
    if (!object)
        return fail(err, errlen, "out of memory");
    /* The _new setters take ownership of the value even when they fail, and
     * json_object_set_new refuses a NULL value, so no check per value. */
    if (json_object_set_new(object, "ext", json_integer(ext->type)) != 0 ||
        json_object_set_new(object, "data", base64_string(ext->ptr, ext->size)) != 0) {
        json_decref(object);
        return fail(err, errlen, "out of memory");
    }
    return object;
}

static json_t *number_to_json(const msgpack_object *o, char *err, size_t errlen)
{
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        /* json_int_t is 64-bit signed: larger values degrade to a real
         * rather than wrapping to a negative number. */
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return json_real((double)o->via.u64);
        return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)o->via.i64);
    default:
        if (!isfinite(o->via.f64))
            return fail(err, errlen, "float is NaN or infinite, which JSON cannot hold");
        return json_real(o->via.f64);
    }
}

static json_t *to_json(const msgpack_object *o, char *err, size_t errlen)
{
    json_t *value = NULL;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:     value = json_null(); break;
    case MSGPACK_OBJECT_BOOLEAN: value = json_boolean(o->via.boolean); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return number_to_json(o, err, errlen);
    case MSGPACK_OBJECT_STR:
        value = json_stringn(o->via.str.ptr ? o->via.str.ptr : "", o->via.str.size);
        return value ? value : fail(err, errlen, "string is not valid UTF-8");
    case MSGPACK_OBJECT_BIN:
        value = base64_string(o->via.bin.ptr, o->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY: return array_to_json(&o->via.array, err, errlen);
    case MSGPACK_OBJECT_MAP:   return map_to_json(&o->via.map, err, errlen);
    case MSGPACK_OBJECT_EXT:   return ext_to_json(&o->via.ext, err, errlen);
    default:                   return fail(err, errlen, "unknown msgpack object type");
    }
    return value ? value : fail(err, errlen, "out of memory");
}

json_t *rp_msgpack_object_to_json(const msgpack_object *o)
{
    return o ? to_json(o, NULL, 0) : NULL;
}

json_t *rp_msgpack_to_json(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!buf || len == 0)
        return fail(err, errlen, "empty input: no msgpack object");
    size_t end = 0;
    if (!span_of_object(buf, len, &end, err, errlen))
        return NULL;
    if (end != len) {
        set_err(err, errlen, "%zu trailing byte(s) after the msgpack object ending at byte %zu",
                len - end, end);
        return NULL;
    }
    msgpack_unpacked result;
    msgpack_unpacked_init(&result);
    size_t offset = 0;
    msgpack_unpack_return rc = msgpack_unpack_next(&result, (const char *)buf, len, &offset);
    json_t *json = NULL;
    if (rc == MSGPACK_UNPACK_SUCCESS && offset == len)
        json = to_json(&result.data, err, errlen);
    else if (rc == MSGPACK_UNPACK_NOMEM_ERROR)
        fail(err, errlen, "out of memory");
    else
        fail(err, errlen, "invalid msgpack");
    msgpack_unpacked_destroy(&result);
    return json;
}
