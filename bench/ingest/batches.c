/*
 * batches.c - assembling request frames (see batches.h).
 *
 * Each event is written as a map whose first entry is the new id followed by
 * the pre-packed remaining entries, so building a frame is only copying.
 */
#include "batches.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

/* Bytes of a msgpack header for a map of n entries / a str of n bytes. */
static size_t map_head_size(size_t n) { return n < 16 ? 1 : n < 65536 ? 3 : 5; }
static size_t str_head_size(size_t n) { return n < 32 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5; }

static size_t packed_size(const bench_event *e, size_t prefix_len)
{
    size_t id_len = prefix_len + strlen(e->id);
    return map_head_size(e->body_pairs + 1u) + 3 /* "id" */ + str_head_size(id_len) + id_len + e->body_len;
}

static int pack_event(msgpack_packer *pk, const bench_event *e, const char *prefix, size_t prefix_len)
{
    size_t own_len = strlen(e->id);
    int rc = msgpack_pack_map(pk, e->body_pairs + 1u);
    rc |= msgpack_pack_str_with_body(pk, "id", 2);
    rc |= msgpack_pack_str(pk, prefix_len + own_len);
    rc |= msgpack_pack_str_body(pk, prefix, prefix_len);
    rc |= msgpack_pack_str_body(pk, e->id, own_len);
    rc |= msgpack_sbuffer_write(pk->data, (const char *)e->body, e->body_len);
    return rc;
}

static bool push_batch(bench_batches *out, msgpack_sbuffer *sb, size_t events)
{
    if (out->count == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 64;
        bench_batch *items = realloc(out->items, cap * sizeof *items);
        if (!items)
            return false;
        out->items = items;
        out->cap = cap;
    }
    bench_batch *b = &out->items[out->count++];
    b->len = sb->size;
    b->frame = (uint8_t *)msgpack_sbuffer_release(sb);
    b->events = events;
    out->events += events;
    out->bytes += b->len;
    return true;
}

/* How many events from `from` fit in one batch (at least one). */
static size_t batch_extent(const bench_events *events, size_t from, size_t end, size_t prefix_len,
                           size_t batch_size, size_t max_frame)
{
    size_t bytes = 5;                       /* the array header, at most */
    size_t n = 0;
    while (from + n < end && n < batch_size) {
        size_t size = packed_size(&events->items[from + n], prefix_len);
        if (n > 0 && bytes + size > max_frame)
            break;
        bytes += size;
        n++;
    }
    return n;
}

bool bench_batches_append(bench_batches *out, const bench_events *events, size_t first, size_t n,
                          const char *id_prefix, size_t batch_size, size_t max_frame,
                          char *err, size_t errlen)
{
    size_t prefix_len = strlen(id_prefix);
    size_t end = first + n;
    for (size_t i = first; i < end; i++) {
        const bench_event *e = &events->items[i];
        if (prefix_len + strlen(e->id) > BENCH_MAX_ID_BYTES) {
            snprintf(err, errlen, "id \"%s%s\" is longer than %d bytes", id_prefix, e->id, BENCH_MAX_ID_BYTES);
            return false;
        }
        if (packed_size(e, prefix_len) + 5 > max_frame) {
            snprintf(err, errlen, "event %s alone is larger than --max-frame=%zu", e->id, max_frame);
            return false;
        }
    }
    for (size_t i = first; i < end;) {
        size_t count = batch_extent(events, i, end, prefix_len, batch_size, max_frame);
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        int rc = msgpack_pack_array(&pk, count);
        for (size_t j = 0; j < count; j++)
            rc |= pack_event(&pk, &events->items[i + j], id_prefix, prefix_len);
        if (rc != 0 || !push_batch(out, &sb, count)) {
            msgpack_sbuffer_destroy(&sb);
            snprintf(err, errlen, "out of memory packing batches");
            return false;
        }
        i += count;
    }
    return true;
}

void bench_batches_free(bench_batches *batches)
{
    for (size_t i = 0; i < batches->count; i++)
        free(batches->items[i].frame);
    free(batches->items);
    memset(batches, 0, sizeof *batches);
}
