/*
 * referral_test.c - the referral broker tests' shared helpers
 * (referral_test.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "referral_test.h"

static void append(rf_batch *b, const char *s, size_t n)
{
    if (b->len + n + 2 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 2 > cap)
            cap *= 2;
        b->json = realloc(b->json, cap);
        if (!b->json)
            rp_test_fail("out of memory building a batch");
        b->cap = cap;
    }
    memcpy(b->json + b->len, s, n);
    b->len += n;
    b->json[b->len] = '\0';
}

void rf_batch_add(rf_batch *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *event = NULL;
    int n = vasprintf(&event, fmt, ap);
    va_end(ap);
    if (n < 0)
        rp_test_fail("out of memory building an event");
    append(b, b->count ? "," : "[", 1);
    append(b, event, (size_t)n);
    free(event);
    b->count++;
}

const char *rf_batch_json(rf_batch *b)
{
    if (!b->count)
        return "[]";
    append(b, "]", 1);
    b->len--;   /* the next add overwrites the closing bracket */
    return b->json;
}

void rf_batch_free(rf_batch *b)
{
    free(b->json);
    memset(b, 0, sizeof *b);
}

void rf_publish(const rp_test_daemon *daemon, PGconn *db, rf_batch *b)
{
    char *reply = rp_test_publish_json(daemon, rf_batch_json(b));
    if (!reply)
        rp_test_fail("no reply to a batch of %zu events", b->count);
    size_t accepted = 0;
    for (const char *p = reply; (p = strstr(p, "\"accepted\"")); p++)
        accepted++;
    if (accepted != b->count)
        rp_test_fail("%zu of %zu events accepted: %.2000s", accepted, b->count, reply);
    free(reply);
    rf_batch_free(b);
    rp_test_wait_idle(db, 60000);
}

void rf_expect_text(PGconn *db, const char *sql, const char *want)
{
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        rp_test_fail("%.500s\n  got  %.3000s\n  want %.3000s", sql, got ? got : "NULL", want);
    free(got);
}

char *rf_long_id(const char *prefix, char fill, size_t len, char last)
{
    size_t plen = strlen(prefix);
    char *id = malloc(len + 1);
    if (!id || plen + 1 > len)
        rp_test_fail("bad long id request");
    memcpy(id, prefix, plen);
    memset(id + plen, fill, len - plen - 1);
    id[len - 1] = last;
    id[len] = '\0';
    return id;
}
