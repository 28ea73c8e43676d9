/*
 * example.c - a small but complete Rapport plugin (ABI 2), written to be
 * copied. It has the shape of the five bundled plugins: settings in a typed
 * table, state returned from init, numbered migrations, one tenant per call,
 * derived events built with the SDK's msgpack writer, durable timers.
 *
 * What it does: it counts events per customer and type in example_counts;
 * a customer's first event (or first purchase, with first_seen = purchase)
 * emits `example.first_seen`; with follow_up set (e.g. "7d", per tenant),
 * each purchase arms a timer that emits `example.follow_up` that long after
 * it, follow_ups times in all.
 *
 * Everything a callback does through the host API (SQL, derived events,
 * timers) runs in the transaction the host commits together with the
 * plugin's progress, so each event's effects happen exactly once even if the
 * broker dies at any instant. That is why the truth lives in the database
 * and not in the plugin's memory: a rolled-back transaction is retried, and
 * whatever the callback had changed in memory is not rolled back with it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rapport/plugin.h"
#include "rapport/rp_mpout.h"   /* the plugin SDK (pkg-config rapport-plugin): msgpack writer */
#include "rapport/rp_pgarray.h" /* ... and PostgreSQL array literals: one statement per run */

#define PLUGIN "example"

/* ------------------------------------------------------------------------
 * Settings. The host parses every key of this table, plugin-wide and per
 * tenant, into a struct of ours before anything runs, and refuses to start
 * on a bad value naming the key, the tenant and the value. So a callback
 * never parses, checks or caches a setting: it reads call->settings, the
 * finished struct of the call's tenant.
 * ---------------------------------------------------------------------- */

/* Which customers example.first_seen announces. */
enum { FIRST_SEEN_ANY, FIRST_SEEN_PURCHASE, FIRST_SEEN_OFF };
static const char *const first_seen_choices[] = {"any", "purchase", "off", NULL};

typedef struct example_settings {
    int64_t follow_up_ms;   /* DURATION: ms, 0 = off */
    int64_t follow_ups;     /* INT */
    int first_seen;         /* ENUM: index into first_seen_choices */
} example_settings;

#define DAY_MS 86400000.0

/* RP_SETTING_PER_TENANT marks the keys a tenant may override with
 * `--plugin.example.TENANT.KEY=VALUE` (or `TENANT.KEY = VALUE` in
 * [plugin.example]); an override of any other key refuses the start.
 * first_seen is plugin-wide on purpose: it changes what example.first_seen
 * means, and a consumer of the derived events should not have to know
 * which tenant runs which meaning. */
static const rp_setting settings_table[] = {
    {"follow_up", RP_SETTING_DURATION, offsetof(example_settings, follow_up_ms), "0s", 0, 90 * DAY_MS, NULL,
     RP_SETTING_PER_TENANT, "after each purchase, emit example.follow_up this long after it (0s = off)"},
    {"follow_ups", RP_SETTING_INT, offsetof(example_settings, follow_ups), "1", 1, 5, NULL,
     RP_SETTING_PER_TENANT, "how many follow-ups per purchase, follow_up apart"},
    {"first_seen", RP_SETTING_ENUM, offsetof(example_settings, first_seen), "any", 0, 0, first_seen_choices, 0,
     "which customers example.first_seen announces: any new customer, a customer's first purchase, or none"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* Rules across keys, which a range on one key cannot express. The host runs
 * this on every struct it fills (tenant NULL for the plugin-wide one) and
 * adds the plugin and tenant to our message, so it names the keys and the
 * values. A plugin whose settings need parsing beyond the table (a list of
 * pairs, a budget) parses them here into extra fields of the struct and
 * frees them in settings_release; this one has nothing to free. */
static int settings_check(void *settings, const char *tenant, char *err, size_t errlen)
{
    (void)tenant;
    const example_settings *s = settings;
    if ((double)s->follow_up_ms * (double)s->follow_ups > 365 * DAY_MS) {
        snprintf(err, errlen, "follow_up = %lldms times follow_ups = %lld exceeds one year",
                 (long long)s->follow_up_ms, (long long)s->follow_ups);
        return RP_ERROR;
    }
    return RP_OK;
}

/* ------------------------------------------------------------------------
 * Schema. The host applies the steps a database has not recorded yet, once
 * each, and records them in plugin_migrations. Never edit a released step:
 * add {2, "ALTER TABLE ..."} below it. (IF NOT EXISTS in step 1 only lets a
 * database created by the ABI 1 example, which had no migrations, upgrade in
 * place.)
 * ---------------------------------------------------------------------- */

static const rp_migration migrations[] = {
    {1, "CREATE TABLE IF NOT EXISTS example_counts ("
        " tenant text NOT NULL, customer text NOT NULL, type text NOT NULL,"
        " partition integer NOT NULL, count bigint NOT NULL, last_ts_ms bigint NOT NULL,"
        " PRIMARY KEY (tenant, customer, type))"},
    {0, NULL},
};

/* ------------------------------------------------------------------------
 * State. init returns it and the host hands it back in every call
 * (call->state), with the host API (call->api) and the call's context
 * (call->ctx): a plugin needs no global, so nothing is shared between two
 * loads of it. Keep in it only what may be lost or rebuilt from the
 * database (see api->txn_seq): a transaction can roll back after a callback
 * changed it. This one only counts handled events, retries included, for a
 * log line at shutdown.
 * ---------------------------------------------------------------------- */

typedef struct example_state {
    uint64_t events_handled;
} example_state;

static int init(const rp_call *call, void **state)
{
    example_state *st = calloc(1, sizeof *st);
    if (!st) {
        call->api->fail(call->ctx, PLUGIN ": out of memory");
        return RP_ERROR;
    }
    *state = st;
    call->api->log(call->ctx, RP_LOG_INFO, "example plugin ready");
    return RP_OK;
}

static void shutdown_plugin(const rp_call *call)
{
    example_state *st = call->state;
    call->api->log(call->ctx, RP_LOG_INFO, "example plugin handled %llu events (with retries)",
                   (unsigned long long)st->events_handled);
    free(st);
}

/* ------------------------------------------------------------------------
 * Events. The host hands over a run of ONE tenant (call->tenant) with that
 * tenant's settings; emits and timers are that tenant's. So the statements
 * below bind call->tenant once, and keys need no tenant in them.
 * ---------------------------------------------------------------------- */

static const char *const subscribes[] = {"customer.upsert", "purchase", "refund", "contact", NULL};

/* {"first_type": <type>}: rp_mpout builds the map and emits it, or fails
 * the call once if memory ran out while packing. */
static int emit_first_seen(const rp_call *call, const rp_event *ev)
{
    rp_mpout o;
    rp_mpout_open_map(&o, 1);
    rp_mpout_kv_str(&o, "first_type", ev->type);
    call->api->scope_event(call->ctx, ev);   /* cause, time and customer of the derived event */
    return rp_mpout_emit(&o, call->ctx, call->api, PLUGIN, "example.first_seen", NULL, NULL) ? RP_OK : RP_ERROR;
}

/* Customers of the run that are news, with the place (1-based) of the event
 * that makes them so, in run order: one query per run, not per event. With
 * first_seen = purchase only purchases count, on both sides. */
static const char NEW_CUSTOMERS_SQL[] =
    "SELECT min(i) FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(c, t, i) "
    "WHERE ($4 = '' OR t = $4) AND NOT EXISTS (SELECT 1 FROM example_counts "
    "WHERE tenant = $1 AND customer = c AND ($4 = '' OR type = $4)) GROUP BY c ORDER BY 1";

static int emit_new_customers(const rp_call *call, const rp_event *const *events, size_t count,
                              const char *customers, const char *types)
{
    const example_settings *set = call->settings;
    if (set->first_seen == FIRST_SEEN_OFF)
        return RP_OK;
    const char *only = set->first_seen == FIRST_SEEN_PURCHASE ? "purchase" : "";
    const char *params[] = {call->tenant, customers, types, only};
    const rp_host_api *api = call->api;
    rp_rows *rows = api->db_query(call->ctx, NEW_CUSTOMERS_SQL, 4, params);
    if (!rows)
        return RP_ERROR;
    int rc = RP_OK;
    for (int r = 0; r < api->rows_count(rows) && rc == RP_OK; r++) {
        long place = strtol(api->rows_value(rows, r, 0), NULL, 10);
        if (place < 1 || (size_t)place > count) {
            api->fail(call->ctx, PLUGIN ": new customer at place %ld of a run of %zu", place, count);
            rc = RP_ERROR;
        } else {
            rc = emit_first_seen(call, events[place - 1]);
        }
    }
    api->rows_free(rows);
    return rc;
}

/* The follow-up timer's payload: which purchase, and which follow-up. */
static bool follow_up_payload(rp_mpout *o, const char *purchase, int64_t n)
{
    rp_mpout_open_map(o, 2);
    rp_mpout_kv_str(o, "purchase", purchase);
    rp_mpout_kv_int(o, "n", n);
    return !o->oom;
}

/* Keys are unique per plugin and tenant, and stored in full (up to
 * limits.timer_key_max_bytes, 1024 by default). "follow_up:" + an event id
 * (at most 128 bytes) always fits, so the key is built whole; never cut a
 * key short (two purchases would share one timer). A key built from
 * unbounded data (an order_id may have 64 KiB) must instead be a 128-bit or
 * better digest of it, documented as such. */
static char *follow_up_key(const char *purchase_id)
{
    static const char prefix[] = "follow_up:";
    char *key = malloc(sizeof prefix + strlen(purchase_id));
    if (key)
        sprintf(key, "%s%s", prefix, purchase_id);
    return key;
}

/* Arms (or, with the same key, re-arms) follow-up n of a purchase. */
static int arm_follow_up(const rp_call *call, const char *purchase_id, int64_t due_ms, int64_t n)
{
    rp_mpout payload;
    bool packed = follow_up_payload(&payload, purchase_id, n);
    char *key = follow_up_key(purchase_id);
    int rc = RP_ERROR;
    if (packed && key)
        rc = call->api->timer_set(call->ctx, key, due_ms, NULL, NULL, (const uint8_t *)payload.sb.data,
                                  payload.sb.size);
    else
        call->api->fail(call->ctx, PLUGIN ": out of memory arming a follow-up");
    rp_mpout_free(&payload);
    free(key);
    return rc;
}

static int set_follow_ups(const rp_call *call, const rp_event *const *events, size_t count)
{
    const example_settings *set = call->settings;
    if (set->follow_up_ms <= 0)
        return RP_OK;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(events[i]->type, "purchase") != 0)
            continue;
        call->api->scope_event(call->ctx, events[i]);   /* the timer fires in this customer's partition */
        if (arm_follow_up(call, events[i]->id, events[i]->ts_ms + set->follow_up_ms, 1) != RP_OK)
            return RP_ERROR;
    }
    return RP_OK;
}

static const char UPSERT_COUNTS_SQL[] =
    "INSERT INTO example_counts AS c (tenant, customer, type, partition, count, last_ts_ms) "
    "SELECT $1, customer, type, partition, count(*), max(ts) "
    "FROM unnest($2::text[], $3::text[], $4::bigint[], $5::int[]) AS u(customer, type, ts, partition) "
    "GROUP BY customer, type, partition "
    "ON CONFLICT (tenant, customer, type) DO UPDATE SET count = c.count + excluded.count, "
    "last_ts_ms = greatest(c.last_ts_ms, excluded.last_ts_ms)";

/* The run's columns as array literals (they grow as needed, so no key is
 * ever cut short); the new customers' derived events before the upsert
 * that makes them known; one upsert; the timers. */
static int count_run(const rp_call *call, const rp_event *const *events, size_t count)
{
    rp_pgarray customers = {0}, types = {0}, ts = {0}, parts = {0};
    for (size_t i = 0; i < count; i++) {
        rp_pgarray_add(&customers, events[i]->customer);
        rp_pgarray_add(&types, events[i]->type);
        rp_pgarray_add_int(&ts, events[i]->ts_ms);
        rp_pgarray_add_int(&parts, events[i]->partition);
    }
    const char *params[] = {call->tenant, rp_pgarray_finish(&customers), rp_pgarray_finish(&types),
                            rp_pgarray_finish(&ts), rp_pgarray_finish(&parts)};
    int rc = RP_OK;
    if (!params[1] || !params[2] || !params[3] || !params[4]) {
        call->api->fail(call->ctx, PLUGIN ": out of memory building a run of %zu events", count);
        rc = RP_ERROR;
    }
    if (rc == RP_OK)
        rc = emit_new_customers(call, events, count, params[1], params[2]);
    if (rc == RP_OK && call->api->db_exec(call->ctx, UPSERT_COUNTS_SQL, 5, params) < 0)
        rc = RP_ERROR;
    if (rc == RP_OK)
        rc = set_follow_ups(call, events, count);
    rp_pgarray_free(&customers);
    rp_pgarray_free(&types);
    rp_pgarray_free(&ts);
    rp_pgarray_free(&parts);
    return rc;
}

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    example_state *st = call->state;
    st->events_handled += count;
    return count ? count_run(call, events, count) : RP_OK;
}

/* ------------------------------------------------------------------------
 * Timers. Due timers of one tenant, in due order. Each is spent with this
 * transaction; timer_set on its own key arms it again.
 * ---------------------------------------------------------------------- */

static int handle_follow_up(const rp_call *call, const rp_timer *t)
{
    const rp_host_api *api = call->api;
    const example_settings *set = call->settings;   /* the tenant's settings now, not when armed */
    const char *purchase;
    size_t len;
    int64_t n;
    if (!api->view_str(api->view_get(t->payload, "purchase"), &purchase, &len)
        || !api->view_int(api->view_get(t->payload, "n"), &n)) {
        api->fail(call->ctx, PLUGIN ": timer %s has no purchase/n payload", t->key);
        return RP_ERROR;
    }
    char *purchase_id = strndup(purchase, len);   /* view strings are not NUL-terminated */
    if (!purchase_id) {
        api->fail(call->ctx, PLUGIN ": out of memory");
        return RP_ERROR;
    }
    rp_mpout o;
    rp_mpout_open_map(&o, 2);
    rp_mpout_kv_str(&o, "purchase", purchase_id);
    rp_mpout_kv_int(&o, "n", n);
    api->scope_timer(call->ctx, t);   /* cause "timer:<key>", the timer's scope and due time */
    int rc = rp_mpout_emit(&o, call->ctx, api, PLUGIN, "example.follow_up", NULL, NULL) ? RP_OK : RP_ERROR;
    if (rc == RP_OK && n < set->follow_ups && set->follow_up_ms > 0)
        rc = arm_follow_up(call, purchase_id, t->due_ms + set->follow_up_ms, n + 1);
    free(purchase_id);
    return rc;
}

static int on_timers(const rp_call *call, const rp_timer *const *timers, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (handle_follow_up(call, timers[i]) != RP_OK)
            return RP_ERROR;
    return RP_OK;
}

/* ------------------------------------------------------------------------
 * The descriptor: the only thing the host looks up (rapport_plugin_entry).
 * ---------------------------------------------------------------------- */

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = PLUGIN,
    .version = "2.0.0",
    .description = "Counts events per customer and type; the plugin to copy when writing your own.",
    .subscribes = subscribes,
    .migrations = migrations,
    .settings = settings_table,
    .settings_size = sizeof(example_settings),
    .settings_check = settings_check,
    .init = init,
    .on_events = on_events,
    .on_timers = on_timers,
    .shutdown = shutdown_plugin,
    /* Every row carries its own event's partition, so a run may mix
     * partitions: one statement per batch instead of one per partition. */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
