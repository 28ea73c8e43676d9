/*
 * counter.c - records every event it handles, in handling order, so tests
 * can prove exactly-once and per-partition order: one row per application in
 * counter_log (no unique key: a double application would show as two rows).
 * Events whose data has "poison": true fail while counter_switch.fail is
 * true (dead-letter tests). Timers: data "timer_in_ms": n sets a timer that
 * logs itself when it fires.
 *
 * Built twice: as counter.so, and with COUNTER_RUNS_SPAN as counter_span.so,
 * which sets RP_PLUGIN_RUNS_SPAN_PARTITIONS and takes its timers through
 * on_timers (ABI 1.2). Each row names the plugin and the on_events or timer
 * call that handled it, so a test can see how runs and timer calls were cut.
 */
#include <stdio.h>
#include <time.h>
#include <string.h>

#include "rapport/plugin.h"

#ifdef COUNTER_RUNS_SPAN
#define COUNTER_NAME "counter_span"
#define COUNTER_FLAGS RP_PLUGIN_RUNS_SPAN_PARTITIONS
#else
#define COUNTER_NAME "counter"
#define COUNTER_FLAGS 0
#endif

static const rp_host_api *api;
static long long calls;     /* on_events calls so far in this process */
static long long timer_calls;   /* on_timer / on_timers calls so far */
static const char *const subscribes[] = {"purchase", "contact", "customer.upsert", NULL};
static const rp_config_key config[] = {
    {"sleep_ms", RP_CONFIG_INT, "0", "sleep this long in every on_events call (slow-plugin tests)"},
    {NULL, 0, NULL, NULL},
};
static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS counter_log (n bigserial PRIMARY KEY, tenant text, id text,"
    " partition int, pos bigint, kind text, plugin text, call bigint)",
    "CREATE TABLE IF NOT EXISTS counter_switch (fail boolean NOT NULL)",
    "INSERT INTO counter_switch SELECT false WHERE NOT EXISTS (SELECT 1 FROM counter_switch)",
    NULL,
};

static int init(rp_ctx *ctx, const rp_host_api *host)
{
    (void)ctx;
    api = host;
    return RP_OK;
}

static bool poisoned(const rp_event *ev)
{
    bool poison = false;
    return api->view_bool(api->view_get(ev->data, "poison"), &poison) && poison;
}

static int handle(rp_ctx *ctx, const rp_event *ev)
{
    if (poisoned(ev)) {
        rp_rows *rows = api->db_query(ctx, "SELECT fail FROM counter_switch", 0, NULL);
        bool fail = rows && api->rows_count(rows) == 1 && strcmp(api->rows_value(rows, 0, 0), "t") == 0;
        api->rows_free(rows);
        if (fail) {
            api->fail(ctx, "poisoned event %s", ev->id);
            return RP_ERROR;
        }
    }
    char partition[16], pos[24], call[24];
    snprintf(partition, sizeof partition, "%u", ev->partition);
    snprintf(pos, sizeof pos, "%lld", (long long)ev->pos);
    snprintf(call, sizeof call, "%lld", calls);
    const char *params[] = {ev->tenant, ev->id, partition, pos, COUNTER_NAME, call};
    api->db_defer(ctx, "INSERT INTO counter_log (tenant, id, partition, pos, kind, plugin, call) "
                       "VALUES ($1, $2, $3, $4, 'event', $5, $6)", 6, params);
    int64_t timer_in = 0;
    if (api->view_int(api->view_get(ev->data, "timer_in_ms"), &timer_in)) {
        char key[200];
        snprintf(key, sizeof key, "t:%s", ev->id);
        api->scope_event(ctx, ev);
        if (api->timer_set(ctx, ev->tenant, key, ev->ts_ms + timer_in, NULL, NULL,
                           (const uint8_t *)ev->id, strlen(ev->id)) != RP_OK)
            return RP_ERROR;
    }
    api->scope_event(ctx, ev);
    return api->emit(ctx, "counter.seen", NULL, NULL, (const uint8_t *)"\x80", 1);
}

static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    calls++;
    int64_t sleep_ms = api->config_int(ctx, "sleep_ms");
    if (sleep_ms > 0) {
        struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < count; i++)
        if (handle(ctx, events[i]) != RP_OK)
            return RP_ERROR;
    return RP_OK;
}

/* A timer whose payload is the id of an event starting with "R" re-arms
 * itself once, one hour later, with the scope inherited from the timer, then
 * keeps reading its borrowed view and scope: re-arming must not pull them
 * out from under the callback. */
static int rearm_once(rp_ctx *ctx, const rp_timer *t)
{
    static const char rearmed[] = "rearmed";
    if (api->timer_set(ctx, t->tenant, t->key, t->due_ms + 3600000, NULL, NULL,
                       (const uint8_t *)rearmed, sizeof rearmed - 1) != RP_OK)
        return RP_ERROR;
    if (t->payload.len == 0 || t->payload.ptr[0] != 'R' || !t->customer || t->customer[0] != 'c') {
        api->fail(ctx, "timer %s: its view changed when it re-armed itself", t->key);
        return RP_ERROR;
    }
    return api->emit(ctx, "counter.rearmed", NULL, NULL, (const uint8_t *)"\x80", 1);
}

static int handle_timer(rp_ctx *ctx, const rp_timer *t)
{
    char partition[16], due[24], call[24];
    snprintf(partition, sizeof partition, "%u", t->partition);
    snprintf(due, sizeof due, "%lld", (long long)t->due_ms);
    snprintf(call, sizeof call, "%lld", timer_calls);
    const char *params[] = {t->tenant, t->key, partition, due, COUNTER_NAME, call};
    if (api->db_exec(ctx, "INSERT INTO counter_log (tenant, id, partition, pos, kind, plugin, call) "
                          "VALUES ($1, $2, $3, $4, 'timer', $5, $6)", 6, params) < 0)
        return RP_ERROR;
    if (t->payload.len > 0 && t->payload.ptr[0] == 'R')
        return rearm_once(ctx, t);
    return RP_OK;
}

#ifdef COUNTER_RUNS_SPAN
static int on_timers(rp_ctx *ctx, const rp_timer *const *timers, size_t count)
{
    timer_calls++;
    for (size_t i = 0; i < count; i++) {
        api->scope_timer(ctx, timers[i]);
        if (handle_timer(ctx, timers[i]) != RP_OK)
            return RP_ERROR;
    }
    return RP_OK;
}
#else
static int on_timer(rp_ctx *ctx, const rp_timer *t)
{
    timer_calls++;
    return handle_timer(ctx, t);
}
#endif

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = COUNTER_NAME,
    .subscribes = subscribes,
    .config = config,
    .schema_sql = schema,
    .init = init,
    .on_events = on_events,
#ifdef COUNTER_RUNS_SPAN
    .on_timers = on_timers,
#else
    .on_timer = on_timer,
#endif
    .flags = COUNTER_FLAGS,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
