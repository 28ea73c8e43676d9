/*
 * csv.h - an RFC 4180 record reader over a zlib gzFile (which also reads
 * uncompressed files transparently, so one reader serves .csv and .csv.gz).
 *
 * Accepted: fields separated by ',', records ended by CRLF, LF or a lone CR,
 * a last record without a line end, quoted fields holding commas, line ends
 * and doubled quotes (""). Entirely empty lines are skipped (they carry no
 * record). A quote inside an unquoted field is kept as a character; text
 * after a closing quote, or a quote left open at the end of the input, makes
 * the record malformed: the reader reports it and goes on with the next line.
 */
#ifndef RP_RETAIL_CSV_H
#define RP_RETAIL_CSV_H

#include <stddef.h>

#include <zlib.h>

typedef enum rp_csv_result {
    RP_CSV_RECORD = 1,      /* *out holds a record */
    RP_CSV_EOF = 0,         /* no more records */
    RP_CSV_ERROR = -1,      /* read error or out of memory: stop */
    RP_CSV_MALFORMED = -2   /* this record was skipped; rp_csv_error() says why */
} rp_csv_result;

/* One record. fields[i] are NUL-terminated and owned by the reader: valid
 * until the next rp_csv_read() call. line is the physical line (from 1) where
 * the record starts. */
typedef struct rp_csv_record {
    char **fields;
    size_t count;
    long line;
} rp_csv_record;

typedef struct rp_csv_reader rp_csv_reader;

/* The reader does not own `in` (the caller gzclose()s it). NULL on OOM. */
rp_csv_reader *rp_csv_reader_new(gzFile in);
void rp_csv_reader_free(rp_csv_reader *reader);

rp_csv_result rp_csv_read(rp_csv_reader *reader, rp_csv_record *out);

/* The reason for the last RP_CSV_MALFORMED or RP_CSV_ERROR. */
const char *rp_csv_error(const rp_csv_reader *reader);

#endif
