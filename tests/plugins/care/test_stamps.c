/* Which of two statements of one fact wins, by event time and never by
 * arrival order (plugins/care/stamps.h): profile field stamps and the order
 * of task closings, with exact values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stamps.h"

static void stamps_round_trip(void **state)
{
    (void)state;
    int64_t in[CR_PF_COUNT] = {1777896000000LL, -1, 0, 5, -1, 253402300799999LL, 42};
    char text[CR_STAMPS_TEXT];
    cr_stamps_format(in, text);
    assert_string_equal(text, "1777896000000,-1,0,5,-1,253402300799999,42");
    int64_t out[CR_PF_COUNT];
    cr_stamps_parse(text, out);
    for (int i = 0; i < CR_PF_COUNT; i++)
        assert_int_equal(out[i], in[i]);
}

/* Rows written before the stamps existed (NULL), or damaged: never stated. */
static void missing_or_bad_stamps_are_never(void **state)
{
    (void)state;
    int64_t out[CR_PF_COUNT];
    cr_stamps_parse(NULL, out);
    for (int i = 0; i < CR_PF_COUNT; i++)
        assert_int_equal(out[i], -1);
    cr_stamps_parse("7,x,9", out);
    assert_int_equal(out[0], 7);
    assert_int_equal(out[1], -1);
    assert_int_equal(out[2], 9);
    for (int i = 3; i < CR_PF_COUNT; i++)
        assert_int_equal(out[i], -1);
    int64_t all[CR_PF_COUNT];
    for (int i = 0; i < CR_PF_COUNT; i++)
        all[i] = INT64_MAX;
    char text[CR_STAMPS_TEXT];
    cr_stamps_format(all, text);              /* the longest text fits */
    assert_string_equal(text, "9223372036854775807,9223372036854775807,9223372036854775807,"
                              "9223372036854775807,9223372036854775807,9223372036854775807,"
                              "9223372036854775807");
}

/* Statements at 10, 30 and 20 (arriving in that order) and at 30, 10, 20:
 * both end with the one made at 30. */
static void the_newest_statement_wins_in_any_order(void **state)
{
    (void)state;
    static const int64_t orders[2][3] = {{10, 30, 20}, {30, 10, 20}};
    static const bool taken[2][3] = {{true, true, false}, {true, false, false}};
    for (int o = 0; o < 2; o++) {
        int64_t stamp = -1;
        int64_t value = 0;
        for (int i = 0; i < 3; i++) {
            bool take = cr_stamp_take(&stamp, orders[o][i]);
            assert_int_equal(take, taken[o][i]);
            if (take)
                value = orders[o][i];
        }
        assert_int_equal(stamp, 30);
        assert_int_equal(value, 30);
    }
    int64_t stamp = 30;
    assert_true(cr_stamp_take(&stamp, 30));  /* the same instant: the later arrival */
    assert_false(cr_stamp_take(&stamp, 29));
    assert_int_equal(stamp, 30);
}

static void the_earliest_closing_comes_first(void **state)
{
    (void)state;
    assert_true(cr_closing_first(100, "zz", 200, "aa"));
    assert_false(cr_closing_first(200, "aa", 100, "zz"));
    /* the same instant: the smaller outcome, byte by byte; none as "" */
    assert_true(cr_closing_first(100, "called", 100, "visited"));
    assert_false(cr_closing_first(100, "visited", 100, "called"));
    assert_true(cr_closing_first(100, NULL, 100, "called"));
    assert_false(cr_closing_first(100, "called", 100, NULL));
    assert_false(cr_closing_first(100, NULL, 100, ""));
    assert_true(cr_closing_first(100, "Z", 100, "a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stamps_round_trip),
        cmocka_unit_test(missing_or_bad_stamps_are_never),
        cmocka_unit_test(the_newest_statement_wins_in_any_order),
        cmocka_unit_test(the_earliest_closing_comes_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
