/* test_csv.c - the RFC 4180 reader of rapport-retail, record by record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <zlib.h>

#include "csv.h"

typedef struct fixture {
    char path[64];
    gzFile in;
    rp_csv_reader *reader;
} fixture;

/* Writes text to a temporary file (gzip-compressed when compress is true)
 * and opens a reader on it. */
static fixture *open_text(const char *text, size_t len, int compress)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->path, sizeof f->path, "/tmp/test_csv_XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    if (compress) {
        gzFile gz = gzdopen(fd, "wb");
        assert_non_null(gz);
        assert_int_equal(gzwrite(gz, text, (unsigned)len), (int)len);
        assert_int_equal(gzclose(gz), Z_OK);
    } else {
        assert_int_equal(write(fd, text, len), (ssize_t)len);
        close(fd);
    }
    f->in = gzopen(f->path, "rb");
    assert_non_null(f->in);
    f->reader = rp_csv_reader_new(f->in);
    assert_non_null(f->reader);
    return f;
}

static fixture *open_string(const char *text)
{
    return open_text(text, strlen(text), 0);
}

static void close_fixture(fixture *f)
{
    rp_csv_reader_free(f->reader);
    gzclose(f->in);
    unlink(f->path);
    free(f);
}

/* Reads one record and checks its line and fields (NULL-terminated list). */
static void expect_record(fixture *f, long line, const char *const *fields)
{
    rp_csv_record rec;
    assert_int_equal(rp_csv_read(f->reader, &rec), RP_CSV_RECORD);
    assert_int_equal(rec.line, line);
    size_t n = 0;
    while (fields[n])
        n++;
    assert_int_equal(rec.count, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(rec.fields[i], fields[i]);
}

static void expect_eof(fixture *f)
{
    rp_csv_record rec;
    assert_int_equal(rp_csv_read(f->reader, &rec), RP_CSV_EOF);
    assert_int_equal(rp_csv_read(f->reader, &rec), RP_CSV_EOF);
}

static void plain_fields_and_lf(void **state)
{
    fixture *f = open_string("a,b,c\n1,,3\n");
    expect_record(f, 1, (const char *[]){"a", "b", "c", NULL});
    expect_record(f, 2, (const char *[]){"1", "", "3", NULL});
    expect_eof(f);
    close_fixture(f);
}

static void quoted_fields_with_commas(void **state)
{
    fixture *f = open_string("536381,82567,\"AIRLINE LOUNGE,METAL SIGN\",2\n"
                             "x,\"FANCY FONT BIRTHDAY CARD, \",\"\"\n");
    expect_record(f, 1, (const char *[]){"536381", "82567", "AIRLINE LOUNGE,METAL SIGN", "2", NULL});
    expect_record(f, 2, (const char *[]){"x", "FANCY FONT BIRTHDAY CARD, ", "", NULL});
    expect_eof(f);
    close_fixture(f);
}

static void embedded_quotes(void **state)
{
    fixture *f = open_string("\"RECORD FRAME 7\"\" SINGLE SIZE \",\"\"\"q\"\"\",it's\n"
                             "5\"6,b\n");
    expect_record(f, 1, (const char *[]){"RECORD FRAME 7\" SINGLE SIZE ", "\"q\"", "it's", NULL});
    /* a quote inside an unquoted field is an ordinary character */
    expect_record(f, 2, (const char *[]){"5\"6", "b", NULL});
    expect_eof(f);
    close_fixture(f);
}

static void crlf_line_ends(void **state)
{
    fixture *f = open_string("a,b\r\nc,\"d\"\r\n\r\ne,f\r\n");
    expect_record(f, 1, (const char *[]){"a", "b", NULL});
    expect_record(f, 2, (const char *[]){"c", "d", NULL});
    /* the empty line 3 carries no record */
    expect_record(f, 4, (const char *[]){"e", "f", NULL});
    expect_eof(f);
    close_fixture(f);
}

static void missing_trailing_newline(void **state)
{
    fixture *f = open_string("a,b\nc,\"d,e\"");
    expect_record(f, 1, (const char *[]){"a", "b", NULL});
    expect_record(f, 2, (const char *[]){"c", "d,e", NULL});
    expect_eof(f);
    close_fixture(f);

    f = open_string("x,");
    expect_record(f, 1, (const char *[]){"x", "", NULL});
    expect_eof(f);
    close_fixture(f);
}

static void line_ends_inside_quotes(void **state)
{
    fixture *f = open_string("\"two\nlines\",\"cr\r\nlf\"\nnext\n");
    expect_record(f, 1, (const char *[]){"two\nlines", "cr\r\nlf", NULL});
    expect_record(f, 4, (const char *[]){"next", NULL});   /* lines 1-3 hold the first record */
    expect_eof(f);
    close_fixture(f);
}

static void malformed_records_are_skipped(void **state)
{
    fixture *f = open_string("a,\"b\"x,c\nd,e\n\"open");
    rp_csv_record rec;
    assert_int_equal(rp_csv_read(f->reader, &rec), RP_CSV_MALFORMED);
    assert_int_equal(rec.line, 1);
    assert_string_equal(rp_csv_error(f->reader), "line 1: text after a closing quote");
    expect_record(f, 2, (const char *[]){"d", "e", NULL});
    assert_int_equal(rp_csv_read(f->reader, &rec), RP_CSV_MALFORMED);
    assert_int_equal(rec.line, 3);
    assert_string_equal(rp_csv_error(f->reader), "line 3: quoted field not closed at end of input");
    expect_eof(f);
    close_fixture(f);
}

static void gzip_input_and_long_fields(void **state)
{
    /* a field longer than the reader's 64 KiB block, across block borders */
    size_t long_len = 200000;
    size_t total = long_len + 16;
    char *text = malloc(total);
    assert_non_null(text);
    memcpy(text, "k,\"", 3);
    memset(text + 3, 'z', long_len);
    memcpy(text + 3 + long_len, "\",\"\"\"\"\n", 7);
    size_t len = 3 + long_len + 7;
    fixture *f = open_text(text, len, 1);
    rp_csv_record rec;
    assert_int_equal(rp_csv_read(f->reader, &rec), RP_CSV_RECORD);
    assert_int_equal(rec.count, 3);
    assert_string_equal(rec.fields[0], "k");
    assert_int_equal(strlen(rec.fields[1]), long_len);
    assert_int_equal(strspn(rec.fields[1], "z"), long_len);
    assert_string_equal(rec.fields[2], "\"");
    expect_eof(f);
    close_fixture(f);
    free(text);
}

static void empty_input(void **state)
{
    fixture *f = open_string("");
    expect_eof(f);
    close_fixture(f);
    f = open_string("\n\r\n");
    expect_eof(f);
    close_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_fields_and_lf),
        cmocka_unit_test(quoted_fields_with_commas),
        cmocka_unit_test(embedded_quotes),
        cmocka_unit_test(crlf_line_ends),
        cmocka_unit_test(missing_trailing_newline),
        cmocka_unit_test(line_ends_inside_quotes),
        cmocka_unit_test(malformed_records_are_skipped),
        cmocka_unit_test(gzip_input_and_long_fields),
        cmocka_unit_test(empty_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
