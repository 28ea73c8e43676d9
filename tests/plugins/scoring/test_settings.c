/*
 * test_settings.c - parsing of the scoring plugin's configuration values.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rp_duration.h"
#include "rp_pgarray.h"
#include "settings.h"

static void test_durations(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(rp_parse_duration("180d", &ms));
    assert_int_equal(ms, 180LL * 86400000);
    assert_true(rp_parse_duration("90s", &ms));
    assert_int_equal(ms, 90000);
    assert_true(rp_parse_duration("2w", &ms));
    assert_int_equal(ms, 14LL * 86400000);
    assert_true(rp_parse_duration("1.5h", &ms));
    assert_int_equal(ms, 5400000);
    assert_true(rp_parse_duration("250ms", &ms));
    assert_int_equal(ms, 250);
    assert_false(rp_parse_duration("7 days", &ms));
    assert_false(rp_parse_duration("-1d", &ms));
    assert_false(rp_parse_duration("", &ms));
    assert_false(rp_parse_duration("1e300d", &ms));
}

static void test_number_lists(void **state)
{
    (void)state;
    double w[9], t[4];
    char err[200];
    assert_true(sc_parse_numbers("weights", "3,1,1,1,1,2,1,1,2", w, 9, err, sizeof err));
    assert_true(w[0] == 3 && w[5] == 2 && w[8] == 2);
    assert_true(sc_parse_numbers("thresholds", "80, 65, 45, 25", t, 4, err, sizeof err));
    assert_true(t[3] == 25);
    assert_false(sc_parse_numbers("thresholds", "80,65,45", t, 4, err, sizeof err));
    assert_non_null(strstr(err, "thresholds"));
    assert_false(sc_parse_numbers("thresholds", "80,65,45,25,1", t, 4, err, sizeof err));
    assert_false(sc_parse_numbers("weights", "3,-1,1,1,1,2,1,1,2", w, 9, err, sizeof err));
    assert_non_null(strstr(err, "value 2"));
}

static void test_array_literal_quoting(void **state)
{
    (void)state;
    rp_text b = {0};
    rp_text_putc(&b, '{');
    rp_pgarray_quote(&b, "a\"b\\c,d");
    rp_text_putc(&b, ',');
    rp_pgarray_quote(&b, NULL);
    rp_text_putc(&b, '}');
    assert_string_equal(rp_text_get(&b), "{\"a\\\"b\\\\c,d\",NULL}");
    rp_text_reset(&b);
    rp_text_double(&b, NAN, "NULL");
    assert_string_equal(rp_text_get(&b), "NULL");
    rp_text_free(&b);

    /* the comma-separating builder the other plugins use gives the same */
    rp_pgarray a = {0};
    assert_string_equal(rp_pgarray_finish(&a), "{}");
    rp_pgarray_free(&a);
    rp_pgarray_add(&a, "a\"b\\c,d");
    rp_pgarray_add(&a, NULL);
    assert_string_equal(rp_pgarray_finish(&a), "{\"a\\\"b\\\\c,d\",NULL}");
    assert_string_equal(rp_pgarray_finish(&a), "{\"a\\\"b\\\\c,d\",NULL}");
    rp_pgarray_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_number_lists),
        cmocka_unit_test(test_array_literal_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
