/*
 * rapport-retail - turns the UCI Online Retail file into Rapport wire events
 * (JSON lines on stdout, one event per line, in file order), for the demo and
 * the ingest benchmark:
 *
 *   rapport-retail [--data=PATH] [--tenant=T] [--limit=N]
 *
 * PATH is the .csv or .csv.gz file (default
 * ../shared/data/online-retail/online_retail.csv.gz, relative to the current
 * directory). --limit stops after N events. A summary goes to stderr.
 *
 * Guest rows (no CustomerID) are skipped: every event type used here is
 * customer-scoped. The whole file is read before the first event is written
 * because rows of one invoice are not always contiguous (see invoices.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "csv.h"
#include "events_out.h"
#include "invoices.h"
#include "rows.h"

#define DEFAULT_DATA "../shared/data/online-retail/online_retail.csv.gz"
#define MALFORMED_KEPT 5

typedef struct options {
    const char *data;
    const char *tenant;      /* NULL: events carry no tenant */
    long long limit;         /* -1: all */
} options;

typedef struct read_stats {
    size_t rows;             /* data records, malformed ones included */
    size_t guest_rows;
    size_t malformed;
    long malformed_lines[MALFORMED_KEPT];
    char malformed_why[MALFORMED_KEPT][160];
} read_stats;

typedef struct write_stats {
    size_t customers, purchases, refunds;
} write_stats;

static void usage(FILE *out)
{
    fprintf(out, "usage: rapport-retail [--data=PATH] [--tenant=T] [--limit=N]\n"
                 "  --data=PATH   Online Retail .csv or .csv.gz (default %s)\n"
                 "  --tenant=T    put \"tenant\": T in every event\n"
                 "  --limit=N     stop after N events\n"
                 "Writes JSON-lines wire events to stdout and a summary to stderr.\n",
            DEFAULT_DATA);
}

/* Returns -1 to go on, or an exit code. */
static int parse_options(int argc, char **argv, options *opt)
{
    opt->data = DEFAULT_DATA;
    opt->tenant = NULL;
    opt->limit = -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strncmp(arg, "--data=", 7) == 0 && arg[7]) {
            opt->data = arg + 7;
        } else if (strncmp(arg, "--tenant=", 9) == 0 && arg[9]) {
            opt->tenant = arg + 9;
        } else if (strncmp(arg, "--limit=", 8) == 0) {
            char *end = NULL;
            errno = 0;
            opt->limit = strtoll(arg + 8, &end, 10);
            if (errno || end == arg + 8 || *end || opt->limit < 0) {
                fprintf(stderr, "rapport-retail: --limit needs a number >= 0\n");
                return 2;
            }
        } else {
            fprintf(stderr, "rapport-retail: unknown argument %s\n", arg);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

static void note_malformed(read_stats *stats, long line, const char *why)
{
    if (stats->malformed < MALFORMED_KEPT) {
        stats->malformed_lines[stats->malformed] = line;
        snprintf(stats->malformed_why[stats->malformed], sizeof stats->malformed_why[0], "%s", why);
    }
    stats->malformed++;
}

/* A purchase line must have qty >= 0, a cancellation line qty <= 0, and no
 * price is negative: the wire schema wants non-negative quantities, prices
 * and amounts, and a sign that contradicts the invoice kind is an error in
 * the row. */
static const char *sign_problem(const retail_row *row)
{
    if (row->unit_price_micro < 0)
        return "negative UnitPrice";
    if (row->invoice_no[0] == 'C' ? row->qty > 0 : row->qty < 0)
        return row->qty < 0 ? "negative Quantity in a purchase" : "positive Quantity in a cancellation";
    return NULL;
}

/* Returns false on OOM (the only fatal problem of a row). */
static bool take_record(const rp_csv_record *rec, retail_book *book, retail_time_memo *memo, read_stats *stats)
{
    retail_row row;
    char why[160];
    if (!retail_row_parse(rec->fields, rec->count, memo, &row, why, sizeof why)) {
        note_malformed(stats, rec->line, why);
        return true;
    }
    if (!row.customer[0]) {
        stats->guest_rows++;
        return true;
    }
    const char *problem = sign_problem(&row);
    if (problem) {
        note_malformed(stats, rec->line, problem);
        return true;
    }
    retail_add_result added = retail_book_add(book, &row, rec->line);
    if (added == RETAIL_ADD_CONFLICT)
        note_malformed(stats, rec->line, "CustomerID or Country differs from the invoice's first row");
    return added != RETAIL_ADD_OOM;
}

static bool read_file(gzFile in, const char *path, retail_book *book, read_stats *stats)
{
    rp_csv_reader *reader = rp_csv_reader_new(in);
    if (!reader) {
        fprintf(stderr, "rapport-retail: out of memory\n");
        return false;
    }
    bool ok = true;
    bool header_seen = false;
    retail_time_memo memo = {0};
    rp_csv_record rec;
    for (;;) {
        rp_csv_result got = rp_csv_read(reader, &rec);
        if (got == RP_CSV_EOF)
            break;
        if (got == RP_CSV_ERROR) {
            fprintf(stderr, "rapport-retail: %s: %s\n", path, rp_csv_error(reader));
            ok = false;
            break;
        }
        if (!header_seen && got == RP_CSV_RECORD) {
            header_seen = true;
            if (!retail_is_header(rec.fields, rec.count)) {
                fprintf(stderr, "rapport-retail: %s: the first line is not the header "
                                "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n", path);
                ok = false;
                break;
            }
            continue;
        }
        stats->rows++;
        if (got == RP_CSV_MALFORMED) {
            note_malformed(stats, rec.line, rp_csv_error(reader));
        } else if (!take_record(&rec, book, &memo, stats)) {
            fprintf(stderr, "rapport-retail: out of memory\n");
            ok = false;
            break;
        }
    }
    rp_csv_reader_free(reader);
    return ok;
}

/* Writes one event (consuming the reference); false on OOM or write error. */
static bool emit(json_t *event)
{
    if (!event)
        return false;
    bool ok = retail_write_json_line(stdout, event);
    json_decref(event);
    return ok;
}

static bool write_events(const retail_book *book, const options *opt, write_stats *out)
{
    retail_strmap seen = {0};
    long long budget = opt->limit;
    bool ok = true;
    for (size_t i = 0; i < book->count && ok && budget != 0; i++) {
        const retail_invoice *invoice = &book->invoices[i];
        size_t unused;
        if (!retail_strmap_get(&seen, invoice->customer, &unused)) {
            ok = retail_strmap_put(&seen, invoice->customer, i) &&
                 emit(retail_customer_event(opt->tenant, invoice));
            out->customers++;
            if (budget > 0 && --budget == 0)
                break;
        }
        if (ok)
            ok = emit(retail_invoice_event(opt->tenant, invoice));
        if (invoice->cancelled)
            out->refunds++;
        else
            out->purchases++;
        if (budget > 0)
            budget--;
    }
    retail_strmap_free(&seen);
    if (fflush(stdout) != 0 || ferror(stdout))
        ok = false;
    if (!ok)
        fprintf(stderr, "rapport-retail: cannot write the events (out of memory or output closed)\n");
    return ok;
}

static void print_summary(const read_stats *rs, const retail_book *book, const write_stats *ws)
{
    size_t invoices = 0, cancellations = 0;
    retail_strmap customers = {0};
    for (size_t i = 0; i < book->count; i++) {
        if (book->invoices[i].cancelled)
            cancellations++;
        else
            invoices++;
        if (!retail_strmap_put(&customers, book->invoices[i].customer, i))
            break;
    }
    fprintf(stderr,
            "rapport-retail: rows %zu, invoices %zu, cancellations %zu, customers %zu, "
            "guest rows skipped %zu, malformed rows skipped %zu\n",
            rs->rows, invoices, cancellations, customers.count, rs->guest_rows, rs->malformed);
    retail_strmap_free(&customers);
    for (size_t i = 0; i < rs->malformed && i < MALFORMED_KEPT; i++)
        fprintf(stderr, "rapport-retail:   malformed line %ld: %s\n", rs->malformed_lines[i], rs->malformed_why[i]);
    if (book->split_count) {
        fprintf(stderr, "rapport-retail: invoices resumed after other rows, merged: %zu (at line",
                book->split_count);
        for (size_t i = 0; i < book->split_count && i < RETAIL_SPLIT_KEPT; i++)
            fprintf(stderr, " %ld", book->split_lines[i]);
        fprintf(stderr, ")\n");
    }
    fprintf(stderr, "rapport-retail: events written %zu (customer.upsert %zu, purchase %zu, refund %zu)\n",
            ws->customers + ws->purchases + ws->refunds, ws->customers, ws->purchases, ws->refunds);
}

int main(int argc, char **argv)
{
    options opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc >= 0)
        return rc;
    gzFile in = gzopen(opt.data, "rb");
    if (!in) {
        fprintf(stderr, "rapport-retail: cannot open %s: %s\n", opt.data, errno ? strerror(errno) : "out of memory");
        return 1;
    }
    gzbuffer(in, 1 << 17);
    static char out_buffer[1 << 16];
    setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);

    retail_book book = {0};
    read_stats rs = {0};
    write_stats ws = {0};
    bool ok = read_file(in, opt.data, &book, &rs);
    gzclose(in);
    if (ok)
        ok = write_events(&book, &opt, &ws);
    if (ok)
        print_summary(&rs, &book, &ws);
    retail_book_free(&book);
    return ok ? 0 : 1;
}
