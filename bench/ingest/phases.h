/*
 * phases.h - the two measurements against the broker's ingress.
 *
 * throughput: a window of in-flight batches kept full; events per second
 *             from the first send to the last reply.
 * latency:    batches sent on a fixed schedule (the offered rate) whatever
 *             the replies do; each batch's latency is measured from the time
 *             it was *due*, so a broker that falls behind shows it in the
 *             figures instead of silently slowing the sender down.
 */
#ifndef BENCH_PHASES_H
#define BENCH_PHASES_H

#include <stdbool.h>
#include <stddef.h>

#include "batches.h"
#include "wire_client.h"

typedef struct bench_throughput {
    size_t events, batches;
    double seconds;
    bench_status_counts counts;
    size_t short_replies;        /* replies with fewer statuses than the batch had events */
} bench_throughput;

typedef struct bench_latency {
    size_t events, batches;
    double offered_rate;         /* events/s */
    double seconds;              /* first due time to last reply, at least events/rate */
    double p50_ms, p99_ms, max_ms;
    bench_status_counts counts;
    size_t short_replies;
} bench_latency;

bool bench_run_throughput(void *sock, const bench_batches *batches, size_t window, int timeout_ms,
                          bench_throughput *out, char *err, size_t errlen);

bool bench_run_latency(void *sock, const bench_batches *batches, double rate, int timeout_ms,
                       bench_latency *out, char *err, size_t errlen);

double bench_now(void);          /* monotonic seconds */

#endif
