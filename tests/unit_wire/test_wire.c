/*
 * test_wire.c - wire protocol v1: every rule of proto/README.md that a
 * single frame can break, with the exact rejection text a publisher sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "event_types.h"
#include "mpjson.h"
#include "partition.h"
#include "rp_limits.h"
#include "wire.h"

static rp_type_registry *types;
static rp_limits limits;

static int setup(void **state)
{
    types = rp_types_new();
    rp_limits_defaults(&limits);
    return types ? 0 : -1;
}

/* Each test starts from the default limits, whatever the last one changed. */
static int reset_limits(void **state)
{
    rp_limits_defaults(&limits);
    return 0;
}

static int teardown(void **state)
{
    rp_types_free(types);
    return 0;
}

static rp_wire_request decode_bytes(const uint8_t *frame, size_t len)
{
    rp_wire_request req;
    assert_true(rp_wire_decode(frame, len, &limits, types, 64, &req));
    assert_true(req.count >= 1);
    return req;
}

static rp_wire_request decode_json(const char *text)
{
    json_error_t jerr;
    json_t *json = json_loads(text, 0, &jerr);
    if (!json)
        fail_msg("bad JSON in test: %s", jerr.text);
    size_t len;
    uint8_t *frame = rp_json_to_msgpack(json, &len);
    json_decref(json);
    rp_wire_request req = decode_bytes(frame, len);
    free(frame);
    return req;
}

/* Decodes one event and returns its error ("" when valid). */
static const char *error_of(const char *text)
{
    static char error[RP_WIRE_ERROR_MAX];
    rp_wire_request req = decode_json(text);
    assert_int_equal(req.count, 1);
    snprintf(error, sizeof error, "%s", req.events[0].status == RP_STATUS_REJECTED ? req.events[0].error : "");
    rp_wire_request_free(&req);
    return error;
}

#define PURCHASE(data) \
    "{\"id\":\"e1\",\"type\":\"purchase\",\"ts\":1323430000000,\"customer\":\"c1\",\"data\":" data "}"
#define VALID_DATA "{\"order_id\":\"o1\",\"amount\":12.5,\"currency\":\"GBP\"}"

static void valid_event_is_pending_with_partition(void **state)
{
    rp_wire_request req = decode_json(PURCHASE(VALID_DATA));
    rp_wire_event *ev = &req.events[0];
    assert_int_equal(ev->status, RP_STATUS_PENDING);
    assert_string_equal(ev->id, "e1");
    assert_string_equal(ev->type, "purchase");
    assert_string_equal(ev->tenant, "default");
    assert_string_equal(ev->customer, "c1");
    assert_null(ev->org);
    assert_int_equal(ev->ts_ms, 1323430000000LL);
    assert_int_equal(ev->partition, rp_partition_of("default", 7, "c1", 2, 64));
    assert_false(req.is_batch);
    rp_wire_request_free(&req);
}

static void partition_hash_is_stable(void **state)
{
    /* Pinned values: changing the hash would reorder every deployment's history. */
    assert_int_equal(rp_partition_of("default", 7, "c1", 2, 64), 30);
    assert_int_equal(rp_partition_of("default", 7, "", 0, 64), 26);
    assert_int_equal(rp_partition_of("acme", 4, "c17850", 6, 1024), 947);
}

static void absent_data_is_the_empty_map(void **state)
{
    rp_wire_request req = decode_json("{\"id\":\"x\",\"type\":\"customer.erase\",\"ts\":1,\"customer\":\"c\"}");
    assert_int_equal(req.events[0].status, RP_STATUS_PENDING);
    assert_int_equal(req.events[0].data_len, 1);
    assert_int_equal(req.events[0].data[0], 0x80);
    rp_wire_request_free(&req);
}

static void batch_rejects_only_the_bad_event(void **state)
{
    rp_wire_request req = decode_json("[" PURCHASE(VALID_DATA) ","
        "{\"id\":\"e2\",\"type\":\"purchase\",\"ts\":1,\"customer\":\"c1\",\"data\":{\"order_id\":\"o\",\"amount\":-1,\"currency\":\"GBP\"}},"
        "{\"id\":\"e3\",\"type\":\"contact\",\"ts\":2,\"customer\":\"c2\",\"tenant\":\"acme\",\"data\":{\"channel\":\"phone\"}}]");
    assert_true(req.is_batch);
    assert_int_equal(req.count, 3);
    assert_int_equal(req.events[0].status, RP_STATUS_PENDING);
    assert_int_equal(req.events[1].status, RP_STATUS_REJECTED);
    assert_string_equal(req.events[1].id, "e2");
    assert_string_equal(req.events[1].error, "data.amount: must be a number >= 0");
    assert_int_equal(req.events[2].status, RP_STATUS_PENDING);
    assert_string_equal(req.events[2].tenant, "acme");
    rp_wire_request_free(&req);
}

static void not_msgpack_gets_one_rejection_with_nil_id(void **state)
{
    const uint8_t junk[] = {0xc1, 0x00, 0x01};
    rp_wire_request req = decode_bytes(junk, sizeof junk);
    assert_int_equal(req.count, 1);
    assert_null(req.events[0].id);
    assert_int_equal(req.events[0].status, RP_STATUS_REJECTED);
    assert_string_equal(req.events[0].error, "frame is not valid msgpack (truncated or malformed)");
    rp_wire_request_free(&req);
}

static void hundred_million_element_claim_is_refused(void **state)
{
    /* array32 header claiming 100,000,000 elements, and nothing behind it. */
    const uint8_t claim[] = {0xdd, 0x05, 0xf5, 0xe1, 0x00};
    rp_wire_request req = decode_bytes(claim, sizeof claim);
    assert_int_equal(req.count, 1);
    assert_int_equal(req.events[0].status, RP_STATUS_REJECTED);
    assert_null(req.events[0].id);
    /* the same claim as a map inside an otherwise valid event */
    const uint8_t nested[] = {0x82, 0xa2, 'i', 'd', 0xa1, 'x', 0xa4, 'd', 'a', 't', 'a',
                              0xdf, 0x05, 0xf5, 0xe1, 0x00};
    rp_wire_request req2 = decode_bytes(nested, sizeof nested);
    assert_int_equal(req2.events[0].status, RP_STATUS_REJECTED);
    assert_string_equal(req2.events[0].error, "frame is not valid msgpack (truncated or malformed)");
    rp_wire_request_free(&req);
    rp_wire_request_free(&req2);
}

static void truncated_and_trailing_frames(void **state)
{
    const uint8_t truncated[] = {0x81, 0xa2, 'i', 'd', 0xa5, 'a', 'b'};
    rp_wire_request req = decode_bytes(truncated, sizeof truncated);
    assert_int_equal(req.events[0].status, RP_STATUS_REJECTED);
    rp_wire_request_free(&req);
    const uint8_t trailing[] = {0x80, 0x00, 0x00};
    req = decode_bytes(trailing, sizeof trailing);
    assert_string_equal(req.events[0].error, "frame has 2 bytes after its msgpack object");
    rp_wire_request_free(&req);
    const uint8_t scalar[] = {0x2a};
    req = decode_bytes(scalar, sizeof scalar);
    assert_string_equal(req.events[0].error,
                        "request must be a map (one event) or an array of maps (a batch), got an integer");
    rp_wire_request_free(&req);
}

static void frame_and_batch_limits(void **state)
{
    rp_limits saved = limits;
    limits.max_frame_bytes = 16;
    rp_wire_request req = decode_json(PURCHASE(VALID_DATA));
    assert_string_equal(req.events[0].error, "frame of 92 bytes exceeds limits.max_frame_bytes (16)");
    assert_null(req.events[0].id);
    rp_wire_request_free(&req);
    limits = saved;
    limits.max_batch_events = 1;
    req = decode_json("[" PURCHASE(VALID_DATA) "," PURCHASE(VALID_DATA) "]");
    assert_int_equal(req.count, 1);
    assert_string_equal(req.events[0].error, "batch of 2 events exceeds limits.max_batch_events (1)");
    rp_wire_request_free(&req);
    limits = saved;
    req = decode_json("[]");
    assert_string_equal(req.events[0].error, "batch holds no events");
    rp_wire_request_free(&req);
}

static void nesting_elements_and_string_limits(void **state)
{
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":1,\"currency\":\"GBP\","
                                          "\"x\":[[[[[[1]]]]]]}")),
                        "nesting deeper than limits.max_depth (8)");
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":1,\"currency\":\"GBP\","
                                          "\"x\":[[[[[1]]]]]}")), "");
    rp_limits saved = limits;
    limits.max_elements = 5;
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":1,\"currency\":\"GBP\",\"x\":[1,2,3,4,5,6]}")),
                        "an array of 6 elements exceeds limits.max_elements (5)");
    limits = saved;
    limits.max_string_bytes = 10;       /* keys count too: "customer" has 8 bytes */
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":1,\"currency\":\"GBP\",\"note\":\"hello, world\"}")),
                        "a string of 12 bytes exceeds limits.max_string_bytes (10)");
    limits = saved;
}

static void top_level_keys(void **state)
{
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"purchase\",\"ts\":1,\"customer\":\"c\",\"tennant\":\"x\"}"),
                        "unknown top-level key \"tennant\" (allowed: id, type, ts, tenant, customer, org, data; "
                        "put extra fields inside data)");
    assert_string_equal(error_of("{\"type\":\"purchase\",\"ts\":1,\"customer\":\"c\"}"),
                        "id: is required (a string of 1..128 bytes, the idempotency key)");
    assert_string_equal(error_of("{\"id\":7,\"type\":\"purchase\",\"ts\":1,\"customer\":\"c\"}"),
                        "id: must be a string");
    assert_string_equal(error_of("{\"id\":\"e\",\"ts\":1,\"customer\":\"c\"}"),
                        "type: is required (an event type of proto/event-types.json)");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"purchased\",\"ts\":1,\"customer\":\"c\"}"),
                        "type: unknown event type \"purchased\" (see proto/event-types.json)");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"purchase\",\"customer\":\"c\"}"),
                        "ts: is required (integer milliseconds since the Unix epoch)");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"purchase\",\"ts\":1.5,\"customer\":\"c\"}"),
                        "ts: must be an integer (milliseconds since the Unix epoch)");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"purchase\",\"ts\":-1,\"customer\":\"c\"}"),
                        "ts: -1 is outside 0..253402300799999 (1970 to 9999)");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"purchase\",\"ts\":1}"),
                        "customer: is required for customer-scoped type purchase");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"org.upsert\",\"ts\":1}"),
                        "org: is required for org-scoped type org.upsert");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"stakeholder.left\",\"ts\":1,\"org\":\"o\"}"),
                        "customer: is required for person-scoped type stakeholder.left");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"purchase\",\"ts\":1,\"customer\":\"\"}"),
                        "customer: must be 1..256 bytes long (limits.max_key_bytes), got 0");
    assert_string_equal(error_of("{\"id\":\"e\",\"type\":\"purchase\",\"ts\":1,\"customer\":\"c\",\"data\":[]}"),
                        "data: must be a map");
}

static void long_id_is_echoed_in_the_rejection(void **state)
{
    char text[512], id[130];
    memset(id, 'a', 129);
    id[129] = '\0';
    snprintf(text, sizeof text, "{\"id\":\"%s\",\"type\":\"customer.erase\",\"ts\":1,\"customer\":\"c\"}", id);
    rp_wire_request req = decode_json(text);
    assert_string_equal(req.events[0].id, id);
    assert_string_equal(req.events[0].error, "id: must be 1..128 bytes long (limits.max_id_bytes), got 129");
    rp_wire_request_free(&req);
}

static void nul_and_bad_utf8_in_keys_are_refused(void **state)
{
    /* {"id":"e","type":"customer.erase","ts":1,"customer":"a\0b"} */
    const uint8_t nul[] = {0x84, 0xa2, 'i', 'd', 0xa1, 'e', 0xa4, 't', 'y', 'p', 'e',
                           0xae, 'c', 'u', 's', 't', 'o', 'm', 'e', 'r', '.', 'e', 'r', 'a', 's', 'e',
                           0xa2, 't', 's', 0x01, 0xa8, 'c', 'u', 's', 't', 'o', 'm', 'e', 'r',
                           0xa3, 'a', 0x00, 'b'};
    rp_wire_request req = decode_bytes(nul, sizeof nul);
    assert_string_equal(req.events[0].error, "customer: must be valid UTF-8 without NUL characters");
    rp_wire_request_free(&req);
    uint8_t bad[sizeof nul];
    memcpy(bad, nul, sizeof nul);
    bad[sizeof nul - 2] = 0xff;
    req = decode_bytes(bad, sizeof bad);
    assert_string_equal(req.events[0].error, "customer: must be valid UTF-8 without NUL characters");
    rp_wire_request_free(&req);
}

static void data_rules(void **state)
{
    assert_string_equal(error_of(PURCHASE("{\"amount\":1,\"currency\":\"GBP\"}")), "data.order_id: is required");
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":\"1\",\"currency\":\"GBP\"}")),
                        "data.amount: must be a number");
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":1,\"currency\":\"gbp\"}")),
                        "data.currency: must be an ISO 4217 currency code (three capital letters)");
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":1,\"currency\":\"GBP\","
                                          "\"items\":[{\"sku\":\"a\"},{\"qty\":1}]}")),
                        "data.items[1].sku: is required");
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":1,\"currency\":\"GBP\",\"unknown\":{}}")), "");
    assert_string_equal(error_of(PURCHASE("{\"order_id\":\"o\",\"amount\":null,\"currency\":\"GBP\"}")),
                        "data.amount: is required");
#define UPSERT(data) "{\"id\":\"u\",\"type\":\"customer.upsert\",\"ts\":1,\"customer\":\"c\",\"data\":" data "}"
    assert_string_equal(error_of(UPSERT("{\"birthday\":\"1990-02-30\"}")),
                        "data.birthday: must be a date YYYY-MM-DD or --MM-DD (year unknown)");
    assert_string_equal(error_of(UPSERT("{\"birthday\":\"--02-29\",\"timezone\":\"Europe/London\"}")), "");
    assert_string_equal(error_of(UPSERT("{\"timezone\":\"Mars/Olympus\"}")),
                        "data.timezone: must be an IANA time zone such as Europe/London");
    assert_string_equal(error_of(UPSERT("{\"style\":\"bossy\"}")),
                        "data.style: must be one of dominant, analytical, expressive, amiable");
    assert_string_equal(error_of(UPSERT("{\"family\":[{\"relation\":\"daughter\",\"birthday\":\"2015-13-01\"}]}")),
                        "data.family[0].birthday: must be a date YYYY-MM-DD or --MM-DD (year unknown)");
    assert_string_equal(error_of(UPSERT("{\"consent\":{\"marketing\":\"yes\"}}")),
                        "data.consent.marketing: must be true or false");
    assert_string_equal(error_of("{\"id\":\"s\",\"type\":\"survey.response\",\"ts\":1,\"customer\":\"c\","
                                 "\"data\":{\"survey_id\":\"s1\",\"nps\":11}}"),
                        "data.nps: must be between 0 and 10");
    assert_string_equal(error_of("{\"id\":\"k\",\"type\":\"stakeholder.upsert\",\"ts\":1,\"org\":\"o\",\"customer\":\"p\","
                                 "\"data\":{\"roles\":[\"user\",\"boss\"]}}"),
                        "data.roles[1]: must be one of initiator_internal, influencer_internal, "
                        "influencer_external, executor, decision_maker, user");
}

static void reply_encoding_is_exact(void **state)
{
    rp_wire_request req = decode_json("[" PURCHASE(VALID_DATA) ",{\"id\":\"e2\"}]");
    req.events[0].status = RP_STATUS_ACCEPTED;
    size_t len;
    uint8_t *reply = rp_wire_encode_reply(&req, &len);
    json_t *json = NULL;
    (void)json;
    const uint8_t expected_head[] = {0x92, 0x82, 0xa2, 'i', 'd', 0xa2, 'e', '1',
                                     0xa6, 's', 't', 'a', 't', 'u', 's', 0xa8, 'a', 'c', 'c', 'e', 'p', 't', 'e', 'd',
                                     0x83, 0xa2, 'i', 'd', 0xa2, 'e', '2',
                                     0xa6, 's', 't', 'a', 't', 'u', 's', 0xa8, 'r', 'e', 'j', 'e', 'c', 't', 'e', 'd',
                                     0xa5, 'e', 'r', 'r', 'o', 'r'};
    assert_true(len > sizeof expected_head);
    assert_memory_equal(reply, expected_head, sizeof expected_head);
    free(reply);
    rp_wire_request_free(&req);
}

static void registry_matches_the_spec(void **state)
{
    assert_int_equal(rp_types_count(types), 24);
    static const char *const v1[] = {"customer.upsert", "customer.erase", "purchase", "refund", "contact",
        "deal.opened", "deal.won", "deal.lost", "complaint.opened", "complaint.resolved", "suggestion",
        "survey.response", "activity.attended", "referral", "key_event", "care.done", "campaign.launched",
        "market.competitor_promo", "org.upsert", "stakeholder.upsert", "stakeholder.left"};
    for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++)
        assert_non_null(rp_types_find(types, v1[i], strlen(v1[i])));
    assert_int_equal(rp_types_find(types, "campaign.launched", 17)->scope, RP_SCOPE_TENANT);
    assert_int_equal(rp_types_find(types, "org.upsert", 10)->scope, RP_SCOPE_ORG);
    assert_null(rp_types_find(types, "purchase\0x", 10));
    assert_non_null(rp_types_find(types, "purchase_", 8));
}

static void plugins_register_types(void **state)
{
    static const rp_data_field fields[] = {{"score", RP_VIEW_FLOAT, true}, {NULL, 0, false}};
    const rp_event_type good = {"loyalty.points", RP_SCOPE_CUSTOMER, fields};
    char err[256];
    assert_true(rp_types_register(types, &good, "loyalty", err, sizeof err));
    assert_string_equal(error_of("{\"id\":\"p\",\"type\":\"loyalty.points\",\"ts\":1,\"customer\":\"c\",\"data\":{}}"),
                        "data.score: is required");
    assert_false(rp_types_register(types, &good, "loyalty", err, sizeof err));
    assert_string_equal(err, "event type \"loyalty.points\" is already defined");
    const rp_event_type bad = {"Bad Name", RP_SCOPE_CUSTOMER, NULL};
    assert_false(rp_types_register(types, &bad, "x", err, sizeof err));
    assert_string_equal(err, "plugin x: event type name \"Bad Name\" must match [a-z0-9_.]{1,64}");
}

/* A map's fields are matched in one pass, 32 specs at a time: a type with
 * more fields still checks the ones past the first 32, in spec order. */
static void wide_type_checks_every_field(void **state)
{
    static char names[40][8];
    static rp_data_field fields[41];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "f%02d", i);
        fields[i] = (rp_data_field){names[i], RP_VIEW_INT, i == 35 || i == 39};
    }
    const rp_event_type wide = {"wide.type", RP_SCOPE_CUSTOMER, fields};
    char err[256];
    rp_type_registry *shared = types;   /* a registry of its own: the others count the types */
    types = rp_types_new();
    assert_true(rp_types_register(types, &wide, "wide", err, sizeof err));
#define WIDE(data) "{\"id\":\"w\",\"type\":\"wide.type\",\"ts\":1,\"customer\":\"c\",\"data\":" data "}"
    assert_string_equal(error_of(WIDE("{\"f00\":1,\"f39\":2}")), "data.f35: is required");
    assert_string_equal(error_of(WIDE("{\"f35\":1}")), "data.f39: is required");
    assert_string_equal(error_of(WIDE("{\"f39\":\"x\",\"f35\":1,\"f02\":\"y\"}")),
                        "data.f02: must be an integer");
    assert_string_equal(error_of(WIDE("{\"f39\":\"x\",\"f35\":1}")), "data.f39: must be an integer");
    assert_string_equal(error_of(WIDE("{\"f39\":3,\"f35\":1,\"extra\":[]}")), "");
    rp_types_free(types);
    types = shared;
}

/* A key repeated inside data: the first occurrence is the one checked (and
 * the one every plugin's reader finds first). */
static void repeated_data_key_first_counts(void **state)
{
    static const uint8_t head[] = {0x85, 0xa2, 'i', 'd', 0xa1, 'r', 0xa4, 't', 'y', 'p', 'e',
                                   0xa8, 'p', 'u', 'r', 'c', 'h', 'a', 's', 'e', 0xa2, 't', 's', 0x01,
                                   0xa8, 'c', 'u', 's', 't', 'o', 'm', 'e', 'r', 0xa1, 'c',
                                   0xa4, 'd', 'a', 't', 'a', 0x84,
                                   0xa8, 'o', 'r', 'd', 'e', 'r', '_', 'i', 'd', 0xa1, 'o',
                                   0xa8, 'c', 'u', 'r', 'r', 'e', 'n', 'c', 'y', 0xa3, 'G', 'B', 'P'};
    static const uint8_t good_then_bad[] = {0xa6, 'a', 'm', 'o', 'u', 'n', 't', 0x05,
                                            0xa6, 'a', 'm', 'o', 'u', 'n', 't', 0xff};
    static const uint8_t bad_then_good[] = {0xa6, 'a', 'm', 'o', 'u', 'n', 't', 0xff,
                                            0xa6, 'a', 'm', 'o', 'u', 'n', 't', 0x05};
    uint8_t frame[sizeof head + sizeof good_then_bad];
    memcpy(frame, head, sizeof head);
    memcpy(frame + sizeof head, good_then_bad, sizeof good_then_bad);
    rp_wire_request req = decode_bytes(frame, sizeof frame);
    assert_int_equal(req.events[0].status, RP_STATUS_PENDING);
    rp_wire_request_free(&req);
    memcpy(frame + sizeof head, bad_then_good, sizeof bad_then_good);
    req = decode_bytes(frame, sizeof frame);
    assert_int_equal(req.events[0].status, RP_STATUS_REJECTED);
    assert_string_equal(req.events[0].error, "data.amount: must be a number >= 0");
    rp_wire_request_free(&req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(valid_event_is_pending_with_partition, reset_limits),
        cmocka_unit_test_setup(partition_hash_is_stable, reset_limits),
        cmocka_unit_test_setup(wide_type_checks_every_field, reset_limits),
        cmocka_unit_test_setup(repeated_data_key_first_counts, reset_limits),
        cmocka_unit_test_setup(absent_data_is_the_empty_map, reset_limits),
        cmocka_unit_test_setup(batch_rejects_only_the_bad_event, reset_limits),
        cmocka_unit_test_setup(not_msgpack_gets_one_rejection_with_nil_id, reset_limits),
        cmocka_unit_test_setup(hundred_million_element_claim_is_refused, reset_limits),
        cmocka_unit_test_setup(truncated_and_trailing_frames, reset_limits),
        cmocka_unit_test_setup(frame_and_batch_limits, reset_limits),
        cmocka_unit_test_setup(nesting_elements_and_string_limits, reset_limits),
        cmocka_unit_test_setup(top_level_keys, reset_limits),
        cmocka_unit_test_setup(long_id_is_echoed_in_the_rejection, reset_limits),
        cmocka_unit_test_setup(nul_and_bad_utf8_in_keys_are_refused, reset_limits),
        cmocka_unit_test_setup(data_rules, reset_limits),
        cmocka_unit_test_setup(reply_encoding_is_exact, reset_limits),
        cmocka_unit_test_setup(registry_matches_the_spec, reset_limits),
        cmocka_unit_test_setup(plugins_register_types, reset_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
