/*
 * test_view.c - the allocation-free msgpack reader (view.h) and the limits
 * walk (mp_bounds.h), on hand-assembled bytes with exact expected values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mp_bounds.h"
#include "view.h"

static rp_view whole(const uint8_t *bytes, size_t len)
{
    rp_view v = rp_view_of(bytes, len);
    assert_non_null(v.ptr);
    assert_int_equal(v.len, len);
    return v;
}

static void integers_of_every_width(void **state)
{
    const struct { uint8_t bytes[9]; size_t len; int64_t value; } cases[] = {
        {{0x7f}, 1, 127},
        {{0xe0}, 1, -32},
        {{0xcc, 0xff}, 2, 255},
        {{0xcd, 0x01, 0x00}, 3, 256},
        {{0xce, 0xff, 0xff, 0xff, 0xff}, 5, 4294967295LL},
        {{0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, INT64_MAX},
        {{0xd0, 0x80}, 2, -128},
        {{0xd1, 0xff, 0x00}, 3, -256},
        {{0xd2, 0x80, 0x00, 0x00, 0x00}, 5, INT32_MIN},
        {{0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}, 9, INT64_MIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got;
        rp_view v = whole(cases[i].bytes, cases[i].len);
        assert_int_equal(rp_view_kind_of(v), RP_VIEW_INT);
        assert_true(rp_view_int(v, &got));
        assert_int_equal(got, cases[i].value);
    }
    const uint8_t big[] = {0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    int64_t unused;
    double d;
    assert_int_equal(rp_view_kind_of(whole(big, sizeof big)), RP_VIEW_UINT);
    assert_false(rp_view_int(whole(big, sizeof big), &unused));
    assert_true(rp_view_double(whole(big, sizeof big), &d));
    assert_true(d == 18446744073709551615.0);
}

static void floats_bools_nil(void **state)
{
    const uint8_t f32[] = {0xca, 0x3f, 0xc0, 0x00, 0x00};              /* 1.5f */
    const uint8_t f64[] = {0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18}; /* pi */
    const uint8_t yes[] = {0xc3}, nil[] = {0xc0};
    double d;
    bool b;
    assert_true(rp_view_double(whole(f32, sizeof f32), &d));
    assert_true(d == 1.5);
    assert_true(rp_view_double(whole(f64, sizeof f64), &d));
    assert_true(d == 3.141592653589793);
    assert_true(rp_view_bool(whole(yes, 1), &b));
    assert_true(b);
    assert_int_equal(rp_view_kind_of(whole(nil, 1)), RP_VIEW_NIL);
}

static void maps_arrays_strings(void **state)
{
    /* {"a": [1, "xy"], "bb": {"c": true}} */
    const uint8_t doc[] = {0x82, 0xa1, 'a', 0x92, 0x01, 0xa2, 'x', 'y',
                           0xa2, 'b', 'b', 0x81, 0xa1, 'c', 0xc3};
    rp_view map = whole(doc, sizeof doc);
    assert_int_equal(rp_view_count(map), 2);
    rp_view a = rp_view_get(map, "a");
    assert_int_equal(rp_view_kind_of(a), RP_VIEW_ARRAY);
    assert_int_equal(rp_view_count(a), 2);
    char buf[3];
    assert_true(rp_view_strcpy(rp_view_at(a, 1), buf, sizeof buf));
    assert_string_equal(buf, "xy");
    assert_false(rp_view_strcpy(rp_view_at(a, 1), buf, 2));   /* no room for the NUL */
    assert_null(rp_view_at(a, 2).ptr);
    bool c;
    assert_true(rp_view_bool(rp_view_get(rp_view_get(map, "bb"), "c"), &c));
    assert_null(rp_view_get(map, "b").ptr);
    assert_null(rp_view_get(a, "a").ptr);                       /* not a map */
}

static void str8_str16_bin_ext(void **state)
{
    uint8_t s16[3 + 300];
    s16[0] = 0xda; s16[1] = 0x01; s16[2] = 0x2c;
    memset(s16 + 3, 'z', 300);
    const char *s;
    size_t n;
    assert_true(rp_view_str(whole(s16, sizeof s16), &s, &n));
    assert_int_equal(n, 300);
    const uint8_t bin[] = {0xc4, 0x02, 0xde, 0xad};
    assert_int_equal(rp_view_kind_of(whole(bin, sizeof bin)), RP_VIEW_BIN);
    const uint8_t fixext4[] = {0xd6, 0x01, 1, 2, 3, 4};
    assert_int_equal(rp_view_kind_of(whole(fixext4, sizeof fixext4)), RP_VIEW_EXT);
    const uint8_t ext8[] = {0xc7, 0x02, 0x05, 0xaa, 0xbb};
    assert_int_equal(rp_view_kind_of(whole(ext8, sizeof ext8)), RP_VIEW_EXT);
}

static void hostile_bytes_give_absent_views(void **state)
{
    const uint8_t never_used[] = {0xc1};
    const uint8_t short_str[] = {0xa5, 'a'};
    const uint8_t short_header[] = {0xdb, 0x00, 0x00};
    const uint8_t huge_map[] = {0xdf, 0xff, 0xff, 0xff, 0xff};
    const uint8_t huge_bin[] = {0xc6, 0xff, 0xff, 0xff, 0xff, 0x00};
    const uint8_t deep_truncated[] = {0x91, 0x91, 0x91, 0x91};
    assert_null(rp_view_of(never_used, 1).ptr);
    assert_null(rp_view_of(short_str, sizeof short_str).ptr);
    assert_null(rp_view_of(short_header, sizeof short_header).ptr);
    assert_null(rp_view_of(huge_map, sizeof huge_map).ptr);
    assert_null(rp_view_of(huge_bin, sizeof huge_bin).ptr);
    assert_null(rp_view_of(deep_truncated, sizeof deep_truncated).ptr);
    assert_null(rp_view_of(NULL, 0).ptr);
    assert_int_equal(rp_view_kind_of(rp_view_of(huge_map, sizeof huge_map)), RP_VIEW_ABSENT);
    /* the forms rp_view_of measures without rp_mp_read_head, cut short */
    const uint8_t str8_past_end[] = {0xd9, 0x05, 'a'};
    const uint8_t str8_no_length[] = {0xd9};
    const uint8_t float64_cut[] = {0xcb, 0x00, 0x00};
    const uint8_t uint32_cut[] = {0x91, 0xce, 0x00};
    const uint8_t fixstr_in_array_cut[] = {0x92, 0xa3, 'a', 'b'};
    assert_null(rp_view_of(str8_past_end, sizeof str8_past_end).ptr);
    assert_null(rp_view_of(str8_no_length, sizeof str8_no_length).ptr);
    assert_null(rp_view_of(float64_cut, sizeof float64_cut).ptr);
    assert_null(rp_view_of(uint32_cut, sizeof uint32_cut).ptr);
    assert_null(rp_view_of(fixstr_in_array_cut, sizeof fixstr_in_array_cut).ptr);
}

/* Every form measured inline, in one map: the measure ends exactly after it. */
static void measure_covers_every_inline_form(void **state)
{
    const uint8_t map[] = {0x87,
                           0xa1, 'a', 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,   /* float 64 */
                           0xa1, 'b', 0xca, 0x3f, 0x80, 0, 0,               /* float 32 */
                           0xa1, 'c', 0xd9, 0x02, 'h', 'i',                /* str 8 */
                           0xa1, 'd', 0xc4, 0x01, 0xff,                    /* bin 8 */
                           0xa1, 'e', 0x92, 0xc0, 0xc3,                    /* [nil, true] */
                           0xa1, 'f', 0xcd, 0x01, 0x00,                    /* uint 16 */
                           0xa1, 'g', 0xd0, 0x80,                          /* int 8 */
                           0x00};                                          /* after the map */
    rp_view v = rp_view_of(map, sizeof map);
    assert_non_null(v.ptr);
    assert_int_equal(v.len, sizeof map - 1);
    const char *s;
    size_t n;
    int64_t i;
    assert_true(rp_view_str(rp_view_get(v, "c"), &s, &n));
    assert_int_equal(n, 2);
    assert_memory_equal(s, "hi", 2);
    assert_true(rp_view_int(rp_view_get(v, "g"), &i));
    assert_int_equal(i, -128);
    assert_int_equal(rp_view_count(rp_view_get(v, "e")), 2);
}

static void limits_walk(void **state)
{
    rp_limits limits;
    rp_limits_defaults(&limits);
    char err[128];
    /* 63 nested arrays around a scalar: 64 levels, deeper than the default 8 */
    uint8_t deep[64];
    memset(deep, 0x91, 63);
    deep[63] = 0x01;
    assert_false(rp_mp_within_limits(deep, sizeof deep, &limits, err, sizeof err));
    assert_string_equal(err, "nesting deeper than limits.max_depth (8)");
    limits.max_depth = 1000;                        /* capped at RP_MP_DEPTH_CAP */
    assert_true(rp_mp_within_limits(deep, sizeof deep, &limits, err, sizeof err));
    uint8_t deeper[65];                             /* 65 levels */
    memset(deeper, 0x91, 64);
    deeper[64] = 0x01;
    assert_false(rp_mp_within_limits(deeper, sizeof deeper, &limits, err, sizeof err));
    assert_string_equal(err, "nesting deeper than limits.max_depth (1000)");
    const uint8_t flat[] = {0x93, 0x01, 0x02, 0x03};
    limits.max_elements = 2;
    assert_false(rp_mp_within_limits(flat, sizeof flat, &limits, err, sizeof err));
    assert_string_equal(err, "an array of 3 elements exceeds limits.max_elements (2)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_of_every_width),
        cmocka_unit_test(floats_bools_nil),
        cmocka_unit_test(maps_arrays_strings),
        cmocka_unit_test(str8_str16_bin_ext),
        cmocka_unit_test(hostile_bytes_give_absent_views),
        cmocka_unit_test(measure_covers_every_inline_form),
        cmocka_unit_test(limits_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
