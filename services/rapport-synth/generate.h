/*
 * generate.h - the fallback when the real data set is absent: a purchase
 * stream shaped like the Online Retail one (same event ids, keys and data
 * fields as rapport-retail writes), deterministic for a seed.
 *
 * From 2010-12-01 for `months` months. Customer ids are 50001, 50002, ...;
 * 30 % are there from the first weeks, the others arrive evenly. Purchases
 * per customer are skewed: 45 % buy once, 30 % 2-4 times, 20 % 5-15 times,
 * 5 % are heavy buyers with 20-120 orders; 25 % of repeat buyers stop at
 * some point (churn). 88 % are in the United Kingdom. Orders have 1-12 lines
 * from a small catalogue, 8:00-18:00 UTC; 3 % are partly cancelled 1-14 days
 * later (a refund with its own "C" invoice number, as in the data set).
 */
#ifndef RP_SYNTH_GENERATE_H
#define RP_SYNTH_GENERATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct synth_generate_options {
    uint64_t seed;
    unsigned customers;     /* >= 1 */
    unsigned months;        /* >= 1 */
    const char *tenant;     /* NULL: no tenant key */
} synth_generate_options;

/* Writes the stream to `to`; false (message on stderr) on OOM or I/O error. */
bool synth_generate(const synth_generate_options *options, FILE *to);

#endif
