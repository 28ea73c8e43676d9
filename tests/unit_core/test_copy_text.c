/* test_copy_text.c - COPY text-format escaping, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "copy_text.h"

static void row_with_every_column_kind(void **state)
{
    rp_copy_buffer buf;
    rp_copy_init(&buf);
    const char text[] = "a\tb\nc\\d\re";
    const uint8_t bytes[] = {0x00, 0xab, 0xff};
    rp_copy_text(&buf, text, strlen(text));
    rp_copy_text_or_null(&buf, NULL);
    rp_copy_int(&buf, -9223372036854775807LL - 1);
    rp_copy_bytea(&buf, bytes, sizeof bytes);
    rp_copy_end_row(&buf);
    rp_copy_text(&buf, "x", 1);
    rp_copy_end_row(&buf);
    const char expected[] = "a\\tb\\nc\\\\d\\re\t\\N\t-9223372036854775808\t\\\\x00abff\nx\n";
    assert_int_equal(buf.len, strlen(expected));
    assert_memory_equal(buf.data, expected, buf.len);
    assert_false(buf.oom);
    rp_copy_reset(&buf);
    assert_int_equal(buf.len, 0);
    rp_copy_free(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(row_with_every_column_kind)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
