/*
 * replay_request.c - parsing a replay request {"from": seq, "limit": n}
 * with the bounded msgpack view reader (no allocation, any bytes are safe).
 */
#include <stdio.h>
#include <string.h>

#include "publisher_internal.h"
#include "view.h"

static bool read_uint(rp_view map, const char *key, bool required, uint64_t *out, char *err, size_t errlen)
{
    rp_view v = rp_view_get(map, key);
    rp_view_kind kind = rp_view_kind_of(v);
    if (kind == RP_VIEW_ABSENT) {
        if (required)
            snprintf(err, errlen, "replay request: \"%s\" is required (a non-negative integer)", key);
        return !required;
    }
    int64_t value;
    if (kind == RP_VIEW_UINT) {
        snprintf(err, errlen, "replay request: \"%s\" is too large", key);
        return false;
    }
    if (!rp_view_int(v, &value) || value < 0) {
        snprintf(err, errlen, "replay request: \"%s\" must be a non-negative integer", key);
        return false;
    }
    *out = (uint64_t)value;
    return true;
}

bool rp_replay_parse_request(const void *frame, size_t len, uint64_t *from, uint64_t *limit,
                             char *err, size_t errlen)
{
    rp_view map = rp_view_of(frame, len);
    if (rp_view_kind_of(map) != RP_VIEW_MAP || map.len != len) {
        snprintf(err, errlen, "replay request must be one msgpack map {\"from\": seq, \"limit\": n}");
        return false;
    }
    *limit = 0;
    return read_uint(map, "from", true, from, err, errlen) && read_uint(map, "limit", false, limit, err, errlen);
}
