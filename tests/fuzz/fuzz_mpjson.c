/*
 * fuzz_mpjson.c - libFuzzer target: rapportctl publish's path from a line of
 * JSON to the msgpack frame it sends (jansson's parser as publish.c calls it,
 * then rp_json_to_msgpack), and back through rp_msgpack_to_json, which
 * rapportctl tail and replay use. Must never crash; whatever converts back
 * must equal the JSON it came from.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mpjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *json = json_loadb((const char *)data, size, 0, &jerr);
    if (!json)
        return 0;
    size_t len;
    uint8_t *packed = rp_json_to_msgpack(json, &len);
    if (packed) {
        char err[256];
        json_t *back = rp_msgpack_to_json(packed, len, err, sizeof err);
        /* only nesting beyond RP_MPJSON_MAX_DEPTH may refuse the way back */
        if (back && !json_equal(json, back))
            abort();
        json_decref(back);
        free(packed);
    }
    json_decref(json);
    return 0;
}
