/*
 * fuzz_replay_request.c - libFuzzer target: any bytes as a replay request
 * (replay_request.c). Must never crash or read outside the frame; a parsed
 * request has a from, and a refused one always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "publisher_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the publisher hands the parser exactly the frame's bytes: a copy of
     * that size lets ASan see any read past its end */
    uint8_t *frame = malloc(size ? size : 1);
    if (!frame)
        return 0;
    memcpy(frame, data, size);
    uint64_t from = UINT64_MAX, limit = UINT64_MAX;
    char err[256] = "";
    bool ok = rp_replay_parse_request(frame, size, &from, &limit, err, sizeof err);
    if (ok && (from > INT64_MAX || limit > INT64_MAX))
        abort();
    if (!ok && err[0] == '\0')
        abort();
    free(frame);
    return 0;
}
