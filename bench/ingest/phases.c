/*
 * phases.c - throughput and latency runs (see phases.h). Replies on one
 * DEALER come back in request order, so the n-th reply answers the n-th
 * batch sent.
 */
#include "phases.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Receives one reply for a batch of `expected` events; false on error or
 * timeout (err says which). */
static bool take_reply(void *sock, int timeout_ms, size_t expected, bench_status_counts *counts,
                       size_t *short_replies, char *err, size_t errlen)
{
    size_t before = bench_status_total(counts);
    int got = bench_recv_reply(sock, timeout_ms, counts, err, errlen);
    if (got == 0)
        snprintf(err, errlen, "no reply from the broker within %d ms", timeout_ms);
    if (got <= 0)
        return false;
    if (bench_status_total(counts) - before < expected)
        (*short_replies)++;
    return true;
}

bool bench_run_throughput(void *sock, const bench_batches *batches, size_t window, int timeout_ms,
                          bench_throughput *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t sent = 0, answered = 0;
    double start = bench_now();
    while (answered < batches->count) {
        while (sent < batches->count && sent - answered < window) {
            const bench_batch *b = &batches->items[sent];
            if (!bench_send_frame(sock, b->frame, b->len)) {
                snprintf(err, errlen, "send failed");
                return false;
            }
            sent++;
        }
        if (!take_reply(sock, timeout_ms, batches->items[answered].events, &out->counts,
                        &out->short_replies, err, errlen))
            return false;
        out->events += batches->items[answered].events;
        answered++;
    }
    out->seconds = bench_now() - start;
    out->batches = answered;
    return true;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)ceil(p * (double)n);
    return sorted[rank ? rank - 1 : 0];
}

static void summarise(double *latencies_ms, size_t n, bench_latency *out)
{
    qsort(latencies_ms, n, sizeof *latencies_ms, compare_doubles);
    out->p50_ms = percentile(latencies_ms, n, 0.50);
    out->p99_ms = percentile(latencies_ms, n, 0.99);
    out->max_ms = n ? latencies_ms[n - 1] : 0;
}

/* Milliseconds to wait in zmq_poll before `due` (0 if due already). */
static int wait_ms(double due, double now)
{
    double ms = (due - now) * 1000.0;
    return ms <= 0 ? 0 : (int)ms;     /* rounded down: never sleep past a due time */
}

bool bench_run_latency(void *sock, const bench_batches *batches, double rate, int timeout_ms,
                       bench_latency *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->offered_rate = rate;
    double *due = malloc((batches->count ? batches->count : 1) * sizeof *due);
    double *latency_ms = malloc((batches->count ? batches->count : 1) * sizeof *latency_ms);
    if (!due || !latency_ms) {
        free(due);
        free(latency_ms);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    double start = bench_now(), next_due = start, last_reply = start;
    size_t sent = 0, answered = 0;
    bool ok = true;
    while (ok && answered < batches->count) {
        double now = bench_now();
        if (sent < batches->count && now >= next_due) {
            const bench_batch *b = &batches->items[sent];
            due[sent] = next_due;
            next_due += (double)b->events / rate;
            ok = bench_send_frame(sock, b->frame, b->len);
            if (!ok)
                snprintf(err, errlen, "send failed");
            sent++;
            continue;
        }
        bool waiting_for_reply = answered < sent;
        if (!waiting_for_reply) {
            /* nothing in flight: sleep until the next batch is due */
            double wait = next_due - now;
            struct timespec pause = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&pause, NULL);
            continue;
        }
        int budget = sent < batches->count ? wait_ms(next_due, now) : timeout_ms;
        size_t before = bench_status_total(&out->counts);
        int got = bench_recv_reply(sock, budget, &out->counts, err, errlen);
        if (got < 0) {
            ok = false;
        } else if (got > 0) {
            last_reply = bench_now();
            if (bench_status_total(&out->counts) - before < batches->items[answered].events)
                out->short_replies++;
            latency_ms[answered] = (last_reply - due[answered]) * 1000.0;
            out->events += batches->items[answered].events;
            answered++;
        } else if (bench_now() - last_reply > timeout_ms / 1000.0 && bench_now() - due[answered] > timeout_ms / 1000.0) {
            snprintf(err, errlen, "no reply from the broker within %d ms", timeout_ms);
            ok = false;
        }
    }
    if (ok) {
        out->batches = answered;
        /* the schedule itself lasts events/rate: a broker that keeps up
         * shows the offered rate, one that lags less */
        double scheduled = (double)out->events / rate;
        out->seconds = last_reply - start > scheduled ? last_reply - start : scheduled;
        summarise(latency_ms, answered, out);
    }
    free(due);
    free(latency_ms);
    return ok;
}
