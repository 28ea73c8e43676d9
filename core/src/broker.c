/*
 * broker.c - starting and stopping a broker (see broker.h for the threads).
 *
 * Start-up order matters: plugins are loaded and checked before anything
 * touches the database (a bad plugin refuses the start with a precise
 * message), migrations run before any thread starts, sockets are bound before
 * threads start (a port in use fails the start), and workers start last.
 *
 * Shutdown (SIGTERM) drains in the same order as an event travels: the
 * ingress stops reading, the committer commits and answers what is queued,
 * workers finish their current transaction, the publisher publishes what
 * those committed, then everything is freed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "broker.h"
#include "broker_metrics.h"
#include "db.h"
#include "health.h"
#include "ingress_internal.h"
#include "peer_limit.h"
#include "log.h"
#include "migrate.h"
#include "plugin_host.h"
#include "plugin_schema.h"
#include "publisher_internal.h"
#include "ready_probe.h"
#include "request_queue.h"
#include "watchdog.h"

static bool add_plugin(rp_broker *b, rp_plugin_host *h, char *err, size_t errlen)
{
    for (size_t i = 0; i < b->plugin_count; i++)
        if (strcmp(b->plugins[i]->name, h->name) == 0) {
            snprintf(err, errlen, "plugin %s is listed twice (%s and %s)", h->name, b->plugins[i]->path, h->path);
            return false;
        }
    rp_plugin_host **list = realloc(b->plugins, (b->plugin_count + 1) * sizeof *list);
    if (!list) {
        snprintf(err, errlen, "out of memory adding plugin %s", h->name);
        return false;
    }
    b->plugins = list;
    b->plugins[b->plugin_count++] = h;
    return true;
}

static bool register_types(rp_broker *b, rp_plugin_host *h, char *err, size_t errlen)
{
    for (const rp_event_type *t = h->desc->event_types; t && t->name; t++)
        if (!rp_types_register(b->types, t, h->name, err, errlen))
            return false;
    return true;
}

static bool check_subscriptions(rp_broker *b, char *err, size_t errlen)
{
    for (size_t i = 0; i < b->plugin_count; i++) {
        rp_plugin_host *h = b->plugins[i];
        for (const char *const *t = h->desc->subscribes; t && *t; t++)
            if (!rp_types_find(b->types, *t, strlen(*t))) {
                snprintf(err, errlen, "plugin %s subscribes to unknown event type \"%s\" "
                         "(not a v1 type and no loaded plugin registers it)", h->name, *t);
                return false;
            }
    }
    return true;
}

static bool load_plugins(rp_broker *b, char *err, size_t errlen)
{
    char *list = strdup(b->cfg->plugins ? b->cfg->plugins : "");
    bool ok = list != NULL;
    char *save = NULL;
    for (char *name = strtok_r(list, ", ", &save); ok && name; name = strtok_r(NULL, ", ", &save)) {
        rp_plugin_host *h = rp_plugin_load(b, name, err, errlen);
        ok = h && add_plugin(b, h, err, errlen);
        if (h && !ok)
            rp_plugin_unload(h);
        ok = ok && register_types(b, h, err, errlen);
    }
    free(list);
    return ok && check_subscriptions(b, err, errlen);
}

static void load_watermark(rp_broker *b, PGconn *db)
{
    PGresult *res = rp_db_query(db, "SELECT max_ts_ms FROM ingest_head", 0, NULL, NULL, 0);
    if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        rp_clock_observe(&b->clock, strtoll(PQgetvalue(res, 0, 0), NULL, 10));
    PQclear(res);
}

static bool prepare_database(rp_broker *b, char *err, size_t errlen)
{
    PGconn *db = rp_db_connect_retry(b->cfg->database, "startup", b->cfg->db_backoff_min_ms,
                                     b->cfg->db_backoff_max_ms, &b->stopping);
    if (!db) {
        snprintf(err, errlen, "stopped while waiting for the database");
        return false;
    }
    int applied = 0;
    bool ok = rp_migrate(db, &applied, err, errlen);
    if (ok)
        load_watermark(b, db);
    /* Plugins whose tables others read are migrated (and initialised) first. */
    ok = ok && rp_plugins_order(b->plugins, b->plugin_count, err, errlen);
    for (size_t i = 0; ok && i < b->plugin_count; i++)
        ok = rp_plugin_requires_met(b->plugins[i], b->plugins, b->plugin_count, db, err, errlen) &&
             rp_plugin_prepare(b->plugins[i], db, err, errlen);
    PQfinish(db);
    return ok;
}

static bool start_threads(rp_broker *b, void *router, void *pub, void *replay, char *err, size_t errlen)
{
    rp_ingress_args *in = malloc(sizeof *in);
    rp_publisher_args *out = malloc(sizeof *out);
    if (!in || !out) {
        free(in);
        free(out);
        snprintf(err, errlen, "out of memory starting threads");
        return false;
    }
    *in = (rp_ingress_args){b, router};
    *out = (rp_publisher_args){b, pub, replay};
    /* Marked, so /health/live notices one that ends early (health.h). */
    rp_health_thread_create(b, &b->committer_thread, RP_THREAD_COMMITTER, rp_committer_main, b);
    rp_health_thread_create(b, &b->ingress_thread, RP_THREAD_INGRESS, rp_ingress_main, in);
    rp_health_thread_create(b, &b->publisher_thread, RP_THREAD_PUBLISHER, rp_publisher_main, out);
    for (size_t i = 0; i < b->plugin_count; i++) {
        rp_plugin_host *h = b->plugins[i];
        h->ctx.db = NULL;
        h->thread_started = pthread_create(&h->thread, NULL, rp_worker_main, h) == 0;
    }
    b->threads_started = true;
    if (!rp_watchdog_start(b))
        rp_log(RP_WARN, "broker", "watchdog thread not started; stuck workers go unnoticed", NULL);
    return true;
}

static bool init_state(rp_broker *b, rp_config *cfg, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->cfg = cfg;
    b->types = rp_types_new();
    b->zmq = zmq_ctx_new();
    b->queue = rp_request_queue_new(cfg->limits.ingress_queue_events);
    rp_clock_init(&b->clock, cfg->clock, cfg->clock_fixed_ms);
    rp_notify_init(&b->events_committed);
    rp_notify_init(&b->outbox_committed);
    pthread_mutex_init(&b->lag_lock, NULL);
    rp_backoff_init(&b->lag_backoff, cfg->db_backoff_min_ms, cfg->db_backoff_max_ms);
    if (!b->types || !b->zmq || !b->queue) {
        snprintf(err, errlen, "out of memory initialising the broker");
        return false;
    }
    return true;
}

/* Database sessions rapportd may hold: committer, publisher, /metrics lag,
 * readiness probe and spare, plus two per plugin (its worker, reconnects). */
#define FIXED_DB_CONNECTIONS 8
/* Descriptors for everything else: HTTP clients, ZeroMQ's own (mailboxes,
 * io threads, listeners), log files, plugin files. */
#define FD_RESERVE 256

/* Budgets file descriptors and starts the ZAP handler before any socket
 * that it guards is bound (peer_limit.h). */
static bool limit_connections(rp_broker *b, char *err, size_t errlen)
{
    size_t db_connections = FIXED_DB_CONNECTIONS + 2 * b->plugin_count;
    if (!rp_fd_budget(&b->cfg->limits, db_connections, FD_RESERVE, err, errlen))
        return false;
    b->peer_limit = rp_peer_limit_new(b->zmq, b->cfg->limits.max_connections);
    if (!b->peer_limit)
        snprintf(err, errlen, "cannot start the connection limit (ZAP handler): %s", zmq_strerror(errno));
    return b->peer_limit != NULL;
}

bool rp_broker_start(rp_broker *b, rp_config *cfg, char *err, size_t errlen)
{
    if (!init_state(b, cfg, err, errlen) || !load_plugins(b, err, errlen) || !prepare_database(b, err, errlen))
        return false;
    void *router = NULL, *pub = NULL, *replay = NULL;
    if (!limit_connections(b, err, errlen))
        return false;
    if (!rp_ingress_bind(b, &router)) {
        snprintf(err, errlen, "cannot bind ingress %s: %s", cfg->ingress, zmq_strerror(errno));
        return false;
    }
    if (!rp_publisher_bind(b, &pub, &replay)) {
        snprintf(err, errlen, "cannot bind publish %s or replay %s: %s", cfg->publish, cfg->replay,
                 zmq_strerror(errno));
        zmq_close(router);
        return false;
    }
    if (!rp_peer_limit_watch(b->peer_limit, router) || !rp_peer_limit_watch(b->peer_limit, replay) ||
        !rp_peer_limit_start(b->peer_limit)) {
        snprintf(err, errlen, "cannot start the connection limit: %s", zmq_strerror(errno));
        zmq_close(router);
        zmq_close(pub);
        zmq_close(replay);
        return false;
    }
    if (cfg->http && *cfg->http) {
        rp_metrics_set_extra(rp_broker_metrics_lag, b);
        b->ready = rp_ready_probe_new(cfg->db_backoff_min_ms, cfg->db_backoff_max_ms);
        rp_http_limits limits = {cfg->http_threads, cfg->http_max_connections, cfg->http_max_connections_per_ip,
                                 (unsigned)((cfg->http_timeout_ms + 999) / 1000)};
        b->http = b->ready ? rp_http_start(cfg->http, &limits, rp_health_check, b, err, errlen) : NULL;
        if (!b->ready)
            snprintf(err, errlen, "out of memory starting the HTTP server");
        if (!b->http) {
            zmq_close(router);
            zmq_close(pub);
            zmq_close(replay);
            return false;
        }
    }
    atomic_store(&b->db_up, true);
    rp_log(RP_INFO, "broker", "started", "ingress=%s publish=%s replay=%s http=%s plugins=%zu partitions=%u clock=%s",
           cfg->ingress, cfg->publish, cfg->replay, cfg->http, b->plugin_count, cfg->partitions,
           rp_clock_mode_name(cfg->clock));
    return start_threads(b, router, pub, replay, err, errlen);
}

/* Joins a worker, giving up after the shutdown timeout: its open
 * transaction is then rolled back by PostgreSQL when the process exits, and
 * redone at the next start, so nothing is lost or applied twice. */
static bool join_with_timeout(pthread_t thread, int64_t timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    return pthread_timedjoin_np(thread, NULL, &deadline) == 0;
}

void rp_broker_stop(rp_broker *b)
{
    bool clean = true;
    atomic_store(&b->stopping, true);
    if (b->threads_started) {
        pthread_join(b->ingress_thread, NULL);
        pthread_join(b->committer_thread, NULL);
        atomic_store(&b->stop_workers, true);
        rp_notify_bump(&b->events_committed);
        for (size_t i = 0; i < b->plugin_count; i++)
            if (b->plugins[i]->thread_started && !join_with_timeout(b->plugins[i]->thread, b->cfg->shutdown_timeout_ms)) {
                rp_log(RP_WARN, "broker", "plugin still busy at shutdown timeout; its transaction is abandoned",
                       "plugin=%s shutdown_timeout_ms=%lld", b->plugins[i]->name,
                       (long long)b->cfg->shutdown_timeout_ms);
                b->plugins[i]->thread_started = false;
                clean = false;
            }
        atomic_store(&b->publisher_stop, true);
        rp_notify_bump(&b->outbox_committed);
        pthread_join(b->publisher_thread, NULL);
    }
    rp_watchdog_stop(b);
    rp_http_stop(&b->http);
    rp_ready_probe_free(b->ready);
    b->ready = NULL;
    rp_broker_metrics_close(b);
    if (!clean)
        return;   /* a worker thread may still be inside its plugin: free nothing it uses */
    for (size_t i = 0; i < b->plugin_count; i++)
        rp_plugin_unload(b->plugins[i]);
    free(b->plugins);
    rp_request_queue_free(b->queue);
    rp_types_free(b->types);
    rp_peer_limit_stop(b->peer_limit);
    if (b->zmq)
        zmq_ctx_term(b->zmq);
    rp_notify_destroy(&b->events_committed);
    rp_notify_destroy(&b->outbox_committed);
    pthread_mutex_destroy(&b->lag_lock);
    rp_log(RP_INFO, "broker", "stopped", NULL);
}
