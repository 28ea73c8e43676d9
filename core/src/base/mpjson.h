/*
 * mpjson.h - conversion between JSON (jansson) and msgpack (msgpack-c), for
 * rapportctl and the tests: people write JSON, the wire speaks msgpack.
 *
 * JSON -> msgpack
 *   integer      -> int (negative) or uint (zero and positive), smallest width
 *   real         -> float64
 *   string       -> str;  true/false/null -> bool/nil
 *   array/object -> array/map (object keys as str, in jansson's iteration order)
 *
 * msgpack -> JSON
 *   nil/bool/str/array/map/float32/float64 -> the obvious JSON value
 *   int/uint     -> integer; a uint above INT64_MAX -> real (nearest double)
 *   bin          -> string, standard base64 with '=' padding (RFC 4648)
 *   ext          -> object {"ext": TYPE, "data": "<base64 of the payload>"}
 *   map keys     -> str keys as they are; any other key is stringified as its
 *                   compact JSON text (1 -> "1", true -> "true", nil -> "null");
 *                   a repeated key keeps its last value
 *   Refused (NULL + error): truncated input, bytes after the object, malformed
 *   bytes, arrays/maps nested more than RP_MPJSON_MAX_DEPTH deep (the depth
 *   msgpack-c's parser supports; empty ones count), strings that are not UTF-8, NaN or
 *   infinite floats (JSON has none).
 */
#ifndef RP_MPJSON_H
#define RP_MPJSON_H

#include <limits.h>   /* msgpack.h needs it on some versions */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <msgpack.h>

/* Deepest nesting of arrays/maps accepted (msgpack-c's own limit). */
#define RP_MPJSON_MAX_DEPTH 32

/* Packs json into a malloc'd buffer (free() it); its length in *out_len.
 * NULL when out of memory or json holds a non-finite real. */
uint8_t *rp_json_to_msgpack(const json_t *json, size_t *out_len);

/* Converts exactly one msgpack object spanning buf[0..len). Returns a new
 * reference, or NULL with a one-line reason in err (err may be NULL). */
json_t *rp_msgpack_to_json(const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Converts an already unpacked object (e.g. from a msgpack_unpacker).
 * Returns a new reference, or NULL on the refusals listed above (other than
 * the byte-level ones) or when out of memory. */
json_t *rp_msgpack_object_to_json(const msgpack_object *o);

#endif
