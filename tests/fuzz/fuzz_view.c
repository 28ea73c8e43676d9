/*
 * fuzz_view.c - libFuzzer target: the host API's view reader (view.c), the
 * functions plugins call on event data. view.h promises that a view over any
 * buffer is safe, so every function runs twice: on whatever rp_view_of makes
 * of the bytes (what plugins get) and on the raw bytes as a view of their
 * own (what a careless plugin might build).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounds the walk below like the broker's own depth cap. */
#define WALK_DEPTH 64

static void read_scalars(rp_view v)
{
    const char *s;
    size_t n;
    int64_t i;
    double d;
    bool b;
    char buf[16];
    (void)rp_view_kind_of(v);
    (void)rp_view_count(v);
    if (rp_view_str(v, &s, &n) && n > 0 && (s < (const char *)v.ptr || s + n > (const char *)v.ptr + v.len))
        abort();    /* a string must lie inside its view */
    (void)rp_view_int(v, &i);
    (void)rp_view_double(v, &d);
    (void)rp_view_bool(v, &b);
    if (rp_view_strcpy(v, buf, sizeof buf) && memchr(buf, 0, sizeof buf) == NULL)
        abort();
}

/* strict: v came from rp_view_of, so it is complete and every key has a
 * value. */
static void walk(rp_view v, int depth, bool strict)
{
    read_scalars(v);
    rp_view_kind kind = rp_view_kind_of(v);
    if (depth >= WALK_DEPTH || (kind != RP_VIEW_ARRAY && kind != RP_VIEW_MAP))
        return;
    (void)rp_view_at(v, 0);
    (void)rp_view_at(v, rp_view_count(v));
    (void)rp_view_get(v, "id");
    rp_view_iter it;
    rp_view item;
    rp_view_iter_init(v, &it);
    for (size_t i = 0; rp_view_iter_next(&it, &item); i++) {
        const char *key;
        size_t n;
        /* a map's key finds a value whatever its bytes are */
        if (strict && kind == RP_VIEW_MAP && i % 2 == 0 && rp_view_str(item, &key, &n) &&
            !rp_view_getn(v, key, n).ptr)
            abort();
        walk(item, depth + 1, strict);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly size bytes lets ASan see any read past the end */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    rp_view whole = rp_view_of(buf, size);
    if (whole.ptr && (whole.ptr != buf || whole.len > size))
        abort();
    walk(whole, 0, true);
    rp_view raw = {buf, size};
    walk(raw, 0, false);
    free(buf);
    return 0;
}
