/*
 * fuzz_wire.c - libFuzzer target: any bytes through decode + validate +
 * reply encoding. Must never crash, hang or allocate beyond the frame's size.
 * Built as a libFuzzer binary with -DRAPPORT_FUZZ=ON (clang); replayed over
 * its corpus by replay_corpus.c under ctest in every build.
 */
#include <stdint.h>
#include <stdlib.h>

#include "event_types.h"
#include "rp_limits.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rp_type_registry *types;
    static rp_limits limits;
    if (!types) {
        types = rp_types_new();
        rp_limits_defaults(&limits);
        limits.max_frame_bytes = 1 << 16;
    }
    rp_wire_request req;
    if (!rp_wire_decode(data, size, &limits, types, 64, &req))
        return 0;
    size_t reply_len;
    free(rp_wire_encode_reply(&req, &reply_len));
    rp_wire_request_free(&req);
    return 0;
}
