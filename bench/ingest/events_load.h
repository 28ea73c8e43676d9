/*
 * events_load.h - the benchmark's input: wire events as JSON lines (what
 * rapport-retail writes), converted once, before any timing, into msgpack
 * pieces from which every frame of the run is assembled.
 *
 * The id is kept apart from the rest of the event so that each run (and
 * each pass of the latency phase) can give the same events fresh ids without
 * converting them again.
 */
#ifndef BENCH_EVENTS_LOAD_H
#define BENCH_EVENTS_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bench_event {
    char *id;                 /* as in the input, without the run's prefix */
    uint8_t *body;            /* the event's map entries except "id", msgpack, no map header */
    size_t body_len;
    uint32_t body_pairs;      /* entries in body */

    /* the columns of the COPY reference */
    char *type;
    char *tenant;             /* "default" when absent */
    char *customer;           /* NULL when absent */
    char *org;                /* NULL when absent */
    int64_t ts_ms;
    uint8_t *data;            /* msgpack of "data" ({} when absent) */
    size_t data_len;
} bench_event;

typedef struct bench_events {
    bench_event *items;
    size_t count, cap;
    size_t json_bytes;        /* input size */
    size_t msgpack_bytes;     /* sum of the packed events (id included) */
} bench_events;

/* Reads every line of in (blank lines skipped). On a bad line, false with
 * the line number and the reason in err. */
bool bench_events_load(FILE *in, bench_events *out, char *err, size_t errlen);

void bench_events_free(bench_events *events);

#endif
