/*
 * catchup.h - how long the plugins take to process what was ingested.
 *
 * Ingest acks do not wait for plugins (they read the event log at their own
 * pace), so the throughput figure alone says nothing about them. After the
 * throughput phase the benchmark polls the broker's database until every
 * plugin's progress has reached the last event of every partition; the time
 * from the first frame sent to that moment gives the rate at which the
 * loaded plugins, all of them, kept up.
 */
#ifndef BENCH_CATCHUP_H
#define BENCH_CATCHUP_H

#include <stdbool.h>
#include <stddef.h>

/* Polls every poll_ms until no (plugin, partition) lags behind the event
 * log, or timeout_s passes. *lagging_out is the last count seen (0 when
 * caught up). False on a database error (err set). */
bool bench_wait_plugins(const char *conninfo, double timeout_s, int poll_ms, size_t *lagging_out,
                        char *err, size_t errlen);

#endif
