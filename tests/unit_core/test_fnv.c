/*
 * test_fnv.c - FNV-1a 64 (sdk/include/rapport/rp_fnv.h) and every value
 * derived from it, pinned bit for bit: the partition of an event (a wire
 * contract, proto/README.md), rapport-synth's hashes and random streams,
 * the referral plugin's contact hashes and the scoring plugin's deal hashes
 * (both stored). The expected values were computed by the code before it
 * shared rp_fnv.h; none may ever change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rapport/rp_fnv.h>

#include "evidence.h"
#include "fraud.h"
#include "partition.h"
#include "rng.h"

static void published_test_vectors(void **state)
{
    assert_true(rp_fnv1a64("", 0) == 0xcbf29ce484222325ULL);
    assert_true(rp_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(rp_fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
    assert_true(rp_fnv1a64("", 1) == 0xaf63bd4c8601b7dfULL);     /* one NUL byte */
    assert_true(rp_fnv1a64_start() == RP_FNV1A64_OFFSET);
    assert_true(rp_fnv1a64_byte(RP_FNV1A64_OFFSET, 'a') == 0xaf63dc4c8601ec8cULL);
}

static void update_and_str_continue_a_hash(void **state)
{
    uint64_t h = rp_fnv1a64_update(rp_fnv1a64_start(), "foo", 3);
    assert_true(rp_fnv1a64_str(h, "bar") == 0x85944171f73967e8ULL);
    assert_true(rp_fnv1a64_update(h, NULL, 0) == h);
    assert_true(rp_fnv1a64_str(rp_fnv1a64_start(), "") == RP_FNV1A64_OFFSET);
    /* bytes above 0x7f count as unsigned */
    assert_true(rp_fnv1a64_str(rp_fnv1a64_start(), "\xff\xfe") == rp_fnv1a64("\xff\xfe", 2));
}

typedef struct pinned_partition {
    const char *tenant, *key;
    uint64_t hash;
    uint32_t p16, p64, p1000;
} pinned_partition;

static void partitions_are_pinned(void **state)
{
    static const pinned_partition cases[] = {
        {"acme", "c-1", 0xaf00d7ce3b8553ecULL, 12, 44, 132},
        {"acme", "", 0x1a7178393f7b537dULL, 13, 61, 365},
        {"acme", NULL, 0x1a7178393f7b537dULL, 13, 61, 365},     /* tenant-scoped */
        {"t1", "customer-42", 0x3e918464a40fb33bULL, 11, 59, 531},
        {"mt01", "c-mt01-b71", 0x65c6ffae4c04e060ULL, 0, 32, 808},
        {"", "", 0xaf63bd4c8601b7dfULL, 15, 31, 455},
        {"tenant-\xc3\xa9", "\xff\x01z", 0xb8f208bc0d034b72ULL, 2, 50, 562},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const pinned_partition *c = &cases[i];
        size_t tl = strlen(c->tenant), kl = c->key ? strlen(c->key) : 0;
        assert_true(rp_key_hash(c->tenant, tl, c->key, kl) == c->hash);
        assert_int_equal(rp_partition_of(c->tenant, tl, c->key, kl, 16), c->p16);
        assert_int_equal(rp_partition_of(c->tenant, tl, c->key, kl, 64), c->p64);
        assert_int_equal(rp_partition_of(c->tenant, tl, c->key, kl, 1000), c->p1000);
    }
}

static void synth_hashes_and_streams_are_pinned(void **state)
{
    static const struct { const char *s; uint64_t hash, first_draw; } cases[] = {
        {"", 0xcbf29ce484222325ULL, 0x9a3a92b572036a6dULL},
        {"a", 0xaf63dc4c8601ec8cULL, 0xf72ce224e16f3ee8ULL},
        {"foobar", 0x85944171f73967e8ULL, 0x42282e0efdb4c12dULL},
        {"c-1", 0xf6e54a190dc00ad4ULL, 0x02a14a1c6c7b7cbfULL},
        {"order:12345", 0x5ac8a6c4e1287a56ULL, 0x4e7ca1f7ac44bcc3ULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(synth_hash(cases[i].s) == cases[i].hash);
        synth_rng rng = synth_rng_for(42, cases[i].s, "purpose");
        assert_true(synth_next(&rng) == cases[i].first_draw);
    }
}

/* Both start from 1469598103934665603, not FNV's offset basis (see
 * fraud.c and evidence.c): stored values, kept as they were. */
static void plugin_hashes_are_pinned(void **state)
{
    assert_true(sc_deal_hash("", 0) == 0x00050fb0739d02c5ULL);
    assert_true(sc_deal_hash("a", 1) == 0x000d8ad473cd9d4dULL);
    assert_true(sc_deal_hash("foobar", 6) == 0x000ad7c0a8ff0f7dULL);
    assert_true(sc_deal_hash("c-1", 3) == 0x0005715102a318fbULL);
    assert_true(rf_email_hash(" Ann@Example.COM ") == 0xa402361220ccb3cbULL);
    assert_true(rf_email_hash("x@y") == 0xb98f04518809ca7eULL);
    assert_true(rf_email_hash("foobar") == 0);
    assert_true(rf_phone_hash("+44 (0)20 7946 0958") == 0x6bf31bb9b8e8dc27ULL);
    assert_true(rf_phone_hash("12345") == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(published_test_vectors),
        cmocka_unit_test(update_and_str_continue_a_hash),
        cmocka_unit_test(partitions_are_pinned),
        cmocka_unit_test(synth_hashes_and_streams_are_pinned),
        cmocka_unit_test(plugin_hashes_are_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
