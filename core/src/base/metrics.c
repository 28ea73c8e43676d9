/*
 * metrics.c - Prometheus counters and histograms (metrics.h); http.c serves
 * them.
 *
 * Hot paths pay one relaxed atomic add per counter. Labelled counters
 * (reasons, plugins) intern their label in a small fixed table under a
 * mutex the first time a label is seen; afterwards lookups are lock-free
 * reads of slots that are never moved or freed (a slot's name is written
 * before the seq_cst store that publishes it through `used`). A table holds
 * 64 labels so a buggy or hostile sender cannot grow the exposition without
 * bound; later labels count under "other". Labels are cut to 63 bytes.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define LABELS_MAX 64
#define LABEL_LEN 64
#define BUCKETS_MAX 8
#define OBSERVE_MAX 1e12 /* times 1e6 still fits the uint64_t sum */

typedef struct labelled {
    _Atomic int used;
    char names[LABELS_MAX][LABEL_LEN];
    _Atomic uint64_t counts[LABELS_MAX];
    _Atomic uint64_t other;
} labelled;

static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guards the scrape callback, which may be set while a scrape runs. */
static pthread_mutex_t extra_lock = PTHREAD_MUTEX_INITIALIZER;
static labelled outcomes[RP_OUTCOME_COUNT];
static labelled dead_letters;
static labelled yield_ms;       /* per plugin, milliseconds */
static _Atomic uint64_t derived_total;
static _Atomic int db_up_gauge;

static const double BATCH_BOUNDS[] = {1, 10, 100, 1000, 5000};
static const double COMMIT_BOUNDS[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1};
#define BATCH_BUCKETS (sizeof BATCH_BOUNDS / sizeof BATCH_BOUNDS[0])
#define COMMIT_BUCKETS (sizeof COMMIT_BOUNDS / sizeof COMMIT_BOUNDS[0])

typedef struct histogram {
    _Atomic uint64_t buckets[BUCKETS_MAX]; /* per bound, not cumulative; +Inf = count */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_micro;    /* sum scaled by 1e6, so it stays an integer */
} histogram;

_Static_assert(BATCH_BUCKETS <= BUCKETS_MAX && COMMIT_BUCKETS <= BUCKETS_MAX, "bucket table too small");

static histogram batch_hist, commit_hist;

static rp_metrics_extra_fn extra_fn;
static void *extra_user;

static void count_label_n(labelled *l, const char *label, uint64_t n)
{
    if (!label || !*label)
        label = "none";
    int used = atomic_load(&l->used);
    for (int i = 0; i < used; i++)
        if (strncmp(l->names[i], label, LABEL_LEN - 1) == 0) {
            atomic_fetch_add_explicit(&l->counts[i], n, memory_order_relaxed);
            return;
        }
    pthread_mutex_lock(&intern_lock);
    used = atomic_load(&l->used);
    int slot = -1;
    for (int i = 0; i < used && slot < 0; i++)
        if (strncmp(l->names[i], label, LABEL_LEN - 1) == 0)
            slot = i;
    if (slot < 0 && used < LABELS_MAX) {
        slot = used;
        snprintf(l->names[slot], LABEL_LEN, "%s", label);
        atomic_store(&l->used, used + 1);
    }
    pthread_mutex_unlock(&intern_lock);
    if (slot >= 0)
        atomic_fetch_add_explicit(&l->counts[slot], n, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&l->other, n, memory_order_relaxed);
}

static void count_label(labelled *l, const char *label)
{
    count_label_n(l, label, 1);
}

void rp_metrics_event(rp_outcome outcome, const char *reason)
{
    if ((unsigned)outcome < (unsigned)RP_OUTCOME_COUNT)
        count_label(&outcomes[outcome], reason);
}

static void observe(histogram *h, const double *bounds, size_t n, double value)
{
    /* A negative or NaN latency (clock step), or an absurdly large value,
     * would be undefined behaviour once scaled into the integer sum. */
    if (!(value > 0))
        value = 0;
    else if (value > OBSERVE_MAX)
        value = OBSERVE_MAX;
    size_t i = 0;
    while (i < n && value > bounds[i])
        i++;
    if (i < n)
        atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    /* Rounded, so 0.004 s adds exactly 4000 us whatever its binary form. */
    atomic_fetch_add_explicit(&h->sum_micro, (uint64_t)(value * 1e6 + 0.5), memory_order_relaxed);
}

void rp_metrics_batch(size_t events, double commit_seconds)
{
    observe(&batch_hist, BATCH_BOUNDS, BATCH_BUCKETS, (double)events);
    observe(&commit_hist, COMMIT_BOUNDS, COMMIT_BUCKETS, commit_seconds);
}

void rp_metrics_dead_letter(const char *plugin)
{
    count_label(&dead_letters, plugin);
}

void rp_metrics_plugin_yield(const char *plugin, int64_t ms)
{
    if (ms > 0)
        count_label_n(&yield_ms, plugin, (uint64_t)ms);
}

void rp_metrics_derived(size_t count)
{
    atomic_fetch_add_explicit(&derived_total, count, memory_order_relaxed);
}

void rp_metrics_db_up(bool up)
{
    atomic_store(&db_up_gauge, up ? 1 : 0);
}

void rp_metrics_set_extra(rp_metrics_extra_fn fn, void *user)
{
    pthread_mutex_lock(&extra_lock);
    extra_fn = fn;
    extra_user = user;
    pthread_mutex_unlock(&extra_lock);
}

/* ------------------------------------------------------------ exposition */

/* Label values: backslash, double quote and newline escaped. */
static void write_label_value(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

static const char *const OUTCOME_NAMES[] = {"accepted", "duplicate", "rejected", "retry"};

/* One sample per interned label, then "other" if anything overflowed.
 * prefix is the sample name and any fixed labels, up to the label's '"'.
 * Counts are divided by divisor (1000 turns milliseconds into seconds). */
static void write_scaled(FILE *out, const char *prefix, labelled *l, unsigned divisor)
{
    int used = atomic_load(&l->used);
    for (int i = 0; i < used; i++) {
        fputs(prefix, out);
        write_label_value(out, l->names[i]);
        uint64_t count = atomic_load(&l->counts[i]);
        if (divisor == 1)
            fprintf(out, "\"} %llu\n", (unsigned long long)count);
        else
            fprintf(out, "\"} %.3f\n", (double)count / divisor);
    }
    uint64_t other = atomic_load(&l->other);
    if (other && divisor == 1)
        fprintf(out, "%sother\"} %llu\n", prefix, (unsigned long long)other);
    else if (other)
        fprintf(out, "%sother\"} %.3f\n", prefix, (double)other / divisor);
}

static void write_labelled(FILE *out, const char *prefix, labelled *l)
{
    write_scaled(out, prefix, l, 1);
}

static void write_events(FILE *out)
{
    fputs("# HELP rapport_events_total Ingress events by outcome and reason.\n"
          "# TYPE rapport_events_total counter\n", out);
    for (int o = 0; o < RP_OUTCOME_COUNT; o++) {
        char prefix[96];
        snprintf(prefix, sizeof prefix, "rapport_events_total{outcome=\"%s\",reason=\"", OUTCOME_NAMES[o]);
        write_labelled(out, prefix, &outcomes[o]);
    }
}

static void write_histogram(FILE *out, const char *name, const char *help, histogram *h,
                            const double *bounds, size_t n)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < n; i++) {
        cumulative += atomic_load(&h->buckets[i]);
        fprintf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)cumulative);
    }
    fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)atomic_load(&h->count));
    fprintf(out, "%s_sum %.6f\n", name, (double)atomic_load(&h->sum_micro) / 1e6);
    fprintf(out, "%s_count %llu\n", name, (unsigned long long)atomic_load(&h->count));
}

void rp_metrics_write(FILE *out)
{
    write_events(out);
    write_histogram(out, "rapport_batch_events", "Events per ingest transaction.", &batch_hist,
                    BATCH_BOUNDS, BATCH_BUCKETS);
    write_histogram(out, "rapport_commit_seconds", "Ingest transaction latency.", &commit_hist,
                    COMMIT_BOUNDS, COMMIT_BUCKETS);
    fputs("# HELP rapport_dead_letters_total Events or timers a plugin gave up on.\n"
          "# TYPE rapport_dead_letters_total counter\n", out);
    write_labelled(out, "rapport_dead_letters_total{plugin=\"", &dead_letters);
    fputs("# HELP rapport_plugin_yield_seconds_total Time plugin workers paused because ingest was busy.\n"
          "# TYPE rapport_plugin_yield_seconds_total counter\n", out);
    write_scaled(out, "rapport_plugin_yield_seconds_total{plugin=\"", &yield_ms, 1000);
    fprintf(out, "# HELP rapport_derived_events_total Derived events committed to the outbox.\n"
                 "# TYPE rapport_derived_events_total counter\nrapport_derived_events_total %llu\n",
            (unsigned long long)atomic_load(&derived_total));
    fprintf(out, "# HELP rapport_db_up Whether the ingest connection to PostgreSQL is up.\n"
                 "# TYPE rapport_db_up gauge\nrapport_db_up %d\n", atomic_load(&db_up_gauge));
    pthread_mutex_lock(&extra_lock);
    if (extra_fn)
        extra_fn(out, extra_user);
    pthread_mutex_unlock(&extra_lock);
}
