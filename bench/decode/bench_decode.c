/*
 * bench_decode.c - how fast the ingress thread can decode and validate.
 *
 *   rapport-retail | bench_decode [--batch=500] [--rounds=20]
 *
 * The events (JSON lines on stdin) are packed into frames as bench_ingest
 * sends them, then every frame goes through rp_wire_decode (the whole frame
 * measured, each event's limits walk, keys, and its type's schema) --rounds
 * times. One ingress thread does exactly this per request, so events/s here
 * bounds what one broker can accept, whatever the database does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batches.h"
#include "event_types.h"
#include "events_load.h"
#include "machine.h"
#include "rp_limits.h"
#include "wire.h"

typedef struct options {
    size_t batch;
    size_t rounds;
} options;

static bool parse_args(int argc, char **argv, options *opt)
{
    *opt = (options){.batch = 500, .rounds = 20};
    for (int i = 1; i < argc; i++) {
        unsigned long v;
        if (sscanf(argv[i], "--batch=%lu", &v) == 1 && v > 0)
            opt->batch = v;
        else if (sscanf(argv[i], "--rounds=%lu", &v) == 1 && v > 0)
            opt->rounds = v;
        else {
            fprintf(stderr, "usage: bench_decode [--batch=N] [--rounds=N] < events.jsonl\n");
            return false;
        }
    }
    return true;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decodes every frame once; counts the events that came out pending (valid,
 * ready for the committer), so a schema change that rejects them shows. */
static size_t decode_all(const bench_batches *frames, const rp_limits *limits, const rp_type_registry *types)
{
    size_t valid = 0;
    for (size_t i = 0; i < frames->count; i++) {
        rp_wire_request req;
        if (!rp_wire_decode(frames->items[i].frame, frames->items[i].len, limits, types, 64, &req))
            continue;
        for (size_t e = 0; e < req.count; e++)
            valid += req.events[e].status == RP_STATUS_PENDING;
        rp_wire_request_free(&req);
    }
    return valid;
}

int main(int argc, char **argv)
{
    options opt;
    char err[512];
    bench_events events = {0};
    bench_batches frames = {0};
    if (!parse_args(argc, argv, &opt))
        return 2;
    rp_limits limits;
    rp_limits_defaults(&limits);
    rp_type_registry *types = rp_types_new();
    if (!types || !bench_events_load(stdin, &events, err, sizeof err) ||
        !bench_batches_append(&frames, &events, 0, events.count, "bench:", opt.batch,
                              limits.max_frame_bytes, err, sizeof err)) {
        fprintf(stderr, "bench_decode: %s\n", types ? err : "out of memory");
        return 1;
    }
    size_t valid = decode_all(&frames, &limits, types);    /* warm-up */
    double start = now_seconds();
    for (size_t r = 0; r < opt.rounds; r++)
        decode_all(&frames, &limits, types);
    double seconds = now_seconds() - start;
    double decoded = (double)frames.events * (double)opt.rounds;

    bench_machine machine;
    bench_machine_describe(&machine);
    printf("Rapport decode benchmark (rp_wire_decode, one thread)\n");
    printf("  machine   %ld CPUs, %s, %.1f GiB RAM\n", machine.cpus, machine.cpu_model,
           (double)machine.ram_kib / (1024.0 * 1024.0));
    printf("  input     %zu events (%zu valid) in %zu frames of <= %zu, %.1f MB of msgpack\n",
           frames.events, valid, frames.count, opt.batch, (double)frames.bytes / 1e6);
    printf("  decode    %.0f events/s, %.0f MB/s, %.2f us per event (%zu rounds in %.3f s)\n",
           decoded / seconds, (double)frames.bytes * (double)opt.rounds / seconds / 1e6,
           seconds / decoded * 1e6, opt.rounds, seconds);
    bench_batches_free(&frames);
    bench_events_free(&events);
    rp_types_free(types);
    return valid == frames.events ? 0 : 1;
}
