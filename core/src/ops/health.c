/*
 * health.c - liveness and readiness verdicts (health.h).
 */
#include "health.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "broker.h"
#include "ready_probe.h"
#include "watchdog.h"

typedef struct marked_thread {
    rp_broker *broker;
    rp_core_thread which;
    void *(*fn)(void *);
    void *arg;
} marked_thread;

static void *run_marked(void *arg)
{
    marked_thread t = *(marked_thread *)arg;
    free(arg);
    void *result = t.fn(t.arg);
    atomic_fetch_or(&t.broker->core_threads_exited, (unsigned)t.which);
    return result;
}

int rp_health_thread_create(rp_broker *b, pthread_t *thread, rp_core_thread which, void *(*fn)(void *),
                            void *arg)
{
    marked_thread *t = malloc(sizeof *t);
    if (!t)
        return pthread_create(thread, NULL, fn, arg);   /* unmarked, but running */
    *t = (marked_thread){b, which, fn, arg};
    int rc = pthread_create(thread, NULL, run_marked, t);
    if (rc != 0)
        free(t);
    return rc;
}

/* Reasons joined with "; " into a fixed buffer (cut when it is full). */
typedef struct reasons {
    char *text;
    size_t len, cap;
    bool any;
} reasons;

static void add_reason(reasons *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_reason(reasons *r, const char *fmt, ...)
{
    if (r->len + 1 >= r->cap)
        return;
    if (r->any)
        r->len += (size_t)snprintf(r->text + r->len, r->cap - r->len, "; ");
    va_list ap;
    va_start(ap, fmt);
    if (r->len + 1 < r->cap)
        r->len += (size_t)vsnprintf(r->text + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    if (r->len >= r->cap)
        r->len = r->cap - 1;
    r->any = true;
}

static const char *const CORE_THREAD_NAMES[] = {"ingress", "committer", "publisher"};

static void check_live(rp_broker *b, reasons *r)
{
    if (atomic_load(&b->stopping))
        return;   /* threads end on purpose while draining */
    unsigned exited = atomic_load(&b->core_threads_exited);
    for (unsigned i = 0; i < sizeof CORE_THREAD_NAMES / sizeof CORE_THREAD_NAMES[0]; i++)
        if (exited & (1u << i))
            add_reason(r, "%s thread exited", CORE_THREAD_NAMES[i]);
}

static void check_database(rp_broker *b, reasons *r)
{
    if (!atomic_load(&b->db_up))
        add_reason(r, "database unavailable");
    if (!b->ready)
        return;
    rp_ready_sample s;
    rp_ready_probe_sample(b->ready, b, &s);
    if (atomic_load(&b->db_up) && !s.db_ok)
        add_reason(r, "database unreachable: %s", s.db_error[0] ? s.db_error : "no answer");
    int64_t bound = b->cfg->ready_max_lag_ms;
    if (s.db_ok && bound > 0 && s.lag_ms > bound)
        add_reason(r, "plugin %s lags %" PRId64 " s behind ingest (ready_max_lag_ms = %" PRId64 ")",
                   s.lag_plugin, s.lag_ms / 1000, bound);
}

static void check_workers(rp_broker *b, reasons *r)
{
    char names[256] = "";
    size_t stuck = rp_watchdog_check(b, names, sizeof names);
    if (stuck)
        add_reason(r, "%s %s stuck (no progress for more than worker_stall_ms = %lld)",
                   stuck == 1 ? "worker" : "workers", names, (long long)b->cfg->worker_stall_ms);
}

bool rp_health_check(void *broker, rp_probe probe, char *reason, size_t reason_len)
{
    rp_broker *b = broker;
    reasons r = {.text = reason, .cap = reason_len};
    if (reason_len)
        reason[0] = '\0';
    check_live(b, &r);
    if (probe == RP_PROBE_READY) {
        if (atomic_load(&b->stopping))
            add_reason(&r, "shutting down");
        else {
            check_database(b, &r);
            check_workers(b, &r);
        }
    }
    return !r.any;
}
