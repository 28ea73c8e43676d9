/*
 * referral_test.h - what the referral plugin's broker tests share: a JSON
 * batch of events built in memory, publishing it to a real rapportd (every
 * event accepted) and waiting until the plugin has caught up, and exact
 * comparisons of one SQL value.
 */
#ifndef REFERRAL_TEST_H
#define REFERRAL_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include "rp_test.h"

/* A JSON array of events; a zeroed rf_batch is empty. */
typedef struct rf_batch {
    char *json;
    size_t len, cap;
    size_t count;
} rf_batch;

/* Appends one event object given as printf-formatted JSON. */
void rf_batch_add(rf_batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The array text ("[...]"); valid until the next add or free. */
const char *rf_batch_json(rf_batch *b);
void rf_batch_free(rf_batch *b);

/* Publishes the batch; every event must come back accepted. Then waits
 * until every plugin has handled every accepted event. */
void rf_publish(const rp_test_daemon *daemon, PGconn *db, rf_batch *b);

/* The first value of sql must be exactly want. */
void rf_expect_text(PGconn *db, const char *sql, const char *want);

/* A string of `len` bytes: prefix, then `fill` repeated, ending with `last`
 * (malloc'd). Ids of the longest valid length that share all but their
 * last byte. */
char *rf_long_id(const char *prefix, char fill, size_t len, char last);

#endif
