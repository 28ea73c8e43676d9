/*
 * watchdog.c - notices plugin workers that have work but make no progress
 * (see watchdog.h). A worker can stop for good without a word: a libpq wait
 * that never returns, a plugin callback that blocks. Its lag then grows while
 * everything else looks fine; the watchdog makes it visible in the log, in
 * /metrics and in /health/ready.
 */
#include "watchdog.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "db.h"
#include "ingest_yield.h"
#include "log.h"
#include "plugin_host.h"

#define WATCHDOG_PERIOD_MS 1000

static void pulse_beat(rp_worker_pulse *pulse)
{
    atomic_store(&pulse->beat_ms, rp_monotonic_ms());
}

void rp_pulse_round(rp_worker_pulse *pulse, bool in_round)
{
    pulse_beat(pulse);
    atomic_store(&pulse->in_round, in_round);
}

/* Whether a worker counts as stuck now; logs when the verdict changes. */
static bool judge(rp_plugin_host *h, int64_t now_ms, int64_t stall_ms)
{
    rp_worker_pulse *p = &h->pulse;
    int64_t silent_ms = now_ms - atomic_load(&p->beat_ms);
    bool stuck = atomic_load(&p->in_round) && silent_ms > stall_ms;
    bool was = atomic_exchange(&p->stuck, stuck);
    if (stuck && !was) {
        atomic_fetch_add(&p->stalls, 1);
        rp_log(RP_ERR, "watchdog", "worker stuck: no progress while it has work",
               "plugin=%s silent_ms=%lld worker_stall_ms=%lld", h->name, (long long)silent_ms,
               (long long)stall_ms);
    } else if (!stuck && was) {
        rp_log(RP_WARN, "watchdog", "worker moves again", "plugin=%s", h->name);
    }
    return stuck;
}

static void append_name(char *names, size_t len, size_t *used, const char *name)
{
    if (!names || *used >= len)
        return;
    int n = snprintf(names + *used, len - *used, "%s%s", *used ? ", " : "", name);
    if (n > 0)
        *used += (size_t)n;
}

size_t rp_watchdog_check(rp_broker *b, char *names, size_t names_len)
{
    if (names && names_len)
        names[0] = '\0';
    size_t used = 0, stuck = 0;
    int64_t now = rp_monotonic_ms();
    for (size_t i = 0; i < b->plugin_count; i++) {
        rp_plugin_host *h = b->plugins[i];
        if (!h->thread_started || !judge(h, now, b->cfg->worker_stall_ms))
            continue;
        stuck++;
        append_name(names, names_len, &used, h->name);
    }
    return stuck;
}

void rp_watchdog_write_metrics(FILE *out, rp_broker *b)
{
    fprintf(out, "# HELP rapport_worker_stuck 1 while a plugin worker has work but made no progress for worker_stall_ms.\n"
                 "# TYPE rapport_worker_stuck gauge\n");
    for (size_t i = 0; i < b->plugin_count; i++)
        fprintf(out, "rapport_worker_stuck{plugin=\"%s\"} %d\n", b->plugins[i]->name,
                atomic_load(&b->plugins[i]->pulse.stuck) ? 1 : 0);
    fprintf(out, "# HELP rapport_worker_stalls_total Times a plugin worker was found stuck.\n"
                 "# TYPE rapport_worker_stalls_total counter\n");
    for (size_t i = 0; i < b->plugin_count; i++)
        fprintf(out, "rapport_worker_stalls_total{plugin=\"%s\"} %llu\n", b->plugins[i]->name,
                (unsigned long long)atomic_load(&b->plugins[i]->pulse.stalls));
}

static void *watchdog_main(void *arg)
{
    rp_broker *b = arg;
    while (!atomic_load(&b->watchdog_stop)) {
        rp_watchdog_check(b, NULL, 0);
        rp_sleep_ms(WATCHDOG_PERIOD_MS, &b->watchdog_stop);
    }
    return NULL;
}

bool rp_watchdog_start(rp_broker *b)
{
    atomic_store(&b->watchdog_stop, false);
    for (size_t i = 0; i < b->plugin_count; i++)
        rp_pulse_round(&b->plugins[i]->pulse, false);
    b->watchdog_started = pthread_create(&b->watchdog_thread, NULL, watchdog_main, b) == 0;
    return b->watchdog_started;
}

void rp_watchdog_stop(rp_broker *b)
{
    if (!b->watchdog_started)
        return;
    atomic_store(&b->watchdog_stop, true);
    pthread_join(b->watchdog_thread, NULL);
    b->watchdog_started = false;
}
