/* test_copy_binary.c - COPY binary format, byte for byte (PostgreSQL's
 * "Binary Format" of the COPY reference page). The real server reading it
 * is covered by every broker test, since the committer writes events so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "copy_binary.h"

static void stream_with_every_value_kind(void **state)
{
    (void)state;
    rp_copy_buffer buf;
    rp_copy_init(&buf);
    const uint8_t bytes[] = {0x00, 0xab, 0xff};
    rp_copy_bin_header(&buf);
    rp_copy_bin_row(&buf, 5);
    rp_copy_bin_text_or_null(&buf, "ab");
    rp_copy_bin_text_or_null(&buf, NULL);
    rp_copy_bin_int4(&buf, -2);
    rp_copy_bin_int8(&buf, 258);
    rp_copy_bin_bytes(&buf, bytes, sizeof bytes);
    rp_copy_bin_trailer(&buf);
    const uint8_t expected[] = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0,   /* signature */
        0, 0, 0, 0,                                               /* flags */
        0, 0, 0, 0,                                               /* header extension */
        0, 5,                                                     /* fields */
        0, 0, 0, 2, 'a', 'b',                                     /* text */
        0xff, 0xff, 0xff, 0xff,                                   /* NULL */
        0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe,                       /* int4 -2 */
        0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2,                       /* int8 258 */
        0, 0, 0, 3, 0x00, 0xab, 0xff,                             /* bytea */
        0xff, 0xff,                                               /* trailer */
    };
    assert_int_equal(buf.len, sizeof expected);
    assert_memory_equal(buf.data, expected, buf.len);
    assert_false(buf.oom);
    rp_copy_free(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(stream_with_every_value_kind)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
