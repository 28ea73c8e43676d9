/*
 * counter.c - records every event it handles, in handling order, so tests
 * can prove exactly-once and per-partition order: one row per application in
 * counter_log (no unique key: a double application would show as two rows).
 * Events whose data has "poison": true fail while counter_switch.fail is
 * true (dead-letter tests). Timers: data "timer_in_ms": n sets a timer that
 * logs itself when it fires, under the key "t:<event id>", or under data
 * "timer_key" (a string, used in full) when the event has one; data
 * "cancel_key" cancels that key (timer key length tests). Data
 * "tenant_timer_at": ms sets a timer on the tenant clock (ABI 2.1) under
 * "sweep:<ms>"; when it fires it logs a 'sweep' row whose note is how many
 * events of its tenant the plugin had handled by then, and emits
 * counter.sweep (tests/contract/test_tenant_clock.c).
 *
 * Built three times: as counter.so; with COUNTER_RUNS_SPAN as
 * counter_span.so, which sets RP_PLUGIN_RUNS_SPAN_PARTITIONS and logs a
 * 'commit' row from before_commit; and with COUNTER_TENANT_CLOCK as
 * counter_clock.so, which sets RP_PLUGIN_TENANT_CLOCK. Each row names the plugin, the on_events or on_timers call
 * that handled it and the host's txn_seq, so a test can see how runs, timer
 * calls and transactions were cut. Timers whose payload starts with "P" fail
 * while counter_switch.fail is true; so does counter_span's before_commit in
 * a transaction that handled an event with data "fail_commit": true.
 *
 * Data "tags" (an array of strings) and "attrs" (a map of strings) are read
 * with the iterator and logged as one row each, kind 'tags' / 'attrs', note
 * "a|b|c" / "k=v,k=v" (an empty note when the value is of another kind).
 *
 * ABI 2 (tests of the host's tenancy and settings): every event and timer
 * row carries, in column settings, the call's settings as the host parsed
 * them (one key of each type, see settings_table), rendered by
 * settings_check into a field the table does not name and freed by
 * settings_release. A call holding an event or timer of another tenant than
 * call->tenant, or whose call->settings differ from settings_of(tenant),
 * fails loudly ("counter: ... in a call of tenant ...").
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rapport/plugin.h"

#ifdef COUNTER_RUNS_SPAN
#define COUNTER_NAME "counter_span"
#define COUNTER_FLAGS RP_PLUGIN_RUNS_SPAN_PARTITIONS
#elif defined COUNTER_TENANT_CLOCK
#define COUNTER_NAME "counter_clock"
#define COUNTER_FLAGS RP_PLUGIN_TENANT_CLOCK
#else
#define COUNTER_NAME "counter"
#define COUNTER_FLAGS 0
#endif

/* ------------------------------------------------------------ settings */

typedef struct counter_settings {
    int64_t sleep_ms;
    const char *label;
    double weight;
    bool flag;
    int64_t wait_ms;
    int level;
    rp_list names;
    int64_t shared;
    char *rendered;     /* not in the table: built by settings_check */
} counter_settings;

static const char *const levels[] = {"low", "mid", "high", NULL};

#define PER_TENANT RP_SETTING_PER_TENANT
#define AT(field) offsetof(counter_settings, field)
static const rp_setting settings_table[] = {
    {"sleep_ms", RP_SETTING_INT, AT(sleep_ms), "0", 0, 600000, NULL, PER_TENANT,
     "sleep this long in every on_events call (slow-plugin tests)"},
    {"label", RP_SETTING_STRING, AT(label), "", 0, 0, NULL, PER_TENANT, "free text (settings tests)"},
    {"weight", RP_SETTING_DOUBLE, AT(weight), "1.5", 0, 100, NULL, PER_TENANT, "a number 0..100 (settings tests)"},
    {"flag", RP_SETTING_BOOL, AT(flag), "false", 0, 0, NULL, PER_TENANT, "true needs a label (settings tests)"},
    {"wait", RP_SETTING_DURATION, AT(wait_ms), "0s", 0, 7 * 86400000.0, NULL, PER_TENANT,
     "a duration up to 7d (settings tests)"},
    {"level", RP_SETTING_ENUM, AT(level), "low", 0, 0, levels, PER_TENANT, "low, mid or high (settings tests)"},
    {"names", RP_SETTING_LIST, AT(names), "", 0, 3, NULL, PER_TENANT, "at most 3 names (settings tests)"},
    {"shared", RP_SETTING_INT, AT(shared), "0", 0, 0, NULL, 0, "plugin-wide only (settings tests)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* "label|weight|flag|wait_ms|level|name+name|shared|sleep_ms": what the host
 * parsed, for tests to compare per tenant. */
static char *render(const counter_settings *s)
{
    size_t size = strlen(s->label) + 256;
    for (size_t i = 0; i < s->names.count; i++)
        size += strlen(s->names.items[i]) + 1;
    char *out = malloc(size);
    if (!out)
        return NULL;
    size_t used = (size_t)snprintf(out, size, "%s|%g|%s|%lld|%s|", s->label, s->weight,
                                   s->flag ? "true" : "false", (long long)s->wait_ms, levels[s->level]);
    for (size_t i = 0; i < s->names.count; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "+" : "", s->names.items[i]);
    snprintf(out + used, size - used, "|%lld|%lld", (long long)s->shared, (long long)s->sleep_ms);
    return out;
}

/* A rule across keys (flag needs a label), and a parsed form (rendered). */
static int settings_check(void *settings, const char *tenant, char *err, size_t errlen)
{
    (void)tenant;   /* the host names the tenant in its message */
    counter_settings *s = settings;
    if (s->flag && s->label[0] == '\0') {
        snprintf(err, errlen, "flag = true needs a non-empty label");
        return RP_ERROR;
    }
    s->rendered = render(s);
    if (!s->rendered) {
        snprintf(err, errlen, "out of memory");
        return RP_ERROR;
    }
    return RP_OK;
}

static void settings_release(void *settings)
{
    counter_settings *s = settings;
    free(s->rendered);
    s->rendered = NULL;
}

/* ------------------------------------------------------------ state */

typedef struct counter_state {
    long long calls;            /* on_events calls so far in this process */
    long long timer_calls;      /* on_timers calls so far */
    uint64_t fail_commit_txn;   /* txn_seq whose before_commit must fail (0: none) */
    uint64_t emit_commit_txn;   /* ... or must try to emit */
} counter_state;

static const char *const subscribes[] = {"purchase", "contact", "customer.upsert", NULL};

/* counter.so and counter_span.so share these tables: whichever starts
 * first creates them (hence IF NOT EXISTS, as plugins sharing a contract
 * table do). */
static const rp_migration migrations[] = {
    {1, "CREATE TABLE IF NOT EXISTS counter_log (n bigserial PRIMARY KEY, tenant text, id text,"
        " partition int, pos bigint, kind text, plugin text, call bigint, txn bigint, note text,"
        " settings text);"
        "CREATE TABLE IF NOT EXISTS counter_switch (fail boolean NOT NULL);"
        "INSERT INTO counter_switch SELECT false WHERE NOT EXISTS (SELECT 1 FROM counter_switch)"},
    {0, NULL},
};

static int init(const rp_call *call, void **state)
{
    counter_state *s = calloc(1, sizeof *s);
    if (!s) {
        call->api->fail(call->ctx, "counter: out of memory");
        return RP_ERROR;
    }
    *state = s;
    return RP_OK;
}

static void shutdown_plugin(const rp_call *call)
{
    free(call->state);
}

/* ------------------------------------------------------------ helpers */

static bool data_flag(const rp_call *call, const rp_event *ev, const char *key)
{
    bool flag = false;
    return call->api->view_bool(call->api->view_get(ev->data, key), &flag) && flag;
}

/* A data string as a malloc'd NUL-terminated copy, NULL when absent. */
static char *data_string(const rp_call *call, const rp_event *ev, const char *key)
{
    const char *s;
    size_t n;
    if (!call->api->view_str(call->api->view_get(ev->data, key), &s, &n))
        return NULL;
    return strndup(s, n);
}

static bool switch_on(const rp_call *call)
{
    const rp_host_api *api = call->api;
    rp_rows *rows = api->db_query(call->ctx, "SELECT fail FROM counter_switch", 0, NULL);
    bool on = rows && api->rows_count(rows) == 1 && strcmp(api->rows_value(rows, 0, 0), "t") == 0;
    api->rows_free(rows);
    return on;
}

/* The call's tenant and settings must be the item's: the host's promise. */
static bool same_tenant(const rp_call *call, const char *what, const char *id, const char *tenant)
{
    const rp_host_api *api = call->api;
    if (!call->tenant || !tenant || strcmp(call->tenant, tenant) != 0) {
        api->fail(call->ctx, "counter: %s %s of tenant %s in a call of tenant %s", what, id,
                  tenant ? tenant : "(null)", call->tenant ? call->tenant : "(null)");
        return false;
    }
    const counter_settings *mine = call->settings;
    const counter_settings *theirs = api->settings_of(call->ctx, call->tenant);
    if (!mine || !theirs || strcmp(mine->rendered, theirs->rendered) != 0) {
        api->fail(call->ctx, "counter: call->settings of tenant %s are not settings_of(%s)", call->tenant,
                  call->tenant);
        return false;
    }
    return true;
}

/* Joins an array's strings with '|', or a map's pairs as k=v with ',':
 * one pass with view_iter_init/next, whatever the size. */
static void join_strings(const rp_host_api *api, rp_view v, char *out, size_t size)
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

static void log_joined(const rp_call *call, const rp_event *ev, const char *key)
{
    rp_view v = call->api->view_get(ev->data, key);
    if (!v.ptr)
        return;
    char note[512];
    join_strings(call->api, v, note, sizeof note);
    const char *params[] = {ev->tenant, ev->id, key, COUNTER_NAME, note};
    call->api->db_defer(call->ctx,
                        "INSERT INTO counter_log (tenant, id, kind, plugin, note) VALUES ($1, $2, $3, $4, $5)",
                        5, params);
}

/* ------------------------------------------------------------ events */

/* Sets the event's timer under data.timer_key (in full) or "t:<id>". */
static int set_timer(const rp_call *call, const rp_event *ev, int64_t timer_in)
{
    char *key = data_string(call, ev, "timer_key");
    if (!key) {
        key = malloc(strlen(ev->id) + 3);
        if (key)
            sprintf(key, "t:%s", ev->id);
    }
    if (!key) {
        call->api->fail(call->ctx, "counter: out of memory");
        return RP_ERROR;
    }
    call->api->scope_event(call->ctx, ev);
    int rc = call->api->timer_set(call->ctx, key, ev->ts_ms + timer_in, NULL, NULL, (const uint8_t *)ev->id,
                                  strlen(ev->id));
    free(key);
    return rc;
}

static int set_tenant_timer(const rp_call *call, int64_t due_ms)
{
    char key[40];
    snprintf(key, sizeof key, "sweep:%lld", (long long)due_ms);
    return call->api->tenant_timer_set(call->ctx, key, due_ms, NULL, NULL, (const uint8_t *)"S", 1);
}

static int cancel_timer(const rp_call *call, const rp_event *ev)
{
    char *key = data_string(call, ev, "cancel_key");
    if (!key)
        return RP_OK;
    int rc = call->api->timer_cancel(call->ctx, key);
    free(key);
    return rc;
}

static void log_event(const rp_call *call, const rp_event *ev)
{
    const counter_state *st = call->state;
    const counter_settings *set = call->settings;
    char partition[16], pos[24], calls[24], txn[24];
    snprintf(partition, sizeof partition, "%u", ev->partition);
    snprintf(pos, sizeof pos, "%lld", (long long)ev->pos);
    snprintf(calls, sizeof calls, "%lld", st->calls);
    snprintf(txn, sizeof txn, "%llu", (unsigned long long)call->api->txn_seq(call->ctx));
    const char *params[] = {ev->tenant, ev->id, partition, pos, COUNTER_NAME, calls, txn, set->rendered};
    call->api->db_defer(call->ctx,
                        "INSERT INTO counter_log (tenant, id, partition, pos, kind, plugin, call, txn, settings) "
                        "VALUES ($1, $2, $3, $4, 'event', $5, $6, $7, $8)", 8, params);
}

static int handle(const rp_call *call, const rp_event *ev)
{
    const rp_host_api *api = call->api;
    counter_state *st = call->state;
    if (!same_tenant(call, "event", ev->id, ev->tenant))
        return RP_ERROR;
    log_joined(call, ev, "tags");
    log_joined(call, ev, "attrs");
    if (data_flag(call, ev, "poison") && switch_on(call)) {
        api->fail(call->ctx, "poisoned event %s", ev->id);
        return RP_ERROR;
    }
    if (data_flag(call, ev, "fail_commit"))
        st->fail_commit_txn = api->txn_seq(call->ctx);
    if (data_flag(call, ev, "emit_at_commit"))
        st->emit_commit_txn = api->txn_seq(call->ctx);
    log_event(call, ev);
    int64_t timer_in = 0;
    if (api->view_int(api->view_get(ev->data, "timer_in_ms"), &timer_in) && set_timer(call, ev, timer_in) != RP_OK)
        return RP_ERROR;
    if (cancel_timer(call, ev) != RP_OK)
        return RP_ERROR;
    int64_t sweep_at = 0;
    if (api->view_int(api->view_get(ev->data, "tenant_timer_at"), &sweep_at) &&
        set_tenant_timer(call, sweep_at) != RP_OK)
        return RP_ERROR;
    if (data_flag(call, ev, "scope_other_tenant")) {
        /* An event of another tenant as the scope: the host fails the call
         * (effects must stay in the call's tenant). */
        rp_event other = *ev;
        other.tenant = "someone-else";
        api->scope_event(call->ctx, &other);
    }
    api->scope_event(call->ctx, ev);
    return api->emit(call->ctx, "counter.seen", NULL, NULL, (const uint8_t *)"\x80", 1);
}

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    counter_state *st = call->state;
    const counter_settings *set = call->settings;
    st->calls++;
    if (set->sleep_ms > 0) {
        struct timespec ts = {set->sleep_ms / 1000, (set->sleep_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < count; i++)
        if (handle(call, events[i]) != RP_OK)
            return RP_ERROR;
    return RP_OK;
}

/* ------------------------------------------------------------ timers */

/* A timer whose payload is the id of an event starting with "R" re-arms
 * itself once, one hour later, with the scope inherited from the timer, then
 * keeps reading its borrowed view and scope: re-arming must not pull them
 * out from under the callback. */
static int rearm_once(const rp_call *call, const rp_timer *t)
{
    static const char rearmed[] = "rearmed";
    const rp_host_api *api = call->api;
    if (api->timer_set(call->ctx, t->key, t->due_ms + 3600000, NULL, NULL, (const uint8_t *)rearmed,
                       sizeof rearmed - 1) != RP_OK)
        return RP_ERROR;
    if (t->payload.len == 0 || t->payload.ptr[0] != 'R' || !t->customer || t->customer[0] != 'c') {
        api->fail(call->ctx, "timer %s: its view changed when it re-armed itself", t->key);
        return RP_ERROR;
    }
    return api->emit(call->ctx, "counter.rearmed", NULL, NULL, (const uint8_t *)"\x80", 1);
}

/* A tenant-clock timer: how many of its tenant's events the plugin had
 * handled when it fired. */
static int sweep(const rp_call *call, const rp_timer *t)
{
    const char *params[] = {t->tenant, t->key, COUNTER_NAME};
    if (call->api->db_exec(call->ctx,
                           "INSERT INTO counter_log (tenant, id, kind, plugin, note) "
                           "SELECT $1, $2, 'sweep', $3, count(*)::text FROM counter_log "
                           "WHERE tenant = $1 AND kind = 'event' AND plugin = $3", 3, params) < 0)
        return RP_ERROR;
    return call->api->emit(call->ctx, "counter.sweep", NULL, NULL, (const uint8_t *)"\x80", 1);
}

static int handle_timer(const rp_call *call, const rp_timer *t)
{
    const counter_state *st = call->state;
    const counter_settings *set = call->settings;
    if (!same_tenant(call, "timer", t->key, t->tenant))
        return RP_ERROR;
    if (t->payload.len > 0 && t->payload.ptr[0] == 'P' && switch_on(call)) {
        call->api->fail(call->ctx, "poisoned timer %s", t->key);
        return RP_ERROR;
    }
    char partition[16], due[24], calls[24], txn[24];
    if (t->partition == RP_PARTITION_TENANT_CLOCK)
        snprintf(partition, sizeof partition, "-1");
    else
        snprintf(partition, sizeof partition, "%u", t->partition);
    snprintf(due, sizeof due, "%lld", (long long)t->due_ms);
    snprintf(calls, sizeof calls, "%lld", st->timer_calls);
    snprintf(txn, sizeof txn, "%llu", (unsigned long long)call->api->txn_seq(call->ctx));
    const char *params[] = {t->tenant, t->key, partition, due, COUNTER_NAME, calls, txn, set->rendered};
    if (call->api->db_exec(call->ctx,
                           "INSERT INTO counter_log (tenant, id, partition, pos, kind, plugin, call, txn, settings) "
                           "VALUES ($1, $2, $3, $4, 'timer', $5, $6, $7, $8)", 8, params) < 0)
        return RP_ERROR;
    if (t->payload.len > 0 && t->payload.ptr[0] == 'R')
        return rearm_once(call, t);
    if (t->payload.len > 0 && t->payload.ptr[0] == 'S')
        return sweep(call, t);
    return RP_OK;
}

static int on_timers(const rp_call *call, const rp_timer *const *timers, size_t count)
{
    counter_state *st = call->state;
    st->timer_calls++;
    for (size_t i = 0; i < count; i++) {
        call->api->scope_timer(call->ctx, timers[i]);
        if (handle_timer(call, timers[i]) != RP_OK)
            return RP_ERROR;
    }
    return RP_OK;
}

#ifdef COUNTER_RUNS_SPAN
/* One 'commit' row per transaction, after the rows of its calls. Refuses
 * to commit a transaction that handled a "fail_commit" event while the
 * switch is on; tries to emit in one that handled an "emit_at_commit" event
 * (the host must refuse that, failing the transaction). */
static int before_commit(const rp_call *call)
{
    const counter_state *st = call->state;
    const rp_host_api *api = call->api;
    uint64_t txn_seq = api->txn_seq(call->ctx);
    if (st->emit_commit_txn == txn_seq && switch_on(call)
        && api->emit(call->ctx, "counter.commit", "c00", NULL, (const uint8_t *)"\x80", 1) != RP_OK)
        return RP_ERROR;
    if (st->fail_commit_txn == txn_seq && switch_on(call)) {
        api->fail(call->ctx, "commit refused in transaction %llu", (unsigned long long)st->fail_commit_txn);
        return RP_ERROR;
    }
    char txn[24];
    snprintf(txn, sizeof txn, "%llu", (unsigned long long)txn_seq);
    const char *params[] = {COUNTER_NAME, txn};
    return api->db_exec(call->ctx, "INSERT INTO counter_log (kind, plugin, txn) VALUES ('commit', $1, $2)",
                        2, params) < 0 ? RP_ERROR : RP_OK;
}
#endif

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = COUNTER_NAME,
    .subscribes = subscribes,
    .migrations = migrations,
    .settings = settings_table,
    .settings_size = sizeof(counter_settings),
    .settings_check = settings_check,
    .settings_release = settings_release,
    .init = init,
    .on_events = on_events,
    .on_timers = on_timers,
#ifdef COUNTER_RUNS_SPAN
    .before_commit = before_commit,
#endif
    .shutdown = shutdown_plugin,
    .flags = COUNTER_FLAGS,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
