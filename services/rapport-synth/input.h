/*
 * input.h - the real event stream as rapport-synth keeps it.
 *
 * The bytes of every line are spooled to an anonymous temporary file and
 * copied back unchanged when the merged stream is written, so memory holds
 * only a few words per line plus one record per customer and per purchase
 * (the whole Online Retail year, ~25k events, needs a few MB). Each line is
 * parsed once (jansson) for what the synthetic layer builds on: type, ts,
 * tenant, customer, data.country and data.order_id.
 */
#ifndef RP_SYNTH_INPUT_H
#define RP_SYNTH_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strmap.h"

typedef struct synth_line {
    int64_t ts_ms;      /* for lines without a usable ts: the previous line's */
    size_t length;      /* bytes, the newline included; lines lie back to back in the spool */
} synth_line;

typedef struct synth_customer {
    char *key;                  /* the wire "customer" */
    char *country;              /* NULL when no event named one */
    int64_t first_ts;           /* first real event about the customer */
    int64_t first_purchase_ts;  /* INT64_MAX: never bought */
    size_t purchases;
    double spend;
} synth_customer;

typedef struct synth_order {
    char *event_id;             /* the real event's id */
    char *order_id;
    size_t customer;            /* index into customers */
    int64_t ts_ms;
    bool refund;
} synth_order;

typedef struct synth_input {
    FILE *spool;
    synth_line *lines;
    size_t line_count, line_cap;
    synth_customer *customers;
    size_t customer_count, customer_cap;
    retail_strmap customer_index;
    synth_order *orders;
    size_t order_count, order_cap;
    char *tenant;               /* the stream's tenant; NULL: none given */
    bool tenant_decided;
    size_t other_tenant_lines;  /* lines of another tenant: passed through only */
    size_t unparsed_lines;      /* not a JSON event: passed through only */
    int64_t first_ts, last_ts;  /* over the lines with a ts; INT64_MAX, INT64_MIN if none */
} synth_input;

/* Reads every line of `in`. tenant (may be NULL) is --tenant; without it the
 * first tenant seen is the stream's. False (message on stderr) on I/O error
 * or OOM. */
bool synth_input_read(synth_input *input, FILE *in, const char *tenant);

void synth_input_free(synth_input *input);

#endif
