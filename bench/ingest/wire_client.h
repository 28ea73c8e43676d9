/*
 * wire_client.h - the benchmark's side of the ingress socket: a DEALER that
 * sends request frames with an empty delimiter (as a REQ would) and reads
 * the replies, which come back in request order (proto/README.md), counting
 * the status of every event.
 */
#ifndef BENCH_WIRE_CLIENT_H
#define BENCH_WIRE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bench_status_counts {
    size_t accepted, duplicate, rejected, retry, other;
    char first_problem[256];     /* the first rejected/retry error, for the report */
} bench_status_counts;

/* A connected DEALER (no linger, unlimited queues, frames up to max_frame).
 * NULL with err on failure. */
void *bench_dealer_open(void *zmq_ctx, const char *endpoint, char *err, size_t errlen);
void bench_dealer_close(void *sock);

bool bench_send_frame(void *sock, const uint8_t *frame, size_t len);

/* Waits up to timeout_ms for one reply and adds its statuses to counts.
 * Returns 1 on a reply, 0 on timeout, -1 on a socket error or a reply that
 * is not an array of status maps (err says which). */
int bench_recv_reply(void *sock, int timeout_ms, bench_status_counts *counts, char *err, size_t errlen);

size_t bench_status_total(const bench_status_counts *counts);

#endif
