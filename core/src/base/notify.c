/* notify.c - thread wake-up signal (see notify.h). */
#include "notify.h"

#include <errno.h>
#include <time.h>

void rp_notify_init(rp_notify *n)
{
    pthread_mutex_init(&n->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&n->cond, &attr);
    pthread_condattr_destroy(&attr);
    n->generation = 0;
}

void rp_notify_destroy(rp_notify *n)
{
    pthread_cond_destroy(&n->cond);
    pthread_mutex_destroy(&n->lock);
}

void rp_notify_bump(rp_notify *n)
{
    pthread_mutex_lock(&n->lock);
    n->generation++;
    pthread_cond_broadcast(&n->cond);
    pthread_mutex_unlock(&n->lock);
}

void rp_notify_wait(rp_notify *n, uint64_t *seen, int64_t timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&n->lock);
    while (n->generation == *seen) {
        if (pthread_cond_timedwait(&n->cond, &n->lock, &deadline) == ETIMEDOUT)
            break;
    }
    *seen = n->generation;
    pthread_mutex_unlock(&n->lock);
}
