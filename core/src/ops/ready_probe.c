/*
 * ready_probe.c - the database side of readiness, cached (ready_probe.h).
 */
#include "ready_probe.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "db.h"
#include "ingest_yield.h"
#include "log.h"
#include "pg_array.h"
#include "plugin_host.h"

struct rp_ready_probe {
    pthread_mutex_t refresh_lock;   /* held by the one probe refreshing */
    pthread_mutex_t sample_lock;    /* guards sample and sampled_ms, briefly */
    rp_ready_sample sample;
    int64_t sampled_ms;             /* monotonic time of the last refresh */
    PGconn *db;                     /* used under refresh_lock only */
    rp_backoff backoff;
};

/* Per loaded plugin, the first event after its progress in each partition;
 * the oldest of those is how far behind the slowest plugin is. */
static const char *LAG_SQL =
    "SELECT p.plugin, (EXTRACT(EPOCH FROM now() - min(e.accepted_at)) * 1000)::bigint "
    "FROM plugin_progress p CROSS JOIN LATERAL "
    "  (SELECT accepted_at FROM events e WHERE e.partition = p.partition AND e.pos > p.pos "
    "   ORDER BY e.pos LIMIT 1) e "
    "WHERE p.plugin = ANY($1::text[]) GROUP BY p.plugin ORDER BY 2 DESC LIMIT 1";

rp_ready_probe *rp_ready_probe_new(int64_t backoff_min_ms, int64_t backoff_max_ms)
{
    rp_ready_probe *probe = calloc(1, sizeof *probe);
    if (!probe)
        return NULL;
    rp_backoff_init(&probe->backoff, backoff_min_ms, backoff_max_ms);
    pthread_mutex_init(&probe->refresh_lock, NULL);
    pthread_mutex_init(&probe->sample_lock, NULL);
    return probe;
}

void rp_ready_probe_free(rp_ready_probe *probe)
{
    if (!probe)
        return;
    if (probe->db)
        PQfinish(probe->db);
    pthread_mutex_destroy(&probe->refresh_lock);
    pthread_mutex_destroy(&probe->sample_lock);
    free(probe);
}

/* A connection whose statements cannot hang a probe thread for long. */
static PGconn *connect_probe(const rp_config *cfg, char *err, size_t errlen)
{
    PGconn *db = rp_db_connect(cfg->database, "ready", err, errlen);
    if (db && !rp_db_run(db, "SET statement_timeout = '" RP_READY_STATEMENT_TIMEOUT "'", err, errlen)) {
        PQfinish(db);
        db = NULL;
    }
    return db;
}

/* Connects when needed and the back-off allows; logs an outage once. */
static bool ensure_db(rp_ready_probe *probe, const rp_config *cfg, rp_ready_sample *s)
{
    if (probe->db && !rp_db_broken(probe->db))
        return true;
    if (probe->db)
        PQfinish(probe->db);
    probe->db = NULL;
    int64_t now = rp_monotonic_ms();
    if (!rp_backoff_due(&probe->backoff, now))
        return false;   /* s->db_error keeps the last attempt's error */
    probe->db = connect_probe(cfg, s->db_error, sizeof s->db_error);
    if (!probe->db && rp_backoff_failed(&probe->backoff, now))
        rp_log(RP_WARN, "ready", "database unreachable; not ready", "error=\"%s\"", s->db_error);
    if (probe->db && rp_backoff_succeeded(&probe->backoff))
        rp_log(RP_INFO, "ready", "database reachable again", NULL);
    return probe->db != NULL;
}

static const char *plugin_names(rp_broker *b, rp_pg_array *names)
{
    rp_pg_array_init(names);
    for (size_t i = 0; i < b->plugin_count; i++)
        rp_pg_array_text(names, b->plugins[i]->name);
    return rp_pg_array_finish(names);
}

/* The round trip proves the database answers; with a lag bound it is the
 * lag query itself. */
static bool query_sample(rp_ready_probe *probe, rp_broker *b, rp_ready_sample *s)
{
    if (b->cfg->ready_max_lag_ms <= 0 || b->plugin_count == 0)
        return rp_db_run(probe->db, "SELECT 1", s->db_error, sizeof s->db_error);
    rp_pg_array names;
    const char *params[] = {plugin_names(b, &names)};
    PGresult *res = params[0] ? rp_db_query(probe->db, LAG_SQL, 1, params, s->db_error, sizeof s->db_error)
                              : NULL;
    rp_pg_array_free(&names);
    if (!res)
        return false;
    if (PQntuples(res) == 1) {
        snprintf(s->lag_plugin, sizeof s->lag_plugin, "%s", PQgetvalue(res, 0, 0));
        s->lag_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }
    PQclear(res);
    return true;
}

static void refresh(rp_ready_probe *probe, rp_broker *b)
{
    rp_ready_sample s;
    pthread_mutex_lock(&probe->sample_lock);
    s = probe->sample;
    pthread_mutex_unlock(&probe->sample_lock);
    s.lag_ms = 0;
    s.lag_plugin[0] = '\0';
    s.db_ok = ensure_db(probe, b->cfg, &s) && query_sample(probe, b, &s);
    if (s.db_ok)
        s.db_error[0] = '\0';
    s.sampled = true;
    pthread_mutex_lock(&probe->sample_lock);
    probe->sample = s;
    probe->sampled_ms = rp_monotonic_ms();
    pthread_mutex_unlock(&probe->sample_lock);
}

static bool stale(rp_ready_probe *probe, rp_ready_sample *out)
{
    pthread_mutex_lock(&probe->sample_lock);
    *out = probe->sample;
    bool is_stale = !out->sampled || rp_monotonic_ms() - probe->sampled_ms >= RP_READY_CACHE_MS;
    pthread_mutex_unlock(&probe->sample_lock);
    return is_stale;
}

void rp_ready_probe_sample(rp_ready_probe *probe, rp_broker *b, rp_ready_sample *out)
{
    if (!stale(probe, out))
        return;
    /* Only the very first probe waits for a refresh in progress: there is
     * nothing older to answer with. */
    int locked = out->sampled ? pthread_mutex_trylock(&probe->refresh_lock)
                              : pthread_mutex_lock(&probe->refresh_lock);
    if (locked != 0)
        return;
    if (stale(probe, out))
        refresh(probe, b);
    pthread_mutex_unlock(&probe->refresh_lock);
    stale(probe, out);
}
