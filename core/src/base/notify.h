/*
 * notify.h - a wake-up signal between threads: a counter under a mutex and a
 * condition variable. The committer bumps it after each commit so plugin
 * workers start at once instead of polling; workers bump the publisher's.
 */
#ifndef RP_NOTIFY_H
#define RP_NOTIFY_H

#include <pthread.h>
#include <stdint.h>

typedef struct rp_notify {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t generation;
} rp_notify;

void rp_notify_init(rp_notify *n);
void rp_notify_destroy(rp_notify *n);
void rp_notify_bump(rp_notify *n);
/* Waits until the generation differs from *seen or timeout_ms passes; updates
 * *seen to the current generation. */
void rp_notify_wait(rp_notify *n, uint64_t *seen, int64_t timeout_ms);

#endif
