/*
 * rows.h - one CSV record of the Online Retail file, checked and converted:
 * numbers parsed, the customer id normalised ("17850.0" -> "17850") and the
 * invoice time turned from UK local time into UTC milliseconds.
 */
#ifndef RP_RETAIL_ROWS_H
#define RP_RETAIL_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RETAIL_COLUMNS 8
#define RETAIL_CUSTOMER_MAX 24
#define RETAIL_INVOICE_MAX 64      /* keeps "ref:" + number far below 128 bytes */
#define RETAIL_DATA_ZONE "Europe/London"

typedef struct retail_row {
    const char *invoice_no;       /* the strings point into the CSV record */
    const char *sku;
    const char *description;
    const char *country;
    int64_t qty;
    double unit_price;
    int64_t unit_price_micro;     /* exact price in millionths, for sums */
    int64_t ts_ms;
    char customer[RETAIL_CUSTOMER_MAX];   /* "" for a guest purchase */
} retail_row;

/* The last time converted: rows of one invoice share their InvoiceDate, so
 * remembering it spares most of the time-zone calls. Start zeroed. */
typedef struct retail_time_memo {
    char text[24];
    int64_t utc_ms;
} retail_time_memo;

/* True when the record is the expected header line. */
bool retail_is_header(char *const *fields, size_t count);

/* Fills out from a record; false with a reason in why when a field is
 * malformed. Strings in out stay valid as long as the record. */
bool retail_row_parse(char *const *fields, size_t count, retail_time_memo *memo,
                      retail_row *out, char *why, size_t whylen);

/* "YYYY-MM-DD HH:MM[:SS]" in UK local time -> UTC ms. */
bool retail_parse_local_time(const char *text, int64_t *utc_ms);

/* "-12.345" -> -12345000 (millionths); at most 6 decimals. */
bool retail_parse_price_micro(const char *text, int64_t *micro);

#endif
