/*
 * batch.c - what a plugin's worker handles next (see batch.h): one query for
 * the events after the plugin's progress in every partition it serves, one
 * for its due timers, both in binary format.
 */
#include "batch.h"

#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *FETCH_EVENTS_SQL =
    "SELECT e.partition, e.pos, e.tenant, e.id, e.type, e.ts_ms, e.customer, e.org, "
    "       CASE WHEN e.type = ANY($2::text[]) THEN e.data END, p.pos "
    "FROM plugin_progress p "
    "CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.partition = p.partition AND e.pos > p.pos "
    "                    ORDER BY e.pos LIMIT $3) e "
    "WHERE p.plugin = $1 AND p.partition = ANY($4::int[]) "
    "ORDER BY e.partition, e.pos";

static const char *FETCH_TIMERS_SQL =
    "SELECT tenant, key, partition, due_ms, customer, org, payload FROM timers "
    "WHERE plugin = $1 AND partition = ANY($2::int[]) AND due_ms <= $3 "
    "ORDER BY due_ms, tenant COLLATE \"C\", key COLLATE \"C\" LIMIT $4";

/* Binary-format column readers (libpq NUL-terminates every value). */
static int64_t col_int8(const PGresult *res, int row, int col)
{
    uint64_t v;
    memcpy(&v, PQgetvalue(res, row, col), 8);
    return (int64_t)be64toh(v);
}

static int32_t col_int4(const PGresult *res, int row, int col)
{
    uint32_t v;
    memcpy(&v, PQgetvalue(res, row, col), 4);
    return (int32_t)be32toh(v);
}

static const char *col_text(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

void rp_event_from_row(const PGresult *res, int r, rp_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->struct_size = sizeof *ev;
    ev->partition = (uint32_t)col_int4(res, r, 0);
    ev->pos = col_int8(res, r, 1);
    ev->tenant = col_text(res, r, 2);
    ev->id = col_text(res, r, 3);
    ev->type = col_text(res, r, 4);
    ev->ts_ms = col_int8(res, r, 5);
    ev->customer = col_text(res, r, 6);
    ev->org = col_text(res, r, 7);
    ev->data.ptr = (const uint8_t *)PQgetvalue(res, r, 8);
    ev->data.len = (size_t)PQgetlength(res, r, 8);
}

void rp_batch_free(rp_batch *b)
{
    PQclear(b->events_res);
    PQclear(b->timers_res);
    free(b->events);
    free(b->subscribed);
    free(b->groups);
    memset(b, 0, sizeof *b);
}

static bool build_groups(rp_batch *b, const PGresult *res, size_t per_partition_limit)
{
    b->groups = calloc(b->count ? b->count : 1, sizeof *b->groups);
    if (!b->groups)
        return false;
    for (size_t i = 0; i < b->count; i++) {
        rp_batch_group *g = b->group_count ? &b->groups[b->group_count - 1] : NULL;
        if (!g || g->partition != b->events[i].partition) {
            g = &b->groups[b->group_count++];
            *g = (rp_batch_group){.partition = b->events[i].partition, .first = i, .max_ts = INT64_MIN,
                                  .from_pos = col_int8(res, (int)i, 9)};
        }
        g->count++;
        if (b->events[i].ts_ms > g->max_ts)
            g->max_ts = b->events[i].ts_ms;
    }
    for (size_t i = 0; i < b->group_count; i++)
        b->groups[i].more = b->groups[i].count >= per_partition_limit;
    return true;
}

static bool read_events(rp_batch *b, PGresult *res, size_t per_partition_limit)
{
    b->events_res = res;
    b->count = (size_t)PQntuples(res);
    b->events = calloc(b->count ? b->count : 1, sizeof *b->events);
    b->subscribed = calloc(b->count ? b->count : 1, sizeof *b->subscribed);
    if (!b->events || !b->subscribed)
        return false;
    for (size_t i = 0; i < b->count; i++) {
        rp_event_from_row(res, (int)i, &b->events[i]);
        b->subscribed[i] = !PQgetisnull(res, (int)i, 8);
    }
    return build_groups(b, res, per_partition_limit);
}

/* The latest due time of the timers a batch loads. The clock is read before
 * the events: in event time the watermark moves when the committer has
 * accepted events, so the batch may hold events later than the watermark
 * read here, and a timer due before one of them must be loaded to fire
 * before it. */
static int64_t timer_bound(const rp_worker *w, const rp_batch *b, int64_t clock_now)
{
    if (w->broker->clock.mode != RP_CLOCK_EVENT)
        return clock_now;
    int64_t bound = clock_now;
    for (size_t i = 0; i < b->group_count; i++)
        if (b->groups[i].max_ts > bound)
            bound = b->groups[i].max_ts;
    return bound;
}

/* Due timers are fetched earliest first, at most `limit` of them. When the
 * limit is reached, timers due at or after the last one loaded may still
 * wait in the table; in event time an event at or after that instant must
 * then wait for a later round, or it would be handled before timers that
 * precede it (a backlog of due timers larger than one batch, as after a long
 * catch-up). Each partition's group is cut before its first such event and
 * marked as having more, with that event's time as the partition's bound. */
static void hold_events_behind_unloaded_timers(const rp_worker *w, rp_batch *b, size_t limit)
{
    int loaded = PQntuples(b->timers_res);
    if (w->broker->clock.mode != RP_CLOCK_EVENT || loaded == 0 || (size_t)loaded < limit)
        return;
    int64_t cut = col_int8(b->timers_res, loaded - 1, 3);
    for (size_t i = 0; i < b->group_count; i++) {
        rp_batch_group *g = &b->groups[i];
        for (size_t k = 0; k < g->count; k++) {
            int64_t ts = b->events[g->first + k].ts_ms;
            if (ts >= cut) {
                g->count = k;
                g->more = true;
                g->max_ts = ts;
                break;
            }
        }
    }
}

bool rp_batch_fetch(rp_worker *w, rp_batch *b)
{
    rp_plugin_host *h = w->host;
    char per[24], bound[24], limit[24];
    int64_t clock_now = rp_clock_now(&w->broker->clock);
    b->clock_ms = clock_now;
    snprintf(per, sizeof per, "%zu", w->per_partition_limit);
    snprintf(limit, sizeof limit, "%zu", w->broker->cfg->limits.plugin_batch_events);
    const char *ev_params[] = {h->name, h->subscribed_array, per, h->partitions_array};
    PGresult *res = PQexecParams(w->db, FETCH_EVENTS_SQL, 4, NULL, ev_params, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rp_log(RP_WARN, "worker", "fetching events failed", "plugin=%s error=\"%s\"", h->name,
               PQresultErrorMessage(res));
        PQclear(res);
        return false;
    }
    if (!read_events(b, res, w->per_partition_limit))
        return false;
    snprintf(bound, sizeof bound, "%" PRId64, timer_bound(w, b, clock_now));
    const char *t_params[] = {h->name, h->partitions_array, bound, limit};
    b->timers_res = PQexecParams(w->db, FETCH_TIMERS_SQL, 4, NULL, t_params, NULL, NULL, 1);
    if (PQresultStatus(b->timers_res) != PGRES_TUPLES_OK) {
        rp_log(RP_WARN, "worker", "fetching timers failed", "plugin=%s error=\"%s\"", h->name,
               PQresultErrorMessage(b->timers_res));
        return false;
    }
    hold_events_behind_unloaded_timers(w, b, w->broker->cfg->limits.plugin_batch_events);
    return true;
}
