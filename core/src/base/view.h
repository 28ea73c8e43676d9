/*
 * view.h - a read-only, allocation-free msgpack reader over borrowed bytes.
 *
 * The broker never builds msgpack object trees from untrusted input: the
 * msgpack-c unpacker reserves memory for every element a header claims before
 * it has seen them (FIELD-NOTES: a 5-byte frame can claim 100 million). Every
 * function here looks only at bytes that exist, so a view over any buffer,
 * however hostile, is safe; rp_view_of() is the entry point that measures one
 * complete object and fails on anything truncated or malformed.
 *
 * These functions are also the plugins' view_* host API.
 */
#ifndef RP_VIEW_H
#define RP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"

/* The decoded header of one msgpack object. */
typedef struct rp_mp_head {
    rp_view_kind kind;
    size_t head_len;     /* bytes of the tag and its length/value bytes */
    size_t body_len;     /* bytes after the header: str/bin/ext payload */
    uint64_t children;   /* objects that follow: n for arrays, 2n for maps */
    int64_t i;           /* RP_VIEW_INT and BOOL (0/1) */
    uint64_t u;          /* RP_VIEW_UINT */
    double d;            /* RP_VIEW_FLOAT */
} rp_mp_head;

/* Decodes the header at p; false if the tag is invalid (0xc1) or the header
 * itself is cut off. Does not check that the body or children exist. */
bool rp_mp_read_head(const uint8_t *p, size_t avail, rp_mp_head *head);

/* The first complete object in buf, or an ABSENT view if buf does not start
 * with one (truncated, invalid tag). Nesting is walked without recursion. */
rp_view rp_view_of(const uint8_t *buf, size_t len);

rp_view_kind rp_view_kind_of(rp_view v);
rp_view rp_view_get(rp_view map, const char *key);
rp_view rp_view_getn(rp_view map, const char *key, size_t key_len);
size_t rp_view_count(rp_view v);
rp_view rp_view_at(rp_view array, size_t index);
bool rp_view_str(rp_view v, const char **s, size_t *len);
bool rp_view_int(rp_view v, int64_t *out);
bool rp_view_double(rp_view v, double *out);
bool rp_view_bool(rp_view v, bool *out);
bool rp_view_strcpy(rp_view v, char *buf, size_t size);

/* Iterates the elements of an array, or the keys and values of a map
 * alternately (key, value, key, value, ...). rp_view_iter is part of the
 * plugin ABI (rapport/plugin.h, 1.4). */
bool rp_view_iter_init(rp_view container, rp_view_iter *it);
bool rp_view_iter_next(rp_view_iter *it, rp_view *out);

#endif
