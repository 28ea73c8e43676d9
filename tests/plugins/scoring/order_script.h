/*
 * order_script.h - the scripted history of the arrival-order test
 * (test_scoring_order.c) and the orders it is published in. A pure function
 * of nothing: every run builds the same events, then reorders them.
 */
#ifndef SCORING_TEST_ORDER_SCRIPT_H
#define SCORING_TEST_ORDER_SCRIPT_H

#include <stddef.h>

#define OS_T0 1294048800000LL          /* 2011-01-03 10:00 UTC */
#define OS_DAY 86400000LL
#define OS_BOUND OS_DAY                /* lateness of the bounded order, and event_lateness_ms */
#define OS_CLOSE (OS_T0 + 140 * OS_DAY) /* the closing scoring.refit: after the history */

typedef struct os_event {
    long long ts;
    char group[32];      /* the customer: its events keep their order but in the late order */
    int late;            /* > 0: moved to the end of the late order (higher: later) */
    char json[400];
} os_event;

typedef struct os_script {
    os_event ev[1200];
    size_t n;
} os_script;

typedef enum os_order {
    OS_ORDERED,   /* by event time */
    OS_BOUNDED,   /* every event up to OS_BOUND late, across batches; each customer's order kept */
    OS_LATE,      /* by event time, but the events marked late arrive after all others */
} os_order;

/* The history: 24 regulars (the tenant's model), and customers whose facts
 * a late event changes: late1 (its first purchases arrive weeks late),
 * late2 (a refund before its purchase), deal1 (a deal won before it was
 * opened), new1 (referred by ref1 and ref2, ref1's link arriving last),
 * new2 (a customer before ref3's link, that purchase arriving after it),
 * care1 (a care touch and the purchase after it) and sugg1. */
void os_build(os_script *s);

/* Reorders s in place. */
void os_reorder(os_script *s, os_order order);

#endif
