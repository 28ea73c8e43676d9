/*
 * test_mpjson.c - JSON <-> msgpack conversion: exact bytes for every integer
 * width, exact round trips, and exact refusals of broken input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpjson.h"

/* Packs a JSON text and checks the exact msgpack bytes. */
static void expect_bytes(const char *json_text, const uint8_t *expected, size_t expected_len)
{
    json_error_t jerr;
    json_t *json = json_loads(json_text, JSON_DECODE_ANY, &jerr);
    assert_non_null(json);
    size_t len = 0;
    uint8_t *bytes = rp_json_to_msgpack(json, &len);
    assert_non_null(bytes);
    assert_int_equal(len, expected_len);
    assert_memory_equal(bytes, expected, expected_len);
    free(bytes);
    json_decref(json);
}

/* msgpack bytes -> compact sorted JSON text (caller frees), or NULL + err. */
static char *to_text(const uint8_t *bytes, size_t len, char *err, size_t errlen)
{
    json_t *json = rp_msgpack_to_json(bytes, len, err, errlen);
    if (!json)
        return NULL;
    char *text = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(json);
    return text;
}

static void expect_text(const uint8_t *bytes, size_t len, const char *expected)
{
    char err[256] = "";
    char *text = to_text(bytes, len, err, sizeof err);
    if (!text)
        fail_msg("conversion failed: %s", err);
    assert_string_equal(text, expected);
    free(text);
}

static void expect_error(const uint8_t *bytes, size_t len, const char *expected)
{
    char err[256] = "";
    json_t *json = rp_msgpack_to_json(bytes, len, err, sizeof err);
    assert_null(json);
    assert_string_equal(err, expected);
}

/* JSON -> msgpack -> JSON must give an equal value (reals compared with ==)
 * that prints identically. */
static void expect_round_trip(const char *json_text)
{
    json_error_t jerr;
    json_t *json = json_loads(json_text, JSON_DECODE_ANY, &jerr);
    assert_non_null(json);
    size_t len = 0;
    uint8_t *bytes = rp_json_to_msgpack(json, &len);
    assert_non_null(bytes);
    char *original = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    expect_text(bytes, len, original);
    free(original);
    json_t *back = rp_msgpack_to_json(bytes, len, NULL, 0);
    assert_true(json_equal(json, back));
    json_decref(back);
    free(bytes);
    json_decref(json);
}

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void unsigned_widths(void **state)
{
    (void)state;
    expect_bytes("0", BYTES(0x00));
    expect_bytes("127", BYTES(0x7f));
    expect_bytes("128", BYTES(0xcc, 0x80));
    expect_bytes("255", BYTES(0xcc, 0xff));
    expect_bytes("256", BYTES(0xcd, 0x01, 0x00));
    expect_bytes("65535", BYTES(0xcd, 0xff, 0xff));
    expect_bytes("65536", BYTES(0xce, 0x00, 0x01, 0x00, 0x00));
    expect_bytes("4294967295", BYTES(0xce, 0xff, 0xff, 0xff, 0xff));
    expect_bytes("4294967296", BYTES(0xcf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00));
    expect_bytes("9223372036854775807",
                 BYTES(0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    const char *values[] = {"0", "127", "128", "255", "256", "65535", "65536",
                            "4294967295", "4294967296", "9223372036854775807"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        expect_round_trip(values[i]);
}

static void negative_widths(void **state)
{
    (void)state;
    expect_bytes("-1", BYTES(0xff));
    expect_bytes("-32", BYTES(0xe0));
    expect_bytes("-33", BYTES(0xd0, 0xdf));
    expect_bytes("-128", BYTES(0xd0, 0x80));
    expect_bytes("-129", BYTES(0xd1, 0xff, 0x7f));
    expect_bytes("-32768", BYTES(0xd1, 0x80, 0x00));
    expect_bytes("-32769", BYTES(0xd2, 0xff, 0xff, 0x7f, 0xff));
    expect_bytes("-2147483648", BYTES(0xd2, 0x80, 0x00, 0x00, 0x00));
    expect_bytes("-2147483649", BYTES(0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff));
    expect_bytes("-9223372036854775808",
                 BYTES(0xd3, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00));
    const char *values[] = {"-1", "-32", "-33", "-128", "-129", "-32768", "-32769",
                            "-2147483648", "-2147483649", "-9223372036854775808"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        expect_round_trip(values[i]);
}

static void wide_msgpack_integers_to_json(void **state)
{
    (void)state;
    /* Other encoders may use a wider form than needed: the value decides. */
    expect_text(BYTES(0xcf, 0, 0, 0, 0, 0, 0, 0, 0x05), "5");
    expect_text(BYTES(0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe), "-2");
    /* Above INT64_MAX: a real, since jansson integers are signed 64-bit. */
    expect_text(BYTES(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
                "1.8446744073709552e19");
}

static void floats(void **state)
{
    (void)state;
    expect_bytes("1.5", BYTES(0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0));
    expect_round_trip("1.5");
    expect_round_trip("-0.1");
    expect_round_trip("129.9");
    expect_round_trip("1e+300");
    expect_text(BYTES(0xca, 0x3f, 0xc0, 0x00, 0x00), "1.5");          /* float32 */
    expect_error(BYTES(0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0),           /* NaN */
                 "float is NaN or infinite, which JSON cannot hold");
}

static void scalars_and_nesting(void **state)
{
    (void)state;
    expect_bytes("[true,false,null]", BYTES(0x93, 0xc3, 0xc2, 0xc0));
    expect_bytes("{\"a\":1}", BYTES(0x81, 0xa1, 'a', 0x01));
    expect_round_trip("{\"customer\":\"c42\",\"data\":{\"amount\":129.9,\"items\":[{\"sku\":\"x\",\"qty\":2},[],{}]},"
                      "\"id\":\"evt-1\",\"ts\":1700000000000,\"type\":\"purchase\"}");
    expect_round_trip("[[[[[[[[1]]]]]]]]");
    expect_round_trip("{}");
    expect_round_trip("[]");
}

static void unicode_strings(void **state)
{
    (void)state;
    expect_bytes("\"\xc3\xa9\"", BYTES(0xa2, 0xc3, 0xa9));
    expect_round_trip("\"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac\"");
    expect_round_trip("{\"cl\xc3\xa9\":\"\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5\"}");
    expect_error(BYTES(0xa2, 0xff, 0xfe), "string is not valid UTF-8");
}

/* Strings at each length boundary get the header width the spec requires. */
static void string_widths(void **state)
{
    (void)state;
    const struct { size_t len; uint8_t header; size_t header_len; } cases[] = {
        {31, 0xbf, 1}, {32, 0xd9, 2}, {255, 0xd9, 2}, {256, 0xda, 3}, {65536, 0xdb, 5}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = malloc(cases[i].len);
        assert_non_null(text);
        memset(text, 'x', cases[i].len);
        json_t *json = json_stringn(text, cases[i].len);
        size_t len = 0;
        uint8_t *bytes = rp_json_to_msgpack(json, &len);
        assert_non_null(bytes);
        assert_int_equal(len, cases[i].header_len + cases[i].len);
        assert_int_equal(bytes[0], cases[i].header);
        json_t *back = rp_msgpack_to_json(bytes, len, NULL, 0);
        assert_true(json_equal(json, back));
        json_decref(back);
        json_decref(json);
        free(bytes);
        free(text);
    }
}

static void bin_is_base64(void **state)
{
    (void)state;
    expect_text(BYTES(0xc4, 0x00), "\"\"");
    expect_text(BYTES(0xc4, 0x01, 'a'), "\"YQ==\"");
    expect_text(BYTES(0xc4, 0x02, 'a', 'b'), "\"YWI=\"");
    expect_text(BYTES(0xc4, 0x03, 'a', 'b', 'c'), "\"YWJj\"");
    expect_text(BYTES(0xc4, 0x04, 0x00, 0xff, 0xfe, 0x80), "\"AP/+gA==\"");
    expect_text(BYTES(0xc5, 0x00, 0x02, 0xfb, 0xff), "\"+/8=\"");     /* bin16 */
    expect_text(BYTES(0xc6, 0x00, 0x00, 0x00, 0x01, 0x00), "\"AA==\""); /* bin32 */
    expect_text(BYTES(0x81, 0xa1, 'b', 0xc4, 0x01, 'a'), "{\"b\":\"YQ==\"}");
}

static void ext_is_an_object(void **state)
{
    (void)state;
    expect_text(BYTES(0xd4, 0x05, 'A'), "{\"data\":\"QQ==\",\"ext\":5}");
    expect_text(BYTES(0xc7, 0x00, 0xff), "{\"data\":\"\",\"ext\":-1}");
}

static void non_string_keys_are_stringified(void **state)
{
    (void)state;
    expect_text(BYTES(0x84, 0x01, 0xa1, 'a', 0xc3, 0xa1, 'b', 0xc0, 0xa1, 'c', 0xff, 0xa1, 'd'),
                "{\"-1\":\"d\",\"1\":\"a\",\"null\":\"c\",\"true\":\"b\"}");
    expect_text(BYTES(0x81, 0x92, 0x01, 0x02, 0x00), "{\"[1,2]\":0}");
    /* A repeated key keeps its last value. */
    expect_text(BYTES(0x82, 0xa1, 'k', 0x01, 0xa1, 'k', 0x02), "{\"k\":2}");
}

static void truncated_input(void **state)
{
    (void)state;
    json_t *json = json_loads("{\"id\":\"e-1\",\"n\":300,\"f\":2.5,\"list\":[1,\"two\",{\"x\":null}]}", 0, NULL);
    size_t len = 0;
    uint8_t *bytes = rp_json_to_msgpack(json, &len);
    assert_non_null(bytes);
    for (size_t cut = 0; cut < len; cut++) {
        char err[256] = "";
        json_t *partial = rp_msgpack_to_json(bytes, cut, err, sizeof err);
        assert_null(partial);
        if (cut == 0)
            assert_string_equal(err, "empty input: no msgpack object");
        else if (!strstr(err, "truncated msgpack"))
            fail_msg("cut at %zu: unexpected error '%s'", cut, err);
    }
    free(bytes);
    json_decref(json);
    expect_error(BYTES(0x92, 0x01), "truncated msgpack: a container claims 2 element(s) with 1 byte(s) left");
    expect_error(BYTES(0x92, 0x91, 0x01), "truncated msgpack: input ends at byte 3 inside 1 open container(s)");
    expect_error(BYTES(0xa3, 'a', 'b'), "truncated msgpack: object at byte 0 needs more than the 3 byte(s) left");
    expect_error(BYTES(0xcd, 0x01), "truncated msgpack: object at byte 0 needs more than the 2 byte(s) left");
}

static void lying_headers_are_refused_before_allocation(void **state)
{
    (void)state;
    expect_error(BYTES(0xdd, 0xff, 0xff, 0xff, 0xff),
                 "truncated msgpack: a container claims 4294967295 element(s) with 0 byte(s) left");
    expect_error(BYTES(0xdf, 0x80, 0x00, 0x00, 0x00, 0x01, 0x02),
                 "truncated msgpack: a container claims 4294967296 element(s) with 2 byte(s) left");
    expect_error(BYTES(0xdb, 0xff, 0xff, 0xff, 0xff, 'a'),
                 "truncated msgpack: object at byte 0 needs more than the 6 byte(s) left");
}

static void trailing_bytes(void **state)
{
    (void)state;
    expect_error(BYTES(0x01, 0xc0), "1 trailing byte(s) after the msgpack object ending at byte 1");
    expect_error(BYTES(0x81, 0xa1, 'a', 0x01, 0x00, 0x00, 0x00),
                 "3 trailing byte(s) after the msgpack object ending at byte 4");
}

static void malformed_and_too_deep(void **state)
{
    (void)state;
    expect_error(BYTES(0xc1), "invalid msgpack: byte 0xc1 at offset 0 is never used");
    expect_error(BYTES(0x91, 0xc1), "invalid msgpack: byte 0xc1 at offset 1 is never used");
    /* 32 nested arrays are fine, 33 are not, even when the innermost is empty
     * (the same limit as msgpack-c's parser). */
    uint8_t deep[34];
    memset(deep, 0x91, sizeof deep);
    deep[32] = 0x00;
    expect_text(deep, 33, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    deep[31] = 0x90;
    expect_text(deep, 32, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    deep[31] = 0x91;
    deep[32] = 0x90;
    expect_error(deep, 33, "msgpack nested deeper than 32 levels (container at byte 32)");
    deep[32] = 0x91;
    deep[33] = 0x00;
    expect_error(deep, sizeof deep, "msgpack nested deeper than 32 levels (container at byte 32)");
    char err[64];
    assert_null(rp_msgpack_to_json(NULL, 0, err, sizeof err));
    assert_string_equal(err, "empty input: no msgpack object");
    /* A tiny err buffer is cut, never overrun; a NULL one is allowed. */
    char tiny[8];
    assert_null(rp_msgpack_to_json(BYTES(0xc1), tiny, sizeof tiny));
    assert_string_equal(tiny, "invalid");
    assert_null(rp_msgpack_to_json(BYTES(0xc1), NULL, 0));
}

static void unpacked_object_helper(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0x82, 0xa3, 's', 'e', 'q', 0x2a, 0xa4, 't', 'y', 'p', 'e', 0xa1, 'x'};
    msgpack_unpacked result;
    msgpack_unpacked_init(&result);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&result, (const char *)bytes, sizeof bytes, &off),
                     MSGPACK_UNPACK_SUCCESS);
    json_t *json = rp_msgpack_object_to_json(&result.data);
    assert_non_null(json);
    char *text = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"seq\":42,\"type\":\"x\"}");
    free(text);
    json_decref(json);
    msgpack_unpacked_destroy(&result);
    assert_null(rp_msgpack_object_to_json(NULL));
}

static void json_to_msgpack_refusals(void **state)
{
    (void)state;
    size_t len = 7;
    assert_null(rp_json_to_msgpack(NULL, &len));
    json_t *json = json_integer(1);
    assert_null(rp_json_to_msgpack(json, NULL));
    json_decref(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unsigned_widths),
        cmocka_unit_test(negative_widths),
        cmocka_unit_test(wide_msgpack_integers_to_json),
        cmocka_unit_test(floats),
        cmocka_unit_test(scalars_and_nesting),
        cmocka_unit_test(unicode_strings),
        cmocka_unit_test(string_widths),
        cmocka_unit_test(bin_is_base64),
        cmocka_unit_test(ext_is_an_object),
        cmocka_unit_test(non_string_keys_are_stringified),
        cmocka_unit_test(truncated_input),
        cmocka_unit_test(lying_headers_are_refused_before_allocation),
        cmocka_unit_test(trailing_bytes),
        cmocka_unit_test(malformed_and_too_deep),
        cmocka_unit_test(unpacked_object_helper),
        cmocka_unit_test(json_to_msgpack_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
