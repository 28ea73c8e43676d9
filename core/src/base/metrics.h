/*
 * metrics.h - counters and histograms exposed at GET /metrics (http.h) in the
 * Prometheus text format. Counters are lock-free atomics so
 * the hot paths (ingress, committer, workers) pay one atomic add.
 *
 * Names (all prefixed rapport_):
 *   events_total{outcome="accepted|duplicate|rejected|retry",reason="..."}
 *   batch_events (histogram of events per ingest transaction)
 *   commit_seconds (histogram of ingest commit latency)
 *   plugin_lag_events{plugin,partition} (computed at scrape by a callback)
 *   dead_letters_total{plugin}
 *   plugin_yield_seconds_total{plugin} (workers paused for a busy ingest)
 *   derived_events_total
 *   db_up (gauge 0/1)
 */
#ifndef RP_METRICS_H
#define RP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum rp_outcome {
    RP_OUTCOME_ACCEPTED = 0,
    RP_OUTCOME_DUPLICATE,
    RP_OUTCOME_REJECTED,
    RP_OUTCOME_RETRY,
    RP_OUTCOME_COUNT
} rp_outcome;

/* Counts one event outcome; reason is a short label (NULL for accepted and
 * duplicate). Reasons are interned: at most 64 distinct labels per outcome,
 * further ones count under "other". */
void rp_metrics_event(rp_outcome outcome, const char *reason);
void rp_metrics_batch(size_t events, double commit_seconds);
void rp_metrics_dead_letter(const char *plugin);
void rp_metrics_plugin_yield(const char *plugin, int64_t ms);
void rp_metrics_derived(size_t count);
void rp_metrics_db_up(bool up);

/* Writes the text exposition of everything above to out; the callback (if
 * set) appends gauges computed at scrape time (plugin lag). */
typedef void (*rp_metrics_extra_fn)(FILE *out, void *user);
void rp_metrics_set_extra(rp_metrics_extra_fn fn, void *user);
void rp_metrics_write(FILE *out);

#endif
