/*
 * order_script.c - the arrival-order test's history and its orders (see
 * order_script.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order_script.h"

static os_event *add(os_script *s, const char *customer, int day, int late, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* An event of customer at T0 + day (+ the hour of its index, so that no two
 * events of the script share an instant); fmt holds everything after "ts". */
static os_event *add(os_script *s, const char *customer, int day, int late, const char *fmt, ...)
{
    os_event *e = &s->ev[s->n];
    e->ts = OS_T0 + day * OS_DAY + (long long)(s->n % 23) * 60000;
    e->late = late;
    snprintf(e->group, sizeof e->group, "%s", customer);
    char body[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    snprintf(e->json, sizeof e->json, "{\"id\":\"s%04zu\",\"ts\":%lld,\"customer\":\"%s\",%s}", s->n,
             e->ts, customer, body);
    s->n++;
    return e;
}

static void purchase(os_script *s, const char *customer, int day, double amount, int late)
{
    add(s, customer, day, late, "\"type\":\"purchase\",\"data\":{\"order_id\":\"o%04zu\",\"amount\":%.2f,"
        "\"list_price\":%.2f,\"currency\":\"GBP\"}", s->n, amount, amount * 1.25);
}

static void regulars(os_script *s)
{
    for (int i = 0; i < 24; i++) {
        char customer[8];
        snprintf(customer, sizeof customer, "r%02d", i);
        int every = 7 * (i % 3 + 1);
        for (int day = i % 5; day <= 125; day += every)
            purchase(s, customer, day, 20.0 * (i % 7 + 1), 0);
    }
}

/* Customers whose facts a late event changes. */
static void latecomers(os_script *s)
{
    /* late1: its first two purchases arrive weeks late, the first last. */
    purchase(s, "late1", 2, 100, 2);
    purchase(s, "late1", 9, 100, 1);
    purchase(s, "late1", 30, 100, 0);
    purchase(s, "late1", 44, 100, 0);
    purchase(s, "late1", 60, 100, 0);
    /* late2: a refund handled before the purchase it refunds. */
    purchase(s, "late2", 10, 80, 1);
    add(s, "late2", 12, 0, "\"type\":\"refund\",\"data\":{\"order_id\":\"r-late2\",\"amount\":50,"
        "\"currency\":\"GBP\"}");
    purchase(s, "late2", 40, 60, 0);
    /* deal1: won before its opening arrives. */
    add(s, "deal1", 5, 1, "\"type\":\"deal.opened\",\"data\":{\"deal_id\":\"d1\"}");
    add(s, "deal1", 12, 0, "\"type\":\"deal.won\",\"data\":{\"deal_id\":\"d1\"}");
    purchase(s, "deal1", 12, 300, 0);
}

/* new1 is referred by ref1 (day 20) and by ref2 (day 25): the earliest link
 * wins, and converts at new1's first purchase (day 21). In the late order
 * ref1's referral arrives last: new1 is linked to ref2 first (a link that
 * does not convert: new1 bought more than a day before it), then to ref1.
 * new2 was a customer (day 5) long before ref3's link (day 30): made, not
 * converted; in the late order its first purchase arrives after the link
 * and a later purchase (day 31), which converted it until then. */
static void referrals(os_script *s)
{
    purchase(s, "ref1", 1, 30, 0);
    purchase(s, "ref2", 1, 30, 0);
    purchase(s, "ref3", 1, 30, 0);
    add(s, "ref1", 20, 3, "\"type\":\"referral\",\"data\":{\"referee\":\"new1\",\"channel\":\"word_of_mouth\"}");
    purchase(s, "new1", 21, 40, 0);
    add(s, "ref2", 25, 0, "\"type\":\"referral\",\"data\":{\"referee\":\"new1\",\"channel\":\"word_of_mouth\"}");
    purchase(s, "new1", 50, 40, 0);
    purchase(s, "new2", 5, 40, 1);
    add(s, "new2", 30, 0, "\"type\":\"customer.upsert\",\"data\":{\"referred_by\":\"ref3\"}");
    purchase(s, "new2", 31, 40, 0);
}

/* Evidence of other kinds, in each customer's order in every arrival order. */
static void others(os_script *s)
{
    add(s, "care1", 10, 0, "\"type\":\"contact\",\"data\":{\"channel\":\"phone\",\"direction\":\"outbound\"}");
    purchase(s, "care1", 15, 70, 0);
    purchase(s, "sugg1", 3, 50, 0);
    add(s, "sugg1", 20, 0, "\"type\":\"suggestion\",\"data\":{\"text\":\"longer opening hours\"}");
    add(s, "sugg1", 22, 0, "\"type\":\"complaint.opened\",\"data\":{\"complaint_id\":\"k1\"}");
    add(s, "sugg1", 30, 0, "\"type\":\"complaint.resolved\",\"data\":{\"complaint_id\":\"k1\","
        "\"cooperative\":true}");
    add(s, "sugg1", 40, 0, "\"type\":\"survey.response\",\"data\":{\"survey_id\":\"q1\",\"nps\":9}");
}

void os_build(os_script *s)
{
    s->n = 0;
    regulars(s);
    latecomers(s);
    referrals(s);
    others(s);
}

/* ------------------------------------------------------------------ orders */

static long long *sort_keys;   /* qsort has no context argument */

static int by_key(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (sort_keys[x] != sort_keys[y])
        return sort_keys[x] < sort_keys[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* The events in the order of their keys (ties: script order). */
static void sort_by(os_script *s, long long *keys)
{
    size_t *idx = malloc(s->n * sizeof *idx);
    os_event *copy = malloc(s->n * sizeof *copy);
    for (size_t i = 0; i < s->n; i++)
        idx[i] = i;
    sort_keys = keys;
    qsort(idx, s->n, sizeof *idx, by_key);
    memcpy(copy, s->ev, s->n * sizeof *copy);
    for (size_t i = 0; i < s->n; i++)
        s->ev[i] = copy[idx[i]];
    free(idx);
    free(copy);
}

/* Puts each group's events back in their time order in the slots the group
 * got, so that only the interleaving of customers changed. */
static void restore_groups(os_script *s)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++)
            if (strcmp(s->ev[i].group, s->ev[j].group) == 0 && s->ev[j].ts < s->ev[i].ts) {
                os_event t = s->ev[i];
                s->ev[i] = s->ev[j];
                s->ev[j] = t;
            }
}

void os_reorder(os_script *s, os_order order)
{
    long long *keys = malloc(s->n * sizeof *keys);
    unsigned seed = 20110103;
    for (size_t i = 0; i < s->n; i++) {
        keys[i] = s->ev[i].ts;
        if (order == OS_BOUNDED) {
            seed = seed * 1103515245u + 12345u;
            keys[i] += (long long)((seed >> 8) % (unsigned)(OS_BOUND / 60000)) * 60000;
        } else if (order == OS_LATE && s->ev[i].late > 0) {
            keys[i] = OS_CLOSE + s->ev[i].late;   /* after every other event */
        }
    }
    sort_by(s, keys);
    if (order == OS_BOUNDED)
        restore_groups(s);
    free(keys);
}
