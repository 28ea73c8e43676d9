/*
 * batch.h - building one ingress request of several events as JSON and
 * publishing it to a test rapportd (test helper of the scoring broker
 * tests, not part of the plugin).
 */
#ifndef SCORING_TEST_BATCH_H
#define SCORING_TEST_BATCH_H

#include <stddef.h>

#include "rp_test.h"

#define BATCH_BYTES 262144

typedef struct batch {
    char json[BATCH_BYTES];
    size_t len;
    int events;
} batch;

/* Appends one event (a JSON object) to the request. */
void batch_add(batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Publishes the request and empties b; fails the test unless every event
 * came back accepted (or duplicate). */
void batch_send(const rp_test_daemon *d, batch *b);

/* A purchase "p-CUSTOMER-N" of amount at ts. */
void batch_purchase(batch *b, const char *customer, int n, long long ts, double amount);

#endif
