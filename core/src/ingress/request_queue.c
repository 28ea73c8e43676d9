/*
 * request_queue.c - bounded ingress -> committer queue (see request_queue.h).
 * Capacity is held from push until release (after the reply is sent), so the
 * bound covers requests being committed too, not only those waiting.
 */
#include "request_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct rp_request_queue {
    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    rp_request *head, *tail;
    size_t held_events;      /* queued + being committed */
    size_t max_events;
};

rp_request_queue *rp_request_queue_new(size_t max_events)
{
    rp_request_queue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->nonempty, &attr);
    pthread_condattr_destroy(&attr);
    q->max_events = max_events;
    return q;
}

void rp_request_queue_free(rp_request_queue *q)
{
    if (!q)
        return;
    while (q->head) {
        rp_request *next = q->head->next;
        rp_request_free(q->head);
        q->head = next;
    }
    pthread_cond_destroy(&q->nonempty);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

bool rp_request_queue_push(rp_request_queue *q, rp_request *req)
{
    pthread_mutex_lock(&q->lock);
    /* A request larger than the whole queue still goes in when the queue is
     * empty, so a maximal batch is never refused forever. */
    bool fits = q->held_events == 0 || q->held_events + req->pending <= q->max_events;
    if (fits) {
        req->next = NULL;
        if (q->tail)
            q->tail->next = req;
        else
            q->head = req;
        q->tail = req;
        q->held_events += req->pending;
        pthread_cond_signal(&q->nonempty);
    }
    pthread_mutex_unlock(&q->lock);
    return fits;
}

static void deadline_after(struct timespec *deadline, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += ms / 1000;
    deadline->tv_nsec += (ms % 1000) * 1000000;
    if (deadline->tv_nsec >= 1000000000) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000;
    }
}

rp_request *rp_request_queue_take(rp_request_queue *q, size_t max_events, int64_t timeout_ms)
{
    struct timespec deadline;
    deadline_after(&deadline, timeout_ms);
    pthread_mutex_lock(&q->lock);
    while (!q->head) {
        if (pthread_cond_timedwait(&q->nonempty, &q->lock, &deadline) == ETIMEDOUT)
            break;
    }
    rp_request *first = NULL, *last = NULL;
    size_t taken = 0;
    while (q->head && (!first || taken + q->head->pending <= max_events)) {
        rp_request *req = q->head;
        q->head = req->next;
        if (!q->head)
            q->tail = NULL;
        req->next = NULL;
        if (last)
            last->next = req;
        else
            first = req;
        last = req;
        taken += req->pending;
    }
    pthread_mutex_unlock(&q->lock);
    return first;
}

void rp_request_queue_release(rp_request_queue *q, size_t events)
{
    pthread_mutex_lock(&q->lock);
    q->held_events = events > q->held_events ? 0 : q->held_events - events;
    pthread_mutex_unlock(&q->lock);
}

size_t rp_request_queue_events(rp_request_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->held_events;
    pthread_mutex_unlock(&q->lock);
    return n;
}

bool rp_request_queue_waiting(rp_request_queue *q)
{
    pthread_mutex_lock(&q->lock);
    bool waiting = q->head != NULL;
    pthread_mutex_unlock(&q->lock);
    return waiting;
}

void rp_request_free(rp_request *req)
{
    if (!req)
        return;
    for (size_t i = 0; i < req->envelope_count; i++)
        zmq_msg_close(&req->envelope[i]);
    free(req->envelope);
    rp_wire_request_free(&req->wire);
    free(req);
}
