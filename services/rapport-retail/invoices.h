/*
 * invoices.h - the rows of the file grouped into invoices, in order of each
 * invoice's first row (the file is in date order, so this is date order).
 *
 * Rows of one invoice are nearly always contiguous, but not always (in the
 * UCI file, invoice 542806 is interrupted by cancellation C542805), so rows
 * are grouped by invoice number over the whole file rather than by runs of
 * consecutive rows: one invoice must become one event, since a second event
 * with the same id would only be refused as a duplicate.
 */
#ifndef RP_RETAIL_INVOICES_H
#define RP_RETAIL_INVOICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "rows.h"
#include "strmap.h"

typedef struct retail_item {
    const char *sku;
    const char *description;
    int64_t qty;                 /* as in the file: negative in cancellations */
    double unit_price;
    int64_t unit_price_micro;
} retail_item;

typedef struct retail_invoice {
    const char *invoice_no;
    const char *customer;        /* "17850" */
    const char *country;
    int64_t ts_ms;               /* time of its first row */
    bool cancelled;              /* number starts with 'C' */
    retail_item *items;
    size_t count, cap;
} retail_invoice;

/* Invoices whose rows were not contiguous; the first few are remembered. */
#define RETAIL_SPLIT_KEPT 8

typedef struct retail_book {
    retail_arena strings;
    retail_strmap by_number;     /* invoice number -> index in invoices */
    retail_invoice *invoices;
    size_t count, cap;
    size_t last_index;           /* invoice of the previous row */
    size_t split_count;
    long split_lines[RETAIL_SPLIT_KEPT];   /* line where the invoice came back */
} retail_book;

typedef enum retail_add_result {
    RETAIL_ADD_OK = 0,
    RETAIL_ADD_OOM,
    RETAIL_ADD_CONFLICT          /* customer or country differs from the invoice's */
} retail_add_result;

/* Adds one row (with a customer) at the given file line. */
retail_add_result retail_book_add(retail_book *book, const retail_row *row, long line);

/* Sum of qty * unit price over the items, in pence, rounded half away from
 * zero (exact: prices are kept in millionths). */
int64_t retail_invoice_total_cents(const retail_invoice *invoice);

void retail_book_free(retail_book *book);

#endif
