/*
 * mp_bounds.c - the limits walk behind mp_bounds.h. Iterative: each level of
 * nesting keeps a count of the objects it still contains, so depth costs a
 * bounded array, not the C stack.
 */
#include "mp_bounds.h"

#include <stdio.h>

#include "view.h"

bool rp_mp_within_limits(const uint8_t *buf, size_t len, const rp_limits *limits,
                         char *err, size_t errlen)
{
    uint64_t pending[RP_MP_DEPTH_CAP + 1];
    size_t max_depth = limits->max_depth < RP_MP_DEPTH_CAP ? limits->max_depth : RP_MP_DEPTH_CAP;
    size_t depth = 0, off = 0;
    pending[0] = 1;
    for (;;) {
        while (depth > 0 && pending[depth] == 0)
            depth--;
        if (pending[depth] == 0)
            return true;
        pending[depth]--;
        rp_mp_head h;
        if (!rp_mp_read_head(buf + off, len - off, &h)) {
            snprintf(err, errlen, "malformed msgpack at byte %zu", off);
            return false;
        }
        if ((h.kind == RP_VIEW_STR || h.kind == RP_VIEW_BIN || h.kind == RP_VIEW_EXT) &&
            h.body_len > limits->max_string_bytes) {
            snprintf(err, errlen, "a string of %zu bytes exceeds limits.max_string_bytes (%zu)",
                     h.body_len, limits->max_string_bytes);
            return false;
        }
        off += h.head_len + h.body_len;
        if (h.kind != RP_VIEW_ARRAY && h.kind != RP_VIEW_MAP)
            continue;
        uint64_t elements = h.kind == RP_VIEW_MAP ? h.children / 2 : h.children;
        if (elements > limits->max_elements) {
            snprintf(err, errlen, "%s of %llu elements exceeds limits.max_elements (%zu)",
                     h.kind == RP_VIEW_MAP ? "a map" : "an array", (unsigned long long)elements,
                     limits->max_elements);
            return false;
        }
        if (depth + 1 >= max_depth && h.children > 0) {
            snprintf(err, errlen, "nesting deeper than limits.max_depth (%zu)", limits->max_depth);
            return false;
        }
        pending[++depth] = h.children;
    }
}
