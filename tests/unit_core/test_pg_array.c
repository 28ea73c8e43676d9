/* test_pg_array.c - PostgreSQL array literals with quoting and NULLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pg_array.h"

static void literal_quotes_and_nulls(void **state)
{
    rp_pg_array a;
    rp_pg_array_init(&a);
    rp_pg_array_text(&a, "plain");
    rp_pg_array_text(&a, "say \"hi\", \\o/");
    rp_pg_array_text(&a, NULL);
    rp_pg_array_text(&a, "NULL");
    assert_string_equal(rp_pg_array_finish(&a), "{\"plain\",\"say \\\"hi\\\", \\\\o/\",NULL,\"NULL\"}");
    assert_int_equal(a.count, 4);
    rp_pg_array_free(&a);
}

static void ints_bytea_and_empty(void **state)
{
    rp_pg_array a;
    rp_pg_array_init(&a);
    assert_string_equal(rp_pg_array_finish(&a), "{}");
    rp_pg_array_free(&a);
    rp_pg_array_init(&a);
    rp_pg_array_int(&a, 42);
    rp_pg_array_int(&a, -1);
    assert_string_equal(rp_pg_array_finish(&a), "{\"42\",\"-1\"}");
    rp_pg_array_free(&a);
    rp_pg_array_init(&a);
    const uint8_t bytes[] = {0x01, 0xfe};
    rp_pg_array_bytea(&a, bytes, sizeof bytes);
    assert_string_equal(rp_pg_array_finish(&a), "{\"\\\\x01fe\"}");
    rp_pg_array_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_quotes_and_nulls),
        cmocka_unit_test(ints_bytea_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
