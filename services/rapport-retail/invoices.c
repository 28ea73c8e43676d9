/*
 * invoices.c - grouping rows into invoices (see invoices.h).
 */
#include "invoices.h"

#include <stdlib.h>
#include <string.h>

static bool grow_items(retail_invoice *invoice)
{
    if (invoice->count < invoice->cap)
        return true;
    size_t cap = invoice->cap ? invoice->cap * 2 : 4;
    retail_item *items = realloc(invoice->items, cap * sizeof *items);
    if (!items)
        return false;
    invoice->items = items;
    invoice->cap = cap;
    return true;
}

/* Creates the invoice of row (its first row); NULL on OOM. */
static retail_invoice *open_invoice(retail_book *book, const retail_row *row)
{
    if (book->count == book->cap) {
        size_t cap = book->cap ? book->cap * 2 : 1024;
        retail_invoice *grown = realloc(book->invoices, cap * sizeof *grown);
        if (!grown)
            return NULL;
        book->invoices = grown;
        book->cap = cap;
    }
    retail_invoice *invoice = &book->invoices[book->count];
    memset(invoice, 0, sizeof *invoice);
    invoice->invoice_no = retail_arena_strdup(&book->strings, row->invoice_no);
    invoice->customer = retail_arena_strdup(&book->strings, row->customer);
    invoice->country = retail_arena_strdup(&book->strings, row->country);
    if (!invoice->invoice_no || !invoice->customer || !invoice->country)
        return NULL;
    if (!retail_strmap_put(&book->by_number, invoice->invoice_no, book->count))
        return NULL;
    invoice->ts_ms = row->ts_ms;
    invoice->cancelled = row->invoice_no[0] == 'C';
    book->count++;
    return invoice;
}

static void note_split(retail_book *book, long line)
{
    if (book->split_count < RETAIL_SPLIT_KEPT)
        book->split_lines[book->split_count] = line;
    book->split_count++;
}

retail_add_result retail_book_add(retail_book *book, const retail_row *row, long line)
{
    size_t index = 0;
    retail_invoice *invoice;
    if (retail_strmap_get(&book->by_number, row->invoice_no, &index)) {
        invoice = &book->invoices[index];
        if (strcmp(invoice->customer, row->customer) != 0 || strcmp(invoice->country, row->country) != 0)
            return RETAIL_ADD_CONFLICT;
        if (index != book->last_index)
            note_split(book, line);
    } else {
        invoice = open_invoice(book, row);
        if (!invoice)
            return RETAIL_ADD_OOM;
        index = book->count - 1;
    }
    book->last_index = index;
    if (!grow_items(invoice))
        return RETAIL_ADD_OOM;
    retail_item *item = &invoice->items[invoice->count];
    item->sku = retail_arena_strdup(&book->strings, row->sku);
    item->description = retail_arena_strdup(&book->strings, row->description);
    if (!item->sku || !item->description)
        return RETAIL_ADD_OOM;
    item->qty = row->qty;
    item->unit_price = row->unit_price;
    item->unit_price_micro = row->unit_price_micro;
    invoice->count++;
    return RETAIL_ADD_OK;
}

int64_t retail_invoice_total_cents(const retail_invoice *invoice)
{
    int64_t micro = 0;
    for (size_t i = 0; i < invoice->count; i++)
        micro += invoice->items[i].qty * invoice->items[i].unit_price_micro;
    /* millionths of a pound -> pence: divide by 10^4, half away from zero */
    int64_t cents = (micro >= 0 ? micro + 5000 : micro - 5000) / 10000;
    return cents;
}

void retail_book_free(retail_book *book)
{
    for (size_t i = 0; i < book->count; i++)
        free(book->invoices[i].items);
    free(book->invoices);
    retail_strmap_free(&book->by_number);
    retail_arena_free(&book->strings);
    memset(book, 0, sizeof *book);
}
