/*
 * health.h - the verdicts behind /health/live and /health/ready (http.h).
 *
 * Live: the process serves. The HTTP thread answering is half of it; the
 * other half is that the ingress, committer and publisher threads are still
 * running (each marks its exit). A process that is not live should be
 * restarted. During a SIGTERM drain it stays live.
 *
 * Ready: it can do its work now. Not ready while shutting down, while the
 * committer's connection is down (db_up), while the database does not answer
 * this probe's own connection, while the watchdog finds a plugin worker stuck
 * (watchdog.h), and, when ready_max_lag_ms > 0, while the oldest event a
 * plugin has not processed was accepted longer ago than that
 * (ready_probe.h). The reason lists every cause, separated by "; ".
 */
#ifndef RP_HEALTH_H
#define RP_HEALTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"

typedef struct rp_broker rp_broker;

/* The core threads whose exit makes the process not live. */
typedef enum rp_core_thread {
    RP_THREAD_INGRESS = 1u << 0,
    RP_THREAD_COMMITTER = 1u << 1,
    RP_THREAD_PUBLISHER = 1u << 2
} rp_core_thread;

/* pthread_create of fn(arg) that records in b->core_threads_exited when fn
 * returns. 0 or an errno value, as pthread_create. */
int rp_health_thread_create(rp_broker *b, pthread_t *thread, rp_core_thread which, void *(*fn)(void *),
                            void *arg);

/* An rp_health_fn: user is the rp_broker. */
bool rp_health_check(void *broker, rp_probe probe, char *reason, size_t reason_len);

#endif
