/*
 * committer.c - the committer thread: makes accepted events durable.
 *
 * It takes every queued request (up to limits.commit_batch_events events) and
 * commits them in ONE transaction, because PostgreSQL's per-transaction cost
 * dominates everything else (FIELD-NOTES.md):
 *
 *   BEGIN
 *   UPDATE ingest_head ... RETURNING pos     -- reserve n positions; the row
 *                                           -- lock orders commits, so readers
 *                                           -- of "pos > last" never skip one
 *   SELECT ... FROM unnest(keys) JOIN events -- which (tenant, id) exist already
 *   COPY events FROM STDIN (FORMAT binary)  -- the new events, straight in
 *   COMMIT                                  -- synchronous_commit = on
 *
 * The duplicate check and the COPY run under the ingest_head row lock, which
 * every committer takes first, so no other writer can insert one of these keys
 * in between: the COPY never meets a unique violation. Binary COPY sends the
 * msgpack data as it is (text COPY would double it as hex), and writing
 * straight into events writes each row once (a staging table wrote it twice).
 *
 * Only after COMMIT returns does any event become "accepted"; rows that the
 * INSERT skipped are "duplicate". If anything fails, every event of the group
 * is answered "retry" (never "accepted") and the connection is re-established
 * with back-off; a retry of an event that did commit comes back "duplicate".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "backoff.h"
#include "broker.h"
#include "copy_binary.h"
#include "pg_array.h"
#include "db.h"
#include "ingest_yield.h"
#include "ingress_internal.h"
#include "log.h"
#include "request_queue.h"

/* Out of memory inside uthash leaves a row out (hh.tbl NULL): the group is
 * answered "retry", as for any allocation failure while staging. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

typedef struct committer {
    rp_broker *broker;
    PGconn *db;
    void *replies;           /* PUSH to the ingress thread */
    rp_copy_buffer copy;
} committer;

static bool connect_db(committer *c)
{
    rp_broker *b = c->broker;
    c->db = rp_db_connect_retry(b->cfg->database, "committer", b->cfg->db_backoff_min_ms,
                                b->cfg->db_backoff_max_ms, &b->stopping);
    if (!c->db)
        return false;
    atomic_store(&b->db_up, true);
    rp_metrics_db_up(true);
    rp_log(RP_INFO, "committer", "database connected", NULL);
    return true;
}

/* A first occurrence of (tenant, id) in this group is staged; later ones are
 * duplicates of it, found through a uthash table over the staged rows keyed
 * by copies of tenant "\0" id (all in one block, sized before staging). */
typedef struct staged_event {
    UT_hash_handle hh;
    rp_wire_event *ev;
} staged_event;

typedef struct staging {
    staged_event *rows;      /* one per pending event; never moves */
    size_t count;
    staged_event *index;     /* uthash head over rows[0..count) */
    char *keys;              /* the index's keys */
    size_t keys_used;
} staging;

static size_t key_len(const rp_wire_event *ev)
{
    return strlen(ev->tenant) + 1 + ev->id_len;
}

typedef enum stage_result { STAGED, STAGED_DUPLICATE, STAGE_NO_MEMORY } stage_result;

static stage_result stage_first_occurrence(staging *s, rp_wire_event *ev)
{
    char *key = s->keys + s->keys_used;
    size_t tenant_len = strlen(ev->tenant), len = tenant_len + 1 + ev->id_len;
    memcpy(key, ev->tenant, tenant_len + 1);
    if (ev->id_len)
        memcpy(key + tenant_len + 1, ev->id, ev->id_len);
    unsigned hash;
    HASH_VALUE(key, len, hash);
    staged_event *other = NULL;
    HASH_FIND_BYHASHVALUE(hh, s->index, key, len, hash, other);
    if (other)
        return STAGED_DUPLICATE;
    staged_event *row = &s->rows[s->count];
    row->ev = ev;
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, s->index, key, len, hash, row);
    if (!row->hh.tbl)
        return STAGE_NO_MEMORY;
    s->keys_used += len;
    s->count++;
    return STAGED;
}

static size_t total_pending(rp_request *reqs)
{
    size_t n = 0;
    for (rp_request *r = reqs; r; r = r->next)
        n += r->pending;
    return n;
}

static bool build_staging(staging *s, rp_request *reqs, size_t pending)
{
    size_t key_bytes = 0;
    for (rp_request *r = reqs; r; r = r->next)
        for (size_t i = 0; i < r->wire.count; i++)
            if (r->wire.events[i].status == RP_STATUS_PENDING)
                key_bytes += key_len(&r->wire.events[i]);
    *s = (staging){0};
    s->rows = malloc((pending ? pending : 1) * sizeof *s->rows);
    s->keys = malloc(key_bytes ? key_bytes : 1);
    if (!s->rows || !s->keys)
        return false;
    for (rp_request *r = reqs; r; r = r->next)
        for (size_t i = 0; i < r->wire.count; i++) {
            rp_wire_event *ev = &r->wire.events[i];
            if (ev->status != RP_STATUS_PENDING)
                continue;
            stage_result st = stage_first_occurrence(s, ev);
            if (st == STAGE_NO_MEMORY)
                return false;
            if (st == STAGED_DUPLICATE)
                ev->status = RP_STATUS_DUPLICATE;
        }
    return true;
}

static void free_staging(staging *s)
{
    HASH_CLEAR(hh, s->index);   /* the rows are one array, freed here */
    free(s->rows);
    free(s->keys);
}

#define EVENT_COLUMNS 9

static void copy_row(rp_copy_buffer *buf, const rp_wire_event *ev, int64_t pos)
{
    rp_copy_bin_row(buf, EVENT_COLUMNS);
    rp_copy_bin_text_or_null(buf, ev->tenant);
    rp_copy_bin_bytes(buf, ev->id, ev->id_len);
    rp_copy_bin_int8(buf, pos);
    rp_copy_bin_int4(buf, (int32_t)ev->partition);
    rp_copy_bin_text_or_null(buf, ev->type);
    rp_copy_bin_int8(buf, ev->ts_ms);
    rp_copy_bin_text_or_null(buf, ev->customer);
    rp_copy_bin_text_or_null(buf, ev->org);
    rp_copy_bin_bytes(buf, ev->data, ev->data_len);
}

static int64_t reserve_positions(committer *c, size_t n, int64_t max_ts, char *err, size_t errlen)
{
    char count[32], ts[32];
    snprintf(count, sizeof count, "%zu", n);
    snprintf(ts, sizeof ts, "%" PRId64, max_ts);
    const char *params[] = {count, ts};
    PGresult *res = rp_db_query(c->db,
        "UPDATE ingest_head SET pos = pos + $1::bigint, "
        "max_ts_ms = greatest(coalesce(max_ts_ms, $2::bigint), $2::bigint) RETURNING pos",
        2, params, err, errlen);
    if (!res)
        return -1;
    int64_t last = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return last - (int64_t)n + 1;
}

/* Which staged rows are already in the event log: returns a calloc'd flag
 * per row (1 = exists), or NULL with err set. Must run under the
 * ingest_head lock (see the file comment). */
static uint8_t *find_existing(committer *c, const staging *s, char *err, size_t errlen)
{
    uint8_t *exists = calloc(s->count ? s->count : 1, 1);
    rp_pg_array tenants, ids;
    rp_pg_array_init(&tenants);
    rp_pg_array_init(&ids);
    for (size_t i = 0; i < s->count; i++) {
        rp_pg_array_text(&tenants, s->rows[i].ev->tenant);
        rp_pg_array_text(&ids, s->rows[i].ev->id);
    }
    const char *params[] = {rp_pg_array_finish(&tenants), rp_pg_array_finish(&ids)};
    PGresult *res = NULL;
    if (!exists || !params[0] || !params[1])
        snprintf(err, errlen, "out of memory checking %zu events for duplicates", s->count);
    else
        res = rp_db_query(c->db,
            "SELECT k.i FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(tenant, id, i) "
            "WHERE EXISTS (SELECT 1 FROM events e WHERE e.tenant = k.tenant AND e.id = k.id)",
            2, params, err, errlen);
    for (int r = 0; res && r < PQntuples(res); r++) {
        long long row = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        if (row >= 1 && (size_t)row <= s->count)
            exists[row - 1] = 1;
    }
    rp_pg_array_free(&tenants);
    rp_pg_array_free(&ids);
    if (!res) {
        free(exists);
        exists = NULL;
    }
    PQclear(res);
    return exists;
}

/* Row i gets position base + i; rows that exist already are skipped, which
 * leaves a gap (readers only need increasing positions, not dense ones). */
static bool run_copy(committer *c, const staging *s, const uint8_t *exists, int64_t base, char *err,
                     size_t errlen)
{
    rp_copy_reset(&c->copy);
    rp_copy_bin_header(&c->copy);
    for (size_t i = 0; i < s->count; i++)
        if (!exists[i])
            copy_row(&c->copy, s->rows[i].ev, base + (int64_t)i);
    rp_copy_bin_trailer(&c->copy);
    return rp_copy_send(c->db,
        "COPY events (tenant, id, pos, partition, type, ts_ms, customer, org, data) "
        "FROM STDIN (FORMAT binary)",
        &c->copy, err, errlen);
}

static bool commit_group(committer *c, staging *s, char *err, size_t errlen)
{
    int64_t max_ts = INT64_MIN;
    for (size_t i = 0; i < s->count; i++)
        if (s->rows[i].ev->ts_ms > max_ts)
            max_ts = s->rows[i].ev->ts_ms;
    if (!rp_db_run(c->db, "BEGIN", err, errlen))
        return false;
    int64_t base = reserve_positions(c, s->count, max_ts, err, errlen);
    uint8_t *exists = base >= 0 ? find_existing(c, s, err, errlen) : NULL;
    bool ok = exists && run_copy(c, s, exists, base, err, errlen);
    if (ok)
        ok = rp_db_run(c->db, "COMMIT", err, errlen);
    else
        rp_db_run(c->db, "ROLLBACK", NULL, 0);
    if (ok) {
        for (size_t i = 0; i < s->count; i++)
            s->rows[i].ev->status = exists[i] ? RP_STATUS_DUPLICATE : RP_STATUS_ACCEPTED;
        rp_clock_observe(&c->broker->clock, max_ts);
    }
    free(exists);
    return ok;
}

static void mark_group_retry(rp_request *reqs, const char *error)
{
    for (rp_request *r = reqs; r; r = r->next)
        for (size_t i = 0; i < r->wire.count; i++) {
            rp_wire_event *ev = &r->wire.events[i];
            if (ev->status == RP_STATUS_PENDING || ev->status == RP_STATUS_DUPLICATE ||
                ev->status == RP_STATUS_ACCEPTED) {
                ev->status = RP_STATUS_RETRY;
                ev->reject_reason = "db_error";
                snprintf(ev->error, sizeof ev->error, "not committed (%s); retry later", error);
            }
        }
}

static void hand_back(committer *c, rp_request *reqs)
{
    while (reqs) {
        rp_request *next = reqs->next;
        reqs->next = NULL;
        zmq_send(c->replies, &reqs, sizeof reqs, 0);
        reqs = next;
    }
}

/* Plugin workers step aside while ingest is busy (ingest_yield.h): they read
 * the time in finished groups plus the one in hand. A group's start is
 * cleared before its time is added, so a reader that sees the start twice
 * has a busy total without this group, never with it twice. */
static int64_t group_begins(rp_broker *b)
{
    int64_t started_us = rp_monotonic_us();
    atomic_store(&b->committer_idle_since_ms, 0);
    atomic_store(&b->committer_group_started_us, started_us);
    return started_us;
}

static void group_ends(rp_broker *b, int64_t started_us)
{
    int64_t ended_us = rp_monotonic_us();
    atomic_store(&b->committer_group_started_us, 0);
    atomic_fetch_add(&b->committer_busy_us, ended_us - started_us);
    atomic_store(&b->committer_idle_since_ms, ended_us / 1000);
}

static void process_group(committer *c, rp_request *reqs)
{
    int64_t started_us = group_begins(c->broker);
    size_t pending = total_pending(reqs);
    staging s = {0};
    char err[512] = "";
    bool ok = build_staging(&s, reqs, pending);
    if (!ok)
        snprintf(err, sizeof err, "out of memory staging %zu events", pending);
    int64_t commit_started_us = rp_monotonic_us();
    if (ok)
        ok = commit_group(c, &s, err, sizeof err);
    int64_t commit_us = rp_monotonic_us() - commit_started_us;
    /* Before the workers are woken: one that starts watching at the wake-up
     * must not count this group's time in its sample. */
    group_ends(c->broker, started_us);
    if (ok) {
        rp_metrics_batch(pending, (double)commit_us / 1e6);
        rp_notify_bump(&c->broker->events_committed);
    } else {
        rp_log(RP_WARN, "committer", "group not committed; answering retry", "events=%zu error=\"%s\"",
               pending, err);
        mark_group_retry(reqs, err);
        if (rp_db_broken(c->db) || PQtransactionStatus(c->db) != PQTRANS_IDLE) {
            atomic_store(&c->broker->db_up, false);
            rp_metrics_db_up(false);
        }
    }
    free_staging(&s);
    hand_back(c, reqs);
}

/* Reconnects if needed; while the database is away, answers queued requests
 * with "retry" so no client waits on a dead connection. *in_hand is the group
 * the caller took before it knew the connection was gone: it is answered
 * "retry" at the first failed attempt (and set to NULL), not held through the
 * outage (it waited until shutdown once a lost session was seen before its
 * commit failed). */
static void ensure_db(committer *c, rp_request **in_hand)
{
    if (c->db && !rp_db_broken(c->db) && atomic_load(&c->broker->db_up))
        return;
    if (c->db)
        PQfinish(c->db);
    c->db = NULL;
    atomic_store(&c->broker->db_up, false);
    rp_metrics_db_up(false);
    /* Exponential back-off between db_backoff_min_ms and db_backoff_max_ms,
     * so a long outage costs the server one attempt every few seconds, and
     * the log one line per outage (backoff.h), not one per attempt. */
    rp_backoff bo;
    rp_backoff_init(&bo, c->broker->cfg->db_backoff_min_ms, c->broker->cfg->db_backoff_max_ms);
    while (!c->db && !atomic_load(&c->broker->ingress_paused)) {
        rp_request *reqs = rp_request_queue_take(c->broker->queue, SIZE_MAX, 0);
        if (reqs) {
            mark_group_retry(reqs, "database unavailable");
            hand_back(c, reqs);
        }
        char err[512];
        c->db = rp_db_connect(c->broker->cfg->database, "committer", err, sizeof err);
        if (!c->db && in_hand && *in_hand) {
            mark_group_retry(*in_hand, "database unavailable");
            hand_back(c, *in_hand);
            *in_hand = NULL;
        }
        if (!c->db) {
            int64_t now = rp_monotonic_ms();
            if (rp_backoff_failed(&bo, now))
                rp_log(RP_WARN, "committer", "database unavailable, retrying with back-off",
                       "first_delay_ms=%" PRId64 " max_delay_ms=%" PRId64 " error=\"%s\"",
                       rp_backoff_wait_ms(&bo, now), bo.max_ms, err);
            rp_sleep_ms(rp_backoff_wait_ms(&bo, rp_monotonic_ms()), NULL);
        }
    }
    if (c->db) {
        atomic_store(&c->broker->db_up, true);
        rp_metrics_db_up(true);
        rp_log(RP_INFO, "committer", "database reconnected", "failed_attempts=%" PRIu64, bo.failures);
    }
}

void *rp_committer_main(void *arg)
{
    rp_broker *b = arg;
    committer c = {.broker = b};
    c.replies = zmq_socket(b->zmq, ZMQ_PUSH);
    zmq_connect(c.replies, RP_INGRESS_REPLIES_ENDPOINT);
    rp_copy_init(&c.copy);
    atomic_store(&b->committer_idle_since_ms, rp_monotonic_ms());
    if (connect_db(&c)) {
        while (true) {
            /* Once the ingress has stopped reading, nothing new can arrive:
             * drain what is queued, then stop. */
            bool paused = atomic_load(&b->ingress_paused);
            rp_request *reqs = rp_request_queue_take(b->queue, b->cfg->limits.commit_batch_events,
                                                     paused ? 0 : 100);
            if (reqs) {
                ensure_db(&c, &reqs);
                if (reqs)
                    process_group(&c, reqs);
            } else if (paused) {
                break;
            } else if (!atomic_load(&b->db_up) || rp_db_broken(c.db)) {
                ensure_db(&c, NULL);
            }
        }
    }
    atomic_store(&b->committer_done, true);
    rp_copy_free(&c.copy);
    if (c.db)
        PQfinish(c.db);
    zmq_close(c.replies);
    rp_log(RP_INFO, "committer", "stopped", NULL);
    return NULL;
}
