/*
 * example.c - the smallest useful Rapport plugin, written to be copied.
 *
 * It counts events per customer and type in the table example_counts and
 * shows the three things every real plugin does:
 *
 *   1. batch work: a run of events becomes ONE upsert (unnest of arrays), not
 *      one statement per event, so it keeps up with the broker;
 *   2. derived events: the first event ever seen from a customer emits
 *      `example.first_seen` (only when the upsert really inserted the row, so
 *      a retried transaction never emits twice);
 *   3. durable timers: with follow_up set (e.g. "7d"), each purchase sets a
 *      timer that fires once, in the customer's partition, and emits
 *      `example.follow_up`.
 *
 * Everything it does runs inside the transaction the host commits together
 * with the plugin's progress: effects happen exactly once.
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rapport/plugin.h"
#include "rp_pgarray.h"
#include "rp_tenant_runs.h"

static const rp_host_api *api;

static const char *const subscribes[] = {"customer.upsert", "purchase", "refund", "contact", NULL};

static const rp_config_key config[] = {
    {"follow_up", RP_CONFIG_DURATION, "0s",
     "after each purchase, emit example.follow_up this long after it (0s = off)"},
    {NULL, 0, NULL, NULL},
};

static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS example_counts ("
    " tenant text NOT NULL, customer text NOT NULL, type text NOT NULL,"
    " partition integer NOT NULL, count bigint NOT NULL, last_ts_ms bigint NOT NULL,"
    " PRIMARY KEY (tenant, customer, type))",
    NULL,
};

static int init(rp_ctx *ctx, const rp_host_api *host)
{
    api = host;
    api->log(ctx, RP_LOG_INFO, "example plugin ready");
    return RP_OK;
}

static int emit_first_seen(rp_ctx *ctx, const rp_event *ev)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str(&pk, 10);
    msgpack_pack_str_body(&pk, "first_type", 10);
    msgpack_pack_str(&pk, strlen(ev->type));
    msgpack_pack_str_body(&pk, ev->type, strlen(ev->type));
    api->scope_event(ctx, ev);
    int rc = api->emit(ctx, "example.first_seen", NULL, NULL, (const uint8_t *)sbuf.data, sbuf.size);
    msgpack_sbuffer_destroy(&sbuf);
    return rc;
}

/* Customers with no row yet, among those in the run: one query per run.
 * Each is news once, with its first event of the run: the query returns
 * that event's place in the array (1-based), in the order of the run. */
static int emit_new_customers(rp_ctx *ctx, const rp_event *const *events, size_t count, const char *customers)
{
    const char *params[] = {events[0]->tenant, customers};
    rp_rows *rows = api->db_query(ctx,
        "SELECT min(i) FROM unnest($2::text[]) WITH ORDINALITY AS u(c, i) WHERE NOT EXISTS "
        "(SELECT 1 FROM example_counts WHERE tenant = $1 AND customer = c) GROUP BY c ORDER BY 1", 2, params);
    if (!rows)
        return RP_ERROR;
    int rc = RP_OK;
    for (int r = 0; r < api->rows_count(rows) && rc == RP_OK; r++) {
        long place = strtol(api->rows_value(rows, r, 0), NULL, 10);
        if (place < 1 || (size_t)place > count) {
            api->fail(ctx, "example: new customer at place %ld of a run of %zu", place, count);
            rc = RP_ERROR;
        } else {
            rc = emit_first_seen(ctx, events[place - 1]);
        }
    }
    api->rows_free(rows);
    return rc;
}

static int set_follow_up(rp_ctx *ctx, const rp_event *ev)
{
    int64_t delay = api->config_duration_ms(ctx, "follow_up");
    if (delay <= 0 || strcmp(ev->type, "purchase") != 0)
        return RP_OK;
    char key[300];
    snprintf(key, sizeof key, "follow_up:%s", ev->id);
    api->scope_event(ctx, ev);
    return api->timer_set(ctx, ev->tenant, key, ev->ts_ms + delay, ev->customer, NULL,
                          (const uint8_t *)ev->id, strlen(ev->id));
}

static const char UPSERT_COUNTS_SQL[] =
    "INSERT INTO example_counts AS c (tenant, customer, type, partition, count, last_ts_ms) "
    "SELECT $1, customer, type, partition, count(*), max(ts) "
    "FROM unnest($2::text[], $3::text[], $4::bigint[], $5::int[]) AS u(customer, type, ts, partition) "
    "GROUP BY customer, type, partition "
    "ON CONFLICT (tenant, customer, type) DO UPDATE SET count = c.count + excluded.count, "
    "last_ts_ms = greatest(c.last_ts_ms, excluded.last_ts_ms)";

/* One tenant's stretch of the run: its columns as array literals
 * (plugins/common/rp_pgarray.h: they grow as needed, so no key is ever cut
 * short), the new customers' derived events, one upsert, the timers. */
static bool handle_tenant(rp_ctx *ctx, void *state, const rp_event *const *events, size_t n)
{
    (void)state;
    rp_pgarray customers = {0}, types = {0}, ts = {0}, parts = {0};
    for (size_t i = 0; i < n; i++) {
        rp_pgarray_add(&customers, events[i]->customer);
        rp_pgarray_add(&types, events[i]->type);
        rp_pgarray_add_int(&ts, events[i]->ts_ms);
        rp_pgarray_add_int(&parts, events[i]->partition);
    }
    const char *params[] = {events[0]->tenant, rp_pgarray_finish(&customers), rp_pgarray_finish(&types),
                            rp_pgarray_finish(&ts), rp_pgarray_finish(&parts)};
    int rc = RP_OK;
    if (!params[1] || !params[2] || !params[3] || !params[4]) {
        api->fail(ctx, "example: out of memory building a run of %zu events", n);
        rc = RP_ERROR;
    }
    if (rc == RP_OK)
        rc = emit_new_customers(ctx, events, n, params[1]);
    if (rc == RP_OK && api->db_exec(ctx, UPSERT_COUNTS_SQL, 5, params) < 0)
        rc = RP_ERROR;
    for (size_t i = 0; rc == RP_OK && i < n; i++)
        rc = set_follow_up(ctx, events[i]);
    rp_pgarray_free(&customers);
    rp_pgarray_free(&types);
    rp_pgarray_free(&ts);
    rp_pgarray_free(&parts);
    return rc == RP_OK;
}

/* A run may mix tenants: each stretch of one tenant is handled on its own
 * (plugins/common/rp_tenant_runs.h). */
static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    return rp_each_tenant_run(ctx, events, count, handle_tenant, NULL);
}

static int on_timer(rp_ctx *ctx, const rp_timer *timer)
{
    /* The payload is the purchase's id; the derived event names it. */
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str(&pk, 8);
    msgpack_pack_str_body(&pk, "purchase", 8);
    msgpack_pack_str(&pk, timer->payload.len);
    msgpack_pack_str_body(&pk, timer->payload.ptr, timer->payload.len);
    int rc = api->emit(ctx, "example.follow_up", NULL, NULL, (const uint8_t *)sbuf.data, sbuf.size);
    msgpack_sbuffer_destroy(&sbuf);
    return rc;
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "example",
    .version = "1.0.0",
    .description = "Counts events per customer and type; the plugin to copy when writing your own.",
    .subscribes = subscribes,
    .config = config,
    .schema_sql = schema,
    .init = init,
    .on_events = on_events,
    .on_timer = on_timer,
    /* on_events groups by tenant and gives every row its event's partition,
     * so a run may mix partitions: one statement per batch, not per partition. */
    .flags = RP_PLUGIN_RUNS_SPAN_PARTITIONS,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
