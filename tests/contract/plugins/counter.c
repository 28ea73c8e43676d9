/*
 * counter.c - records every event it handles, in handling order, so tests
 * can prove exactly-once and per-partition order: one row per application in
 * counter_log (no unique key: a double application would show as two rows).
 * Events whose data has "poison": true fail while counter_switch.fail is
 * true (dead-letter tests). Timers: data "timer_in_ms": n sets a timer that
 * logs itself when it fires.
 *
 * Built twice: as counter.so, and with COUNTER_RUNS_SPAN as counter_span.so,
 * which sets RP_PLUGIN_RUNS_SPAN_PARTITIONS, takes its timers through
 * on_timers (ABI 1.2) and logs a 'commit' row from before_commit (ABI 1.3).
 * Each row names the plugin, the on_events or timer call that handled it and
 * the host's txn_seq, so a test can see how runs, timer calls and
 * transactions were cut. Timers whose payload starts with "P" fail while
 * counter_switch.fail is true; so does counter_span's before_commit in a
 * transaction that handled an event with data "fail_commit": true.
 *
 * Data "tags" (an array of strings) and "attrs" (a map of strings) are read
 * with the ABI 1.4 iterator and logged as one row each, kind 'tags' / 'attrs',
 * note "a|b|c" / "k=v,k=v" (an empty note when the value is of another kind).
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
    " partition int, pos bigint, kind text, plugin text, call bigint, txn bigint, note text)",
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

static bool data_flag(const rp_event *ev, const char *key)
{
    bool flag = false;
    return api->view_bool(api->view_get(ev->data, key), &flag) && flag;
}

static bool switch_on(rp_ctx *ctx)
{
    rp_rows *rows = api->db_query(ctx, "SELECT fail FROM counter_switch", 0, NULL);
    bool on = rows && api->rows_count(rows) == 1 && strcmp(api->rows_value(rows, 0, 0), "t") == 0;
    api->rows_free(rows);
    return on;
}

/* txn_seq of the transaction whose before_commit must fail, or must try
 * to emit (0: none). */
static uint64_t fail_commit_txn, emit_commit_txn;

/* Joins an array's strings with '|', or a map's pairs as k=v with ',':
 * one pass with view_iter_init/next, whatever the size. */
static void join_strings(rp_view v, char *out, size_t size)
{
    rp_view_iter it;
    rp_view item;
    size_t used = 0;
    bool is_map = api->view_kind(v) == RP_VIEW_MAP;
    out[0] = '\0';
    api->view_iter_init(v, &it);
    for (size_t i = 0; api->view_iter_next(&it, &item) && used < size; i++) {
        const char *s;
        size_t n;
        if (!api->view_str(item, &s, &n))
            continue;
        const char *sep = i == 0 ? "" : !is_map ? "|" : i % 2 ? "=" : ",";
        used += (size_t)snprintf(out + used, size - used, "%s%.*s", sep, (int)n, s);
    }
}

static void log_joined(rp_ctx *ctx, const rp_event *ev, const char *key)
{
    rp_view v = api->view_get(ev->data, key);
    if (!v.ptr)
        return;
    char note[512];
    join_strings(v, note, sizeof note);
    const char *params[] = {ev->tenant, ev->id, key, COUNTER_NAME, note};
    api->db_defer(ctx, "INSERT INTO counter_log (tenant, id, kind, plugin, note) VALUES ($1, $2, $3, $4, $5)",
                  5, params);
}

static int handle(rp_ctx *ctx, const rp_event *ev)
{
    log_joined(ctx, ev, "tags");
    log_joined(ctx, ev, "attrs");
    if (data_flag(ev, "poison") && switch_on(ctx)) {
        api->fail(ctx, "poisoned event %s", ev->id);
        return RP_ERROR;
    }
    if (data_flag(ev, "fail_commit"))
        fail_commit_txn = api->txn_seq(ctx);
    if (data_flag(ev, "emit_at_commit"))
        emit_commit_txn = api->txn_seq(ctx);
    char partition[16], pos[24], call[24], txn[24];
    snprintf(partition, sizeof partition, "%u", ev->partition);
    snprintf(pos, sizeof pos, "%lld", (long long)ev->pos);
    snprintf(call, sizeof call, "%lld", calls);
    snprintf(txn, sizeof txn, "%llu", (unsigned long long)api->txn_seq(ctx));
    const char *params[] = {ev->tenant, ev->id, partition, pos, COUNTER_NAME, call, txn};
    api->db_defer(ctx, "INSERT INTO counter_log (tenant, id, partition, pos, kind, plugin, call, txn) "
                       "VALUES ($1, $2, $3, $4, 'event', $5, $6, $7)", 7, params);
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
    if (t->payload.len > 0 && t->payload.ptr[0] == 'P' && switch_on(ctx)) {
        api->fail(ctx, "poisoned timer %s", t->key);
        return RP_ERROR;
    }
    char partition[16], due[24], call[24], txn[24];
    snprintf(partition, sizeof partition, "%u", t->partition);
    snprintf(due, sizeof due, "%lld", (long long)t->due_ms);
    snprintf(call, sizeof call, "%lld", timer_calls);
    snprintf(txn, sizeof txn, "%llu", (unsigned long long)api->txn_seq(ctx));
    const char *params[] = {t->tenant, t->key, partition, due, COUNTER_NAME, call, txn};
    if (api->db_exec(ctx, "INSERT INTO counter_log (tenant, id, partition, pos, kind, plugin, call, txn) "
                          "VALUES ($1, $2, $3, $4, 'timer', $5, $6, $7)", 7, params) < 0)
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

/* One 'commit' row per transaction, after the rows of its calls. Refuses
 * to commit a transaction that handled a "fail_commit" event while the
 * switch is on; tries to emit in one that handled an "emit_at_commit" event
 * (the host must refuse that, failing the transaction). */
static int before_commit(rp_ctx *ctx)
{
    if (emit_commit_txn == api->txn_seq(ctx) && switch_on(ctx)
        && api->emit(ctx, "counter.commit", "c00", NULL, (const uint8_t *)"\x80", 1) != RP_OK)
        return RP_ERROR;
    if (fail_commit_txn == api->txn_seq(ctx) && switch_on(ctx)) {
        api->fail(ctx, "commit refused in transaction %llu", (unsigned long long)fail_commit_txn);
        return RP_ERROR;
    }
    char txn[24];
    snprintf(txn, sizeof txn, "%llu", (unsigned long long)api->txn_seq(ctx));
    const char *params[] = {COUNTER_NAME, txn};
    return api->db_exec(ctx, "INSERT INTO counter_log (kind, plugin, txn) VALUES ('commit', $1, $2)",
                        2, params) < 0 ? RP_ERROR : RP_OK;
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
    .before_commit = before_commit,
#else
    .on_timer = on_timer,
#endif
    .flags = COUNTER_FLAGS,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
