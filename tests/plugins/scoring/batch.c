/*
 * batch.c - requests of several events for the scoring broker tests (see
 * batch.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "batch.h"

void batch_add(batch *b, const char *fmt, ...)
{
    b->len += (size_t)snprintf(b->json + b->len, BATCH_BYTES - b->len, "%s", b->events ? "," : "[");
    va_list ap;
    va_start(ap, fmt);
    b->len += (size_t)vsnprintf(b->json + b->len, BATCH_BYTES - b->len, fmt, ap);
    va_end(ap);
    b->events++;
    assert_true(b->len < BATCH_BYTES - 2);
}

void batch_send(const rp_test_daemon *d, batch *b)
{
    snprintf(b->json + b->len, BATCH_BYTES - b->len, "]");
    char *reply = rp_test_publish_json(d, b->json);
    if (!reply || strstr(reply, "rejected") || strstr(reply, "retry"))
        fail_msg("batch not accepted: %s", reply ? reply : "(timeout)");
    free(reply);
    b->len = 0;
    b->events = 0;
}

void batch_purchase(batch *b, const char *customer, int n, long long ts, double amount)
{
    batch_add(b, "{\"id\":\"p-%s-%d\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"%s\","
                 "\"data\":{\"order_id\":\"o-%s-%d\",\"amount\":%.2f,\"list_price\":%.2f,"
                 "\"currency\":\"GBP\"}}", customer, n, ts, customer, customer, n, amount, amount);
}
