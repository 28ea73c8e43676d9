/*
 * csv.c - RFC 4180 record reader (see csv.h for what is accepted).
 *
 * The input is read in large blocks with gzread() and scanned byte by byte
 * by a small state machine. Field bytes of the current record are collected
 * in one buffer, each field NUL-terminated, and the field pointers are only
 * computed once the record is complete, because growing the buffer may move
 * it.
 */
#include "csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_BLOCK_BYTES 65536
#define CSV_EOF (-1)

struct rp_csv_reader {
    gzFile in;
    unsigned char block[CSV_BLOCK_BYTES];
    size_t block_len;
    size_t block_pos;
    bool at_eof;
    bool read_failed;

    char *text;             /* field bytes of the current record, NUL-separated */
    size_t text_len, text_cap;
    size_t *starts;         /* offset of each field in text */
    char **fields;          /* handed out in rp_csv_record */
    size_t count, cap;

    long line;              /* current physical line, from 1 */
    char error[160];
};

rp_csv_reader *rp_csv_reader_new(gzFile in)
{
    rp_csv_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->in = in;
    r->line = 1;
    return r;
}

void rp_csv_reader_free(rp_csv_reader *reader)
{
    if (!reader)
        return;
    free(reader->text);
    free(reader->starts);
    free(reader->fields);
    free(reader);
}

const char *rp_csv_error(const rp_csv_reader *reader)
{
    return reader->error;
}

static bool refill(rp_csv_reader *r)
{
    if (r->at_eof)
        return false;
    int n = gzread(r->in, r->block, sizeof r->block);
    if (n < 0) {
        int code = 0;
        snprintf(r->error, sizeof r->error, "read error: %s", gzerror(r->in, &code));
        r->read_failed = true;
        r->at_eof = true;
        return false;
    }
    if (n == 0) {
        r->at_eof = true;
        return false;
    }
    r->block_len = (size_t)n;
    r->block_pos = 0;
    return true;
}

static int peek_byte(rp_csv_reader *r)
{
    if (r->block_pos == r->block_len && !refill(r))
        return CSV_EOF;
    return r->block[r->block_pos];
}

static int next_byte(rp_csv_reader *r)
{
    int c = peek_byte(r);
    if (c != CSV_EOF)
        r->block_pos++;
    return c;
}

/* Consumes the LF of a CRLF after c (a CR or LF was just read) and counts the
 * line, so CRLF, LF and a lone CR each end exactly one line. */
static void finish_line_end(rp_csv_reader *r, int c)
{
    if (c == '\r' && peek_byte(r) == '\n')
        r->block_pos++;
    r->line++;
}

static bool append_byte(rp_csv_reader *r, char c)
{
    if (r->text_len == r->text_cap) {
        size_t cap = r->text_cap ? r->text_cap * 2 : 256;
        char *grown = realloc(r->text, cap);
        if (!grown)
            return false;
        r->text = grown;
        r->text_cap = cap;
    }
    r->text[r->text_len++] = c;
    return true;
}

static bool begin_field(rp_csv_reader *r)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        size_t *starts = realloc(r->starts, cap * sizeof *starts);
        if (!starts)
            return false;
        r->starts = starts;
        char **fields = realloc(r->fields, cap * sizeof *fields);
        if (!fields)
            return false;
        r->fields = fields;
        r->cap = cap;
    }
    r->starts[r->count++] = r->text_len;
    return true;
}

static void skip_rest_of_line(rp_csv_reader *r)
{
    for (;;) {
        int c = next_byte(r);
        if (c == CSV_EOF)
            return;
        if (c == '\n' || c == '\r') {
            finish_line_end(r, c);
            return;
        }
    }
}

static void publish_record(rp_csv_reader *r, rp_csv_record *out, long start_line)
{
    for (size_t i = 0; i < r->count; i++)
        r->fields[i] = r->text + r->starts[i];
    out->fields = r->fields;
    out->count = r->count;
    out->line = start_line;
}

static rp_csv_result out_of_memory(rp_csv_reader *r)
{
    snprintf(r->error, sizeof r->error, "out of memory at line %ld", r->line);
    return RP_CSV_ERROR;
}

static rp_csv_result malformed(rp_csv_reader *r, long start_line, const char *why, rp_csv_record *out)
{
    snprintf(r->error, sizeof r->error, "line %ld: %s", start_line, why);
    out->fields = NULL;
    out->count = 0;
    out->line = start_line;
    return RP_CSV_MALFORMED;
}

typedef enum csv_state { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED } csv_state;

/* Ends the current field; returns false on OOM. */
static bool end_field(rp_csv_reader *r)
{
    return append_byte(r, '\0');
}

rp_csv_result rp_csv_read(rp_csv_reader *r, rp_csv_record *out)
{
    for (;;) {
        r->text_len = 0;
        r->count = 0;
        long start_line = r->line;
        bool has_content = false;   /* anything but a bare line end */
        csv_state state = FIELD_START;
        if (!begin_field(r))
            return out_of_memory(r);
        for (;;) {
            int c = next_byte(r);
            if (r->read_failed)
                return RP_CSV_ERROR;
            if (state == QUOTED) {
                if (c == CSV_EOF)
                    return malformed(r, start_line, "quoted field not closed at end of input", out);
                if (c == '"') {
                    state = QUOTE_IN_QUOTED;
                    continue;
                }
                if (c == '\r' && peek_byte(r) != '\n')
                    r->line++;                 /* a lone CR ends a line */
                else if (c == '\n')
                    r->line++;
                if (!append_byte(r, (char)c))
                    return out_of_memory(r);
                continue;
            }
            if (state == QUOTE_IN_QUOTED && c == '"') {
                if (!append_byte(r, '"'))
                    return out_of_memory(r);
                state = QUOTED;
                continue;
            }
            if (c == ',') {
                if (!end_field(r) || !begin_field(r))
                    return out_of_memory(r);
                has_content = true;
                state = FIELD_START;
                continue;
            }
            if (c == '\n' || c == '\r' || c == CSV_EOF) {
                if (c != CSV_EOF)
                    finish_line_end(r, c);
                if (!end_field(r))
                    return out_of_memory(r);
                if (has_content || state != FIELD_START) {
                    publish_record(r, out, start_line);
                    return RP_CSV_RECORD;
                }
                if (c == CSV_EOF)
                    return RP_CSV_EOF;
                break;                         /* an empty line: read the next */
            }
            if (state == QUOTE_IN_QUOTED) {
                skip_rest_of_line(r);
                return malformed(r, start_line, "text after a closing quote", out);
            }
            if (state == FIELD_START && c == '"') {
                state = QUOTED;
                has_content = true;
                continue;
            }
            if (!append_byte(r, (char)c))
                return out_of_memory(r);
            state = UNQUOTED;
            has_content = true;
        }
    }
}
