/*
 * ingest_yield.h - plugin workers give the CPU to ingest during a burst.
 *
 * On a small machine the plugins' workers and their PostgreSQL backends
 * compete with the committer for the same cores, so every plugin loaded
 * slowed the publishers' acks. Plugin work is asynchronous (it runs behind
 * the committed log and catches up), acks are what publishers wait for. So
 * while ingest is busy a worker pauses between its transactions, much as
 * PostgreSQL's autovacuum cost delay keeps background work out of the way of
 * queries. Busy means requests waiting that the committer has not taken yet,
 * or a committer in transactions for at least RP_INGEST_BUSY_SHARE of the
 * last RP_INGEST_SAMPLE_MS; a committer that has waited RP_INGEST_IDLE_ENDS_MS
 * for work ends it at once. A worker woken from idle by a commit watches for
 * RP_INGEST_SETTLE_MS before it starts, so the first commit of a burst does
 * not launch a transaction that competes with the rest of it.
 *
 * The pause is bounded (plugin_yield_ms): after pausing that long in a row, a
 * worker works for as long again before it may pause, so under a sustained
 * overload every plugin still gets at least half of its time and its lag
 * stays bounded. Under a light load the committer is idle most of the time
 * and no worker pauses; the settle costs a worker 20 ms after each idle spell.
 */
#ifndef RP_INGEST_YIELD_H
#define RP_INGEST_YIELD_H

#include <stdbool.h>
#include <stdint.h>

/* Ingest counts as busy when requests wait that the committer has not taken
 * yet, or when the committer was in a transaction for at least this share
 * of the last sample: a saturated committer is near 1 (it waits only for the
 * acks' round trip), one fsync per sparse frame is near 0. */
#define RP_INGEST_BUSY_SHARE 0.5

/* The committer's busy share is sampled over at least this long. */
#define RP_INGEST_SAMPLE_MS 100

/* A worker woken from idle by a commit watches the committer this long
 * before its first transaction: the first commit of a burst looks like any
 * other, the commits right behind it do not. */
#define RP_INGEST_SETTLE_MS 20

/* A committer that has waited this long for work ends a burst at once,
 * whatever the last sample said. */
#define RP_INGEST_IDLE_ENDS_MS 20

/* How long a pausing worker sleeps before it looks again. */
#define RP_INGEST_YIELD_STEP_MS 10

/* What a worker reads of the committer. */
typedef struct rp_ingest_view {
    int64_t busy_us;            /* time spent in transactions, only grows */
    bool requests_waiting;      /* queued, not taken yet */
    int64_t idle_ms;            /* how long it has waited for work; 0 in a transaction */
} rp_ingest_view;

/* A worker's sample of the committer's busy counter. */
typedef struct rp_ingest_sample {
    bool taken;
    int64_t at_ms;
    int64_t busy_us;
    int64_t window_ms;          /* shortest sample for the next verdict; 0 = RP_INGEST_SAMPLE_MS */
    bool busy;                  /* the last verdict */
} rp_ingest_sample;

/* Starts a new sample at now_ms; its verdict comes after window_ms. */
void rp_ingest_restart(rp_ingest_sample *s, int64_t now_ms, int64_t busy_us, int64_t window_ms);

/* Whether ingest is busy at monotonic now_ms, updating the sample once its
 * window has passed. */
bool rp_ingest_busy(rp_ingest_sample *s, int64_t now_ms, const rp_ingest_view *committer);

typedef struct rp_yield_state {
    bool pausing;
    int64_t pause_started_ms;   /* when the current pause began */
    int64_t work_until_ms;      /* after a full pause: no pausing before this */
} rp_yield_state;

/* Decides at monotonic time now_ms whether the worker pauses (true) or works
 * its next transaction (false). max_pause_ms = 0 turns pausing off. */
bool rp_yield_should_pause(rp_yield_state *s, int64_t now_ms, bool ingest_busy, int64_t max_pause_ms);

/* Monotonic time, the clock both sides of the decision use. */
int64_t rp_monotonic_ms(void);
int64_t rp_monotonic_us(void);

#endif
