/*
 * broker_metrics.c - per-plugin, per-partition lag for /metrics, computed
 * when scraped over a connection of its own (the hot paths never pay for
 * it). Lag is the number of accepted events a plugin has not yet committed.
 */
#include <stdlib.h>

#include "broker_metrics.h"
#include "db.h"
#include "ingest_yield.h"
#include "peer_stats.h"
#include "watchdog.h"

static const char *LAG_SQL =
    "SELECT p.plugin, p.partition, "
    "  (SELECT count(*) FROM events e WHERE e.partition = p.partition AND e.pos > p.pos) "
    "FROM plugin_progress p ORDER BY 1, 2";

void rp_broker_metrics_lag(FILE *out, void *arg)
{
    rp_broker *b = arg;
    rp_peer_stats_write(out);   /* no database needed: first, so a broken one cannot hide them */
    pthread_mutex_lock(&b->lag_lock);
    PGconn *db = b->lag_db;
    /* While the database is away a scrape tries to reconnect only when the
     * back-off allows, so frequent scrapes do not each wait connect_timeout. */
    if (!db || rp_db_broken(db)) {
        if (db)
            PQfinish(db);
        db = b->lag_db = NULL;
        int64_t now = rp_monotonic_ms();
        if (rp_backoff_due(&b->lag_backoff, now)) {
            db = b->lag_db = rp_db_connect(b->cfg->database, "metrics", NULL, 0);
            if (db)
                rp_backoff_succeeded(&b->lag_backoff);
            else
                rp_backoff_failed(&b->lag_backoff, now);
        }
    }
    PGresult *res = db ? rp_db_query(db, LAG_SQL, 0, NULL, NULL, 0) : NULL;
    if (res) {
        fprintf(out, "# HELP rapport_plugin_lag_events Accepted events a plugin has not processed yet.\n"
                     "# TYPE rapport_plugin_lag_events gauge\n");
        for (int r = 0; r < PQntuples(res); r++)
            fprintf(out, "rapport_plugin_lag_events{plugin=\"%s\",partition=\"%s\"} %s\n",
                    PQgetvalue(res, r, 0), PQgetvalue(res, r, 1), PQgetvalue(res, r, 2));
    }
    PQclear(res);
    pthread_mutex_unlock(&b->lag_lock);
    rp_watchdog_write_metrics(out, b);
}

void rp_broker_metrics_close(rp_broker *b)
{
    pthread_mutex_lock(&b->lag_lock);
    if (b->lag_db)
        PQfinish(b->lag_db);
    b->lag_db = NULL;
    pthread_mutex_unlock(&b->lag_lock);
}
