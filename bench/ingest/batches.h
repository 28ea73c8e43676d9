/*
 * batches.h - request frames (msgpack arrays of events) assembled from the
 * loaded events, each event given the id PREFIX + its input id. A batch is
 * cut at batch_size events or earlier when the next event would make the
 * frame larger than max_frame (the broker's limits.max_frame_bytes).
 */
#ifndef BENCH_BATCHES_H
#define BENCH_BATCHES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events_load.h"

#define BENCH_MAX_ID_BYTES 128     /* the wire's limit on "id" */

typedef struct bench_batch {
    uint8_t *frame;
    size_t len;
    size_t events;
} bench_batch;

typedef struct bench_batches {
    bench_batch *items;
    size_t count, cap;
    size_t events;               /* over all batches */
    size_t bytes;
} bench_batches;

/* Appends batches holding events[first .. first+n) with the given id prefix.
 * False with err on OOM, an id over 128 bytes, or an event alone larger than
 * max_frame. */
bool bench_batches_append(bench_batches *out, const bench_events *events, size_t first, size_t n,
                          const char *id_prefix, size_t batch_size, size_t max_frame,
                          char *err, size_t errlen);

void bench_batches_free(bench_batches *batches);

#endif
