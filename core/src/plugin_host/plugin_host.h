/*
 * plugin_host.h - a loaded plugin and everything the host keeps for it.
 *
 *   plugin_loader.c  dlopen, ABI check, settings, init, shutdown
 *   plugin_settings.c  the typed settings structs, per tenant
 *   plugin_schema.c  requires and numbered migrations
 *   plugin_call.c    the calls of one tenant each (rp_call)
 *   host_api.c       the rp_host_api table handed to the plugin
 *   txn_effects.c    what a transaction buffers: deferred SQL, derived
 *                    events, timer changes; written just before COMMIT
 *   worker.c         the plugin's thread: fetch, dispatch, commit, retry
 *   dead_letter.c    giving up on an event or timer, and operator retries
 */
#ifndef RP_PLUGIN_HOST_H
#define RP_PLUGIN_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "rapport/plugin.h"
#include "broker.h"
#include "plugin_settings.h"
#include "txn_effects.h"
#include "watchdog.h"

/* The handler's view of "where we are": set before each callback. */
typedef struct rp_scope_state {
    const char *tenant;        /* the call's tenant: emits and timers are its */
    const char *customer;
    const char *org;
    const char *cause;         /* event id, or "timer:<key>" */
    uint32_t partition;
    int64_t now_ms;
} rp_scope_state;

struct rp_ctx {
    struct rp_plugin_host *host;
    PGconn *db;                /* the worker's connection; in a transaction during callbacks */
    rp_scope_state scope;
    const char *call_tenant;     /* the tenant of the on_events/on_timers call running, else NULL */
    const rp_event *const *run;  /* the run being handled by on_events */
    size_t run_count;
    const rp_timer *const *timer_run;  /* the timers being handled by on_timers */
    const char *const *timer_causes;   /* "timer:<key>" of each */
    size_t timer_run_count;
    bool scope_set;              /* scope_event()/scope_timer() was called during this call */
    bool committing;             /* in before_commit: no event or timer to attribute effects to */
    uint64_t txn_seq;            /* api->txn_seq: bumped at every BEGIN for this plugin */
    rp_txn_effects fx;
    bool failed;
    char error[512];
};

typedef struct rp_plugin_host {
    rp_broker *broker;
    void *dl;
    const rp_plugin *desc;
    char *path;
    const char *name;          /* desc->name */

    rp_settings_store *settings;
    void *state;               /* what init stored */

    char *subscribed_array;    /* "{purchase,refund}" as a text[] parameter */
    char *partitions_array;    /* "{-1,0,1,...}" the tenant lane and partitions this process serves */
    uint32_t partition_count;

    rp_ctx ctx;
    struct rp_lane_tenants *lane_tenants; /* RP_PLUGIN_TENANT_CLOCK: tenants with a tenant-clock timer */
    rp_worker_pulse pulse;     /* the worker's signs of life, for the watchdog */
    pthread_t thread;
    bool thread_started;
    bool initialised;
} rp_plugin_host;

extern const rp_host_api rp_host_api_table;

/* Loads and checks the plugin at path (or NAME resolved in cfg->plugin_dir).
 * Does not touch the database. NULL with a precise err on any refusal. */
rp_plugin_host *rp_plugin_load(rp_broker *broker, const char *name_or_path, char *err, size_t errlen);

/* Applies the plugin's migrations and creates its progress rows, then
 * init(). Plugins it requires that are loaded must be prepared first. */
bool rp_plugin_prepare(rp_plugin_host *host, PGconn *db, char *err, size_t errlen);

/* Calls shutdown(); never dlcloses (a thread of the plugin's may still run). */
void rp_plugin_unload(rp_plugin_host *host);

/* Sets ctx->scope from one event (the clock follows the event in event mode). */
void rp_ctx_scope_event(rp_ctx *ctx, const rp_event *ev);

/* Sets ctx->scope from timer i of the on_timers call being handled (the
 * clock follows its due time in event mode). */
void rp_ctx_scope_timer_at(rp_ctx *ctx, size_t i);

/* Starts a transaction's view for the plugin: a new api->txn_seq. */
void rp_ctx_begin_txn(rp_ctx *ctx);

/* Calls the plugin's before_commit if it has one; RP_OK if not.
 * A failure leaves ctx->failed and ctx->error set like a callback's. */
int rp_ctx_before_commit(rp_ctx *ctx);

/* The worker thread. */
void *rp_worker_main(void *host);

bool rp_plugin_subscribes(const rp_plugin_host *host, const char *type);

#endif
