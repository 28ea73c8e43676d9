/*
 * test_data_check.c - every value inside an event's data that plugins read is
 * valid UTF-8 and finite, however deep (free-form maps such as survey
 * answers, keys the schema does not know, map keys), with the exact
 * rejection text; and the reply a publisher gets is valid UTF-8 even when
 * what it sent was not. Events are packed with msgpack-c: JSON cannot
 * express NaN, infinities or invalid UTF-8.
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <msgpack.h>

#include "event_types.h"
#include "field_check.h"
#include "reject_log.h"
#include "rp_limits.h"
#include "utf8.h"
#include "view.h"
#include "wire.h"

static rp_type_registry *types;
static rp_limits limits;

static int setup(void **state)
{
    types = rp_types_new();
    rp_limits_defaults(&limits);
    return types ? 0 : -1;
}

static int teardown(void **state)
{
    rp_types_free(types);
    return 0;
}

static void str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

typedef void (*packer_fn)(msgpack_packer *pk);

/* {"id": id, "type": type, "ts": 1, "customer": "c1", "data": {fixed..., extra}}
 * where fixed are the type's required fields and extra packs more entries. */
static void pack_event(msgpack_packer *pk, const char *id, const char *type, size_t extra_entries,
                       packer_fn extra)
{
    msgpack_pack_map(pk, 5);
    str(pk, "id");
    msgpack_pack_str(pk, strlen(id));
    msgpack_pack_str_body(pk, id, strlen(id));
    str(pk, "type");
    str(pk, type);
    str(pk, "ts");
    msgpack_pack_int64(pk, 1);
    str(pk, "customer");
    str(pk, "c1");
    str(pk, "data");
    bool purchase = strcmp(type, "purchase") == 0;
    msgpack_pack_map(pk, (purchase ? 3 : 1) + extra_entries);
    if (purchase) {
        str(pk, "order_id"); str(pk, "o1");
        str(pk, "amount"); msgpack_pack_double(pk, 12.5);
        str(pk, "currency"); str(pk, "GBP");
    } else {
        str(pk, "survey_id"); str(pk, "s1");
    }
    extra(pk);
}

static rp_wire_request decode_packed(const char *id, const char *type, packer_fn extra)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    pack_event(&pk, id, type, 1, extra);
    rp_wire_request req;
    assert_true(rp_wire_decode((const uint8_t *)sbuf.data, sbuf.size, &limits, types, 64, &req));
    msgpack_sbuffer_destroy(&sbuf);
    assert_int_equal(req.count, 1);
    return req;
}

/* The rejection text of one event ("" when it is valid). */
static const char *error_of(const char *type, packer_fn extra)
{
    static char error[RP_WIRE_ERROR_MAX];
    rp_wire_request req = decode_packed("e1", type, extra);
    snprintf(error, sizeof error, "%s", req.events[0].status == RP_STATUS_REJECTED ? req.events[0].error : "");
    rp_wire_request_free(&req);
    return error;
}

static const char *survey_error(packer_fn extra) { return error_of("survey.response", extra); }

/* ---------------------------------------------------- survey answers */

static void answer_bad_utf8_value(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 2);
    str(pk, "q0"); str(pk, "fine");
    str(pk, "q1"); str(pk, "caf\xc3");          /* cut in the middle of é */
}

static void answer_bad_utf8_key(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 1);
    str(pk, "q\xff"); str(pk, "yes");
}

static void answer_nested_nan(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 1);
    str(pk, "q");
    msgpack_pack_map(pk, 1);
    str(pk, "r");
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 1);
    msgpack_pack_double(pk, NAN);
}

static void answer_pos_inf_in_array(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 1);
    str(pk, "scores");
    msgpack_pack_array(pk, 3);
    msgpack_pack_double(pk, 1.5);
    msgpack_pack_array(pk, 0);
    msgpack_pack_float(pk, INFINITY);           /* float32 as well as float64 */
}

static void answer_neg_inf_deep(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 1);
    str(pk, "a");
    msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 1);
    str(pk, "b");
    msgpack_pack_double(pk, -INFINITY);
}

static void answer_bad_utf8_in_nested_key(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 1);
    str(pk, "q");
    msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 1);
    str(pk, "\xed\xa0\x80"); msgpack_pack_true(pk);   /* a UTF-16 surrogate */
}

static void answer_nan_under_int_key(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 2);
    msgpack_pack_int(pk, 7); msgpack_pack_int(pk, 3);
    msgpack_pack_int(pk, 8); msgpack_pack_double(pk, NAN);
}

static void answer_nan_as_key(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 1);
    msgpack_pack_double(pk, NAN); str(pk, "x");
}

static void test_survey_answers_are_checked_inside(void **state)
{
    assert_string_equal(survey_error(answer_bad_utf8_value), "data.answers.q1: must be valid UTF-8");
    assert_string_equal(survey_error(answer_bad_utf8_key), "data.answers.q\\xff: key must be valid UTF-8");
    assert_string_equal(survey_error(answer_nested_nan), "data.answers.q.r[1]: must be a finite number");
    assert_string_equal(survey_error(answer_pos_inf_in_array), "data.answers.scores[2]: must be a finite number");
    assert_string_equal(survey_error(answer_neg_inf_deep), "data.answers.a[0].b: must be a finite number");
    assert_string_equal(survey_error(answer_bad_utf8_in_nested_key),
                        "data.answers.q[0].\\xed\\xa0\\x80: key must be valid UTF-8");
    assert_string_equal(survey_error(answer_nan_under_int_key), "data.answers{value 1}: must be a finite number");
    assert_string_equal(survey_error(answer_nan_as_key), "data.answers{key 0}: must be a finite number");
}

static void test_rejection_names_the_reason(void **state)
{
    rp_wire_request req = decode_packed("e1", "survey.response", answer_nested_nan);
    assert_int_equal(req.events[0].status, RP_STATUS_REJECTED);
    assert_string_equal(req.events[0].reject_reason, "bad_data");
    rp_wire_request_free(&req);
}

/* ------------------------------------------- other maps plugins read */

static void unknown_key_nan(msgpack_packer *pk)
{
    str(pk, "meta");
    msgpack_pack_map(pk, 1);
    str(pk, "x");
    msgpack_pack_double(pk, -INFINITY);
}

static void unknown_key_in_item(msgpack_packer *pk)
{
    str(pk, "items");
    msgpack_pack_array(pk, 2);
    msgpack_pack_map(pk, 1);
    str(pk, "sku"); str(pk, "a");
    msgpack_pack_map(pk, 2);
    str(pk, "sku"); str(pk, "b");
    str(pk, "note"); str(pk, "\xc0\xaf");      /* an overlong '/' */
}

static void known_field_nan(msgpack_packer *pk)
{
    str(pk, "discount");
    msgpack_pack_double(pk, NAN);
}

static void test_other_maps_are_checked_inside(void **state)
{
    assert_string_equal(error_of("purchase", unknown_key_nan), "data.meta.x: must be a finite number");
    assert_string_equal(error_of("purchase", unknown_key_in_item), "data.items[1].note: must be valid UTF-8");
    /* a field the schema knows keeps its rule's wording */
    assert_string_equal(error_of("purchase", known_field_nan), "data.discount: must be a finite number");
}

/* ----------------------------------------------------------- nesting */

static void answers_nested_ten_deep(msgpack_packer *pk)
{
    str(pk, "answers");
    for (int i = 0; i < 10; i++)
        msgpack_pack_array(pk, 1);
    msgpack_pack_int(pk, 1);
}

static void test_deep_answers_hit_the_depth_limit(void **state)
{
    assert_string_equal(survey_error(answers_nested_ten_deep), "nesting deeper than limits.max_depth (8)");
}

/* rp_check_data stops at the hard cap on its own, whatever its caller
 * checked: 100 nested arrays inside answers. */
static void test_check_data_bounds_its_recursion(void **state)
{
    enum { LEVELS = 100 };
    uint8_t buf[64 + LEVELS];
    size_t n = 0;
    buf[n++] = 0x82;                                  /* data: map of 2 */
    buf[n++] = 0xa9; memcpy(buf + n, "survey_id", 9); n += 9;
    buf[n++] = 0xa2; memcpy(buf + n, "s1", 2); n += 2;
    buf[n++] = 0xa7; memcpy(buf + n, "answers", 7); n += 7;
    buf[n++] = 0x81;                                  /* answers: {"a": [[[...]]]} */
    buf[n++] = 0xa1; buf[n++] = 'a';
    for (int i = 0; i < LEVELS; i++)
        buf[n++] = 0x91;                              /* array of 1 */
    buf[n++] = 0x01;
    rp_view data = rp_view_of(buf, n);
    assert_int_equal(data.len, n);
    char err[RP_WIRE_ERROR_MAX];
    assert_false(rp_check_data(rp_types_find(types, "survey.response", 15), data, err, sizeof err));
    /* data is level 0, answers 1, a 2: the array at level 64 is refused;
     * its path is cut where the error's path buffer ends */
    char expected[512] = "data.answers.a";
    for (int i = 0; i < 62; i++)
        strcat(expected, "[0]");
    expected[159] = '\0';
    strcat(expected, ": is nested deeper than 64 levels");
    assert_string_equal(err, expected);
}

/* -------------------------------------------------------- valid data */

static void answers_valid(msgpack_packer *pk)
{
    str(pk, "answers");
    msgpack_pack_map(pk, 7);
    str(pk, "café ☕ 😀"); str(pk, "très bien");
    str(pk, "scores"); msgpack_pack_array(pk, 4);
    msgpack_pack_double(pk, -0.0); msgpack_pack_float(pk, 3.25f); msgpack_pack_double(pk, 1e308);
    msgpack_pack_int64(pk, INT64_MIN);
    msgpack_pack_int(pk, 3); msgpack_pack_nil(pk);
    str(pk, "nested"); msgpack_pack_map(pk, 1); str(pk, "x"); msgpack_pack_array(pk, 1); msgpack_pack_true(pk);
    str(pk, "blob"); msgpack_pack_bin(pk, 2); msgpack_pack_bin_body(pk, "\xff\xfe", 2);   /* opaque */
    str(pk, "nul"); msgpack_pack_str(pk, 3); msgpack_pack_str_body(pk, "a\0b", 3);   /* valid UTF-8 */
    str(pk, ""); msgpack_pack_uint64(pk, UINT64_MAX);
}

static void test_valid_data_is_still_accepted(void **state)
{
    rp_wire_request req = decode_packed("e1", "survey.response", answers_valid);
    assert_string_equal(req.events[0].error, "");
    assert_int_equal(req.events[0].status, RP_STATUS_PENDING);
    rp_wire_request_free(&req);
}

/* ----------------------------------------------------------- replies */

static bool all_text_valid(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_STR:
        return rp_utf8_valid(o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (!all_text_valid(&o->via.array.ptr[i]))
                return false;
        return true;
    case MSGPACK_OBJECT_MAP:
        for (uint32_t i = 0; i < o->via.map.size; i++)
            if (!all_text_valid(&o->via.map.ptr[i].key) || !all_text_valid(&o->via.map.ptr[i].val))
                return false;
        return true;
    default:
        return true;
    }
}

/* Decodes a whole frame and its reply; the reply's one event map, which
 * points into *reply (free it after use). */
static const msgpack_object *reply_of(const uint8_t *frame, size_t len, msgpack_unpacked *out, uint8_t **keep)
{
    rp_wire_request req;
    assert_true(rp_wire_decode(frame, len, &limits, types, 64, &req));
    size_t reply_len;
    uint8_t *reply = rp_wire_encode_reply(&req, &reply_len);
    rp_wire_request_free(&req);
    assert_non_null(reply);
    msgpack_unpacked_init(out);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(out, (const char *)reply, reply_len, &off), MSGPACK_UNPACK_SUCCESS);
    *keep = reply;
    assert_true(all_text_valid(&out->data));
    assert_int_equal(out->data.type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(out->data.via.array.size, 1);
    return &out->data.via.array.ptr[0];
}

static const msgpack_object *member(const msgpack_object *map, const char *key)
{
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
            memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
            return &map->via.map.ptr[i].val;
    }
    fail_msg("reply has no %s", key);
    return NULL;
}

static void no_extra(msgpack_packer *pk)
{
    str(pk, "note");
    str(pk, "x");
}

static void test_reply_echoes_an_invalid_id_as_bin(void **state)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    pack_event(&pk, "id-\xff\xfe", "survey.response", 1, no_extra);
    msgpack_unpacked reply;
    uint8_t *bytes;
    const msgpack_object *ev = reply_of((const uint8_t *)sbuf.data, sbuf.size, &reply, &bytes);
    msgpack_sbuffer_destroy(&sbuf);
    const msgpack_object *id = member(ev, "id");
    assert_int_equal(id->type, MSGPACK_OBJECT_BIN);
    assert_int_equal(id->via.bin.size, 5);
    assert_memory_equal(id->via.bin.ptr, "id-\xff\xfe", 5);
    assert_int_equal(member(ev, "error")->type, MSGPACK_OBJECT_STR);
    const msgpack_object *error = member(ev, "error");
    assert_int_equal(error->via.str.size, strlen("id: must be valid UTF-8 without NUL characters"));
    assert_memory_equal(error->via.str.ptr, "id: must be valid UTF-8 without NUL characters", error->via.str.size);
    msgpack_unpacked_destroy(&reply);
    free(bytes);
}

static void test_reply_keeps_a_valid_id_a_string(void **state)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    pack_event(&pk, "é-1", "survey.response", 1, answer_bad_utf8_key);
    msgpack_unpacked reply;
    uint8_t *bytes;
    const msgpack_object *ev = reply_of((const uint8_t *)sbuf.data, sbuf.size, &reply, &bytes);
    msgpack_sbuffer_destroy(&sbuf);
    const msgpack_object *id = member(ev, "id");
    assert_int_equal(id->type, MSGPACK_OBJECT_STR);
    assert_int_equal(id->via.str.size, 4);
    assert_memory_equal(id->via.str.ptr, "é-1", 4);
    msgpack_unpacked_destroy(&reply);
    free(bytes);
}

/* An error that quotes what the client sent: an unknown top-level key of
 * invalid UTF-8, and a type name cut inside a character at 64 bytes. */
static void test_reply_error_texts_are_repaired(void **state)
{
    static const uint8_t bad_key[] = {0x82, 0xa2, 'i', 'd', 0xa1, 'e', 0xa2, 'k', 0xff, 0x01};
    msgpack_unpacked reply;
    uint8_t *bytes;
    const msgpack_object *ev = reply_of(bad_key, sizeof bad_key, &reply, &bytes);
    const msgpack_object *error = member(ev, "error");
    const char *want = "unknown top-level key \"k\xef\xbf\xbd\" (allowed: id, type, ts, tenant, customer, org, "
                       "data; put extra fields inside data)";
    assert_int_equal(error->via.str.size, strlen(want));
    assert_memory_equal(error->via.str.ptr, want, strlen(want));
    msgpack_unpacked_destroy(&reply);

    uint8_t long_type[128] = {0x83, 0xa2, 'i', 'd', 0xa1, 'e', 0xa4, 't', 'y', 'p', 'e', 0xd9, 65};
    size_t n = 13;
    memset(long_type + n, 'a', 63);
    n += 63;
    long_type[n++] = 0xc3;                            /* é, cut after its first byte at 64 */
    long_type[n++] = 0xa9;
    long_type[n++] = 0xa2; long_type[n++] = 't'; long_type[n++] = 's'; long_type[n++] = 0x01;
    free(bytes);
    ev = reply_of(long_type, n, &reply, &bytes);
    error = member(ev, "error");
    char want_type[256];
    snprintf(want_type, sizeof want_type, "type: unknown event type \"%.63s\xef\xbf\xbd\" (see proto/event-types.json)",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_int_equal(error->via.str.size, strlen(want_type));
    assert_memory_equal(error->via.str.ptr, want_type, strlen(want_type));
    msgpack_unpacked_destroy(&reply);
    free(bytes);
}

/* The decoder's own text is UTF-8 already, for the log as for the reply. */
static void test_decoded_error_is_utf8(void **state)
{
    static const uint8_t bad_key[] = {0x82, 0xa2, 'i', 'd', 0xa1, 'e', 0xa2, 'k', 0xff, 0x01};
    rp_wire_request req;
    assert_true(rp_wire_decode(bad_key, sizeof bad_key, &limits, types, 64, &req));
    assert_string_equal(req.events[0].error, "unknown top-level key \"k\xef\xbf\xbd\" (allowed: id, type, ts, "
                        "tenant, customer, org, data; put extra fields inside data)");
    rp_wire_request_free(&req);
}

/* Whoever wrote an error (the ingress, the committer), the reply repairs it. */
static void test_reply_repairs_any_error_text(void **state)
{
    rp_wire_event ev = {.status = RP_STATUS_RETRY};
    snprintf(ev.error, sizeof ev.error, "%s", "cut \xe2\x82");
    rp_wire_request req = {.events = &ev, .count = 1};
    size_t len;
    uint8_t *reply = rp_wire_encode_reply(&req, &len);
    static const uint8_t want[] = "\x91\x83\xa2id\xc0\xa6status\xa5retry\xa5" "error\xaa" "cut \xef\xbf\xbd\xef\xbf\xbd";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(reply, want, len);
    free(reply);
}

/* --------------------------------------------------------------- log */

static void test_rejection_is_logged(void **state)
{
    char path[] = "/tmp/rapport-reject-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    rp_reject_log_reset();
    rp_wire_request req = decode_packed("e-1", "survey.response", answer_nested_nan);
    rp_wire_request_free(&req);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char text[2048] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = '\0';
    fclose(f);
    close(fd);
    unlink(path);
    assert_non_null(strstr(text, "msg=\"event rejected\" id=\"e-1\" type=survey.response reason=bad_data "
                                 "error=\"data.answers.q.r[1]: must be a finite number\" not_logged_before=0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survey_answers_are_checked_inside),
        cmocka_unit_test(test_rejection_names_the_reason),
        cmocka_unit_test(test_other_maps_are_checked_inside),
        cmocka_unit_test(test_deep_answers_hit_the_depth_limit),
        cmocka_unit_test(test_check_data_bounds_its_recursion),
        cmocka_unit_test(test_valid_data_is_still_accepted),
        cmocka_unit_test(test_reply_echoes_an_invalid_id_as_bin),
        cmocka_unit_test(test_reply_keeps_a_valid_id_a_string),
        cmocka_unit_test(test_reply_error_texts_are_repaired),
        cmocka_unit_test(test_decoded_error_is_utf8),
        cmocka_unit_test(test_reply_repairs_any_error_text),
        cmocka_unit_test(test_rejection_is_logged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
