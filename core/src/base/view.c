/*
 * view.c - the msgpack reader behind view.h. See the msgpack spec
 * (github.com/msgpack/msgpack/blob/master/spec.md) for the tag table.
 */
#include "view.h"

#include <string.h>

static uint64_t be_read(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Sized header: tag, then an n-byte big-endian length or count. */
static bool sized(const uint8_t *p, size_t avail, size_t n, uint64_t *value)
{
    if (avail < 1 + n)
        return false;
    *value = be_read(p + 1, n);
    return true;
}

static bool read_str_like(const uint8_t *p, size_t avail, size_t n, rp_view_kind kind, rp_mp_head *h)
{
    uint64_t len;
    if (!sized(p, avail, n, &len))
        return false;
    h->kind = kind;
    h->head_len = 1 + n;
    h->body_len = (size_t)len;
    return true;
}

static bool read_container(const uint8_t *p, size_t avail, size_t n, bool is_map, rp_mp_head *h)
{
    uint64_t count;
    if (!sized(p, avail, n, &count))
        return false;
    h->kind = is_map ? RP_VIEW_MAP : RP_VIEW_ARRAY;
    h->head_len = 1 + n;
    h->children = is_map ? 2 * count : count;
    return true;
}

/* ext 8/16/32: length, then a type byte that we count as part of the body. */
static bool read_ext(const uint8_t *p, size_t avail, size_t n, rp_mp_head *h)
{
    uint64_t len;
    if (!sized(p, avail, n, &len))
        return false;
    h->kind = RP_VIEW_EXT;
    h->head_len = 1 + n;
    h->body_len = (size_t)len + 1;
    return true;
}

static bool read_number(const uint8_t *p, size_t avail, uint8_t tag, rp_mp_head *h)
{
    static const uint8_t width[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8}; /* 0xca..0xd3 */
    size_t n = width[tag - 0xca];
    if (avail < 1 + n)
        return false;
    uint64_t raw = be_read(p + 1, n);
    h->head_len = 1 + n;
    if (tag == 0xca || tag == 0xcb) {
        h->kind = RP_VIEW_FLOAT;
        if (tag == 0xca) {
            uint32_t bits = (uint32_t)raw;
            float f;
            memcpy(&f, &bits, sizeof f);
            h->d = f;
        } else {
            memcpy(&h->d, &raw, sizeof h->d);
        }
    } else if (tag <= 0xcf) {                      /* unsigned */
        if (raw > (uint64_t)INT64_MAX) {
            h->kind = RP_VIEW_UINT;
            h->u = raw;
        } else {
            h->kind = RP_VIEW_INT;
            h->i = (int64_t)raw;
        }
    } else {                                       /* signed: sign-extend */
        unsigned shift = (unsigned)(64 - 8 * n);
        h->kind = RP_VIEW_INT;
        h->i = (int64_t)(raw << shift) >> shift;
    }
    return true;
}

static bool read_fixed_tag(const uint8_t *p, size_t avail, uint8_t tag, rp_mp_head *h)
{
    switch (tag) {
    case 0xc0: h->kind = RP_VIEW_NIL; return true;
    case 0xc2: h->kind = RP_VIEW_BOOL; h->i = 0; return true;
    case 0xc3: h->kind = RP_VIEW_BOOL; h->i = 1; return true;
    case 0xc4: return read_str_like(p, avail, 1, RP_VIEW_BIN, h);
    case 0xc5: return read_str_like(p, avail, 2, RP_VIEW_BIN, h);
    case 0xc6: return read_str_like(p, avail, 4, RP_VIEW_BIN, h);
    case 0xc7: return read_ext(p, avail, 1, h);
    case 0xc8: return read_ext(p, avail, 2, h);
    case 0xc9: return read_ext(p, avail, 4, h);
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
        h->kind = RP_VIEW_EXT;                     /* fixext: type byte + 2^k bytes */
        h->body_len = 1 + ((size_t)1 << (tag - 0xd4));
        return true;
    case 0xd9: return read_str_like(p, avail, 1, RP_VIEW_STR, h);
    case 0xda: return read_str_like(p, avail, 2, RP_VIEW_STR, h);
    case 0xdb: return read_str_like(p, avail, 4, RP_VIEW_STR, h);
    case 0xdc: return read_container(p, avail, 2, false, h);
    case 0xdd: return read_container(p, avail, 4, false, h);
    case 0xde: return read_container(p, avail, 2, true, h);
    case 0xdf: return read_container(p, avail, 4, true, h);
    default:   return read_number(p, avail, tag, h); /* 0xca..0xd3 */
    }
}

bool rp_mp_read_head(const uint8_t *p, size_t avail, rp_mp_head *h)
{
    memset(h, 0, sizeof *h);
    if (!p || avail == 0)
        return false;
    uint8_t tag = p[0];
    h->head_len = 1;
    if (tag <= 0x7f) {
        h->kind = RP_VIEW_INT;
        h->i = tag;
    } else if (tag >= 0xe0) {
        h->kind = RP_VIEW_INT;
        h->i = (int8_t)tag;
    } else if (tag <= 0x8f) {
        h->kind = RP_VIEW_MAP;
        h->children = 2u * (tag & 0x0f);
    } else if (tag <= 0x9f) {
        h->kind = RP_VIEW_ARRAY;
        h->children = tag & 0x0f;
    } else if (tag <= 0xbf) {
        h->kind = RP_VIEW_STR;
        h->body_len = tag & 0x1f;
    } else if (tag == 0xc1) {
        return false;                              /* "never used" */
    } else {
        return read_fixed_tag(p, avail, tag, h);
    }
    return true;
}

/* The size of one header at p, for measuring: the fixed-size forms that
 * make up most events (small ints, short strings, small maps and arrays)
 * are read inline; everything else goes through rp_mp_read_head. False when
 * the header is malformed or truncated. */
static bool measure_head(const uint8_t *p, size_t avail, size_t *advance, uint64_t *children)
{
    uint8_t tag = p[0];
    if (tag <= 0x7f || tag >= 0xe0) {              /* positive / negative fixint */
        *advance = 1;
        *children = 0;
        return true;
    }
    if (tag >= 0xa0 && tag <= 0xbf) {              /* fixstr */
        *advance = 1 + (size_t)(tag & 0x1f);
        *children = 0;
        return true;
    }
    if (tag <= 0x9f) {                             /* fixmap, fixarray */
        *advance = 1;
        *children = tag <= 0x8f ? 2u * (tag & 0x0f) : (uint64_t)(tag & 0x0f);
        return true;
    }
    static const uint8_t number_width[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8}; /* 0xca..0xd3 */
    *children = 0;
    if (tag == 0xc0 || tag == 0xc2 || tag == 0xc3) {   /* nil, false, true */
        *advance = 1;
        return true;
    }
    if (tag >= 0xca && tag <= 0xd3) {              /* float, int and uint forms */
        *advance = 1 + (size_t)number_width[tag - 0xca];
        return true;                               /* the caller checks it fits */
    }
    if ((tag == 0xd9 || tag == 0xc4) && avail >= 2) { /* str 8, bin 8 */
        *advance = 2 + (size_t)p[1];
        return true;
    }
    rp_mp_head h;
    if (!rp_mp_read_head(p, avail, &h))
        return false;
    *advance = h.head_len + h.body_len;
    *children = h.children;
    return h.head_len <= avail;
}

/* Measures one object: `pending` counts objects still to read; each needs at
 * least one byte, so a count larger than the bytes left is refused at once. */
rp_view rp_view_of(const uint8_t *buf, size_t len)
{
    rp_view absent = {NULL, 0};
    if (!buf)
        return absent;
    size_t off = 0;
    uint64_t pending = 1;
    while (pending > 0) {
        size_t advance;
        uint64_t children;
        if (off >= len || !measure_head(buf + off, len - off, &advance, &children))
            return absent;
        if (advance > len - off)
            return absent;
        off += advance;
        pending = pending - 1 + children;
        if (pending > len - off)
            return absent;
    }
    rp_view v = {buf, off};
    return v;
}

rp_view_kind rp_view_kind_of(rp_view v)
{
    rp_mp_head h;
    if (!v.ptr || !rp_mp_read_head(v.ptr, v.len, &h))
        return RP_VIEW_ABSENT;
    return h.kind;
}

bool rp_view_iter_init(rp_view c, rp_view_iter *it)
{
    rp_mp_head h;
    memset(it, 0, sizeof *it);
    if (!c.ptr || !rp_mp_read_head(c.ptr, c.len, &h))
        return false;
    if (h.kind != RP_VIEW_ARRAY && h.kind != RP_VIEW_MAP)
        return false;
    it->next = c.ptr + h.head_len;
    it->end = c.ptr + c.len;
    it->left = h.children;
    return true;
}

bool rp_view_iter_next(rp_view_iter *it, rp_view *out)
{
    if (it->left == 0 || it->next >= it->end)
        return false;
    *out = rp_view_of(it->next, (size_t)(it->end - it->next));
    if (!out->ptr)
        return false;
    it->next += out->len;
    it->left--;
    return true;
}

rp_view rp_view_getn(rp_view map, const char *key, size_t key_len)
{
    rp_view absent = {NULL, 0}, k, val;
    rp_view_iter it;
    if (rp_view_kind_of(map) != RP_VIEW_MAP || !rp_view_iter_init(map, &it))
        return absent;
    while (rp_view_iter_next(&it, &k) && rp_view_iter_next(&it, &val)) {
        const char *s;
        size_t n;
        if (rp_view_str(k, &s, &n) && n == key_len && memcmp(s, key, n) == 0)
            return val;
    }
    return absent;
}

rp_view rp_view_get(rp_view map, const char *key)
{
    return rp_view_getn(map, key, strlen(key));
}

size_t rp_view_count(rp_view v)
{
    rp_mp_head h;
    if (!v.ptr || !rp_mp_read_head(v.ptr, v.len, &h))
        return 0;
    if (h.kind == RP_VIEW_MAP)
        return (size_t)(h.children / 2);
    return h.kind == RP_VIEW_ARRAY ? (size_t)h.children : 0;
}

rp_view rp_view_at(rp_view array, size_t index)
{
    rp_view absent = {NULL, 0}, item;
    rp_view_iter it;
    if (rp_view_kind_of(array) != RP_VIEW_ARRAY || !rp_view_iter_init(array, &it))
        return absent;
    for (size_t i = 0; rp_view_iter_next(&it, &item); i++)
        if (i == index)
            return item;
    return absent;
}

bool rp_view_str(rp_view v, const char **s, size_t *len)
{
    if (v.ptr && v.len > 0 && v.ptr[0] >= 0xa0 && v.ptr[0] <= 0xbf) {   /* fixstr, the usual key */
        size_t n = v.ptr[0] & 0x1f;
        if (1 + n > v.len)
            return false;
        *s = (const char *)v.ptr + 1;
        *len = n;
        return true;
    }
    rp_mp_head h;
    if (!v.ptr || !rp_mp_read_head(v.ptr, v.len, &h) || h.kind != RP_VIEW_STR)
        return false;
    if (h.head_len + h.body_len > v.len)
        return false;
    *s = (const char *)v.ptr + h.head_len;
    *len = h.body_len;
    return true;
}

bool rp_view_int(rp_view v, int64_t *out)
{
    rp_mp_head h;
    if (!v.ptr || !rp_mp_read_head(v.ptr, v.len, &h) || h.kind != RP_VIEW_INT)
        return false;
    *out = h.i;
    return true;
}

bool rp_view_double(rp_view v, double *out)
{
    rp_mp_head h;
    if (!v.ptr || !rp_mp_read_head(v.ptr, v.len, &h))
        return false;
    switch (h.kind) {
    case RP_VIEW_FLOAT: *out = h.d; return true;
    case RP_VIEW_INT:   *out = (double)h.i; return true;
    case RP_VIEW_UINT:  *out = (double)h.u; return true;
    default:            return false;
    }
}

bool rp_view_bool(rp_view v, bool *out)
{
    rp_mp_head h;
    if (!v.ptr || !rp_mp_read_head(v.ptr, v.len, &h) || h.kind != RP_VIEW_BOOL)
        return false;
    *out = h.i != 0;
    return true;
}

bool rp_view_strcpy(rp_view v, char *buf, size_t size)
{
    const char *s;
    size_t n;
    if (size == 0 || !rp_view_str(v, &s, &n) || n >= size)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}
