/*
 * host_api.c - the rp_host_api table every plugin receives.
 *
 * Each function works on the rp_ctx of the calling plugin; the scope fields
 * of the ctx (tenant, customer, partition, cause, now) are set by the worker
 * before each callback. Errors from the database mark the callback as failed
 * (ctx->failed) so the worker rolls back even if the plugin forgets to.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localtime.h"
#include "log.h"
#include "partition.h"
#include "plugin_host.h"
#include "view.h"

static rp_level level_of(rp_log_level level)
{
    switch (level) {
    case RP_LOG_DEBUG: return RP_DEBUG;
    case RP_LOG_WARN: return RP_WARN;
    case RP_LOG_ERROR: return RP_ERR;
    default: return RP_INFO;
    }
}

static void api_log(rp_ctx *ctx, rp_log_level level, const char *fmt, ...)
{
    if (!rp_log_enabled(level_of(level)))
        return;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (ctx->call_tenant)
        rp_log(level_of(level), "plugin", message, "plugin=%s tenant=%s", ctx->host->name, ctx->call_tenant);
    else
        rp_log(level_of(level), "plugin", message, "plugin=%s", ctx->host->name);
}

static void api_fail(rp_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->error, sizeof ctx->error, fmt, ap);
    va_end(ap);
    ctx->failed = true;
}

static void fail_db(rp_ctx *ctx, const char *what, const char *message)
{
    if (ctx->failed)
        return;
    snprintf(ctx->error, sizeof ctx->error, "%s: %s", what, message ? message : "database error");
    char *nl = strchr(ctx->error, '\n');
    if (nl)
        *nl = '\0';
    ctx->failed = true;
}

static int64_t api_now_ms(rp_ctx *ctx)
{
    return ctx->scope.now_ms;
}

/* ---------------------------------------------------------------- SQL */

struct rp_rows {
    PGresult *res;
};

static bool flush_before_statement(rp_ctx *ctx)
{
    char err[512];
    if (rp_fx_flush_deferred(&ctx->fx, ctx->db, err, sizeof err))
        return true;
    fail_db(ctx, "deferred statement failed", err);
    return false;
}

static int64_t api_db_exec(rp_ctx *ctx, const char *sql, int nparams, const char *const *params)
{
    if (ctx->failed || !flush_before_statement(ctx))
        return -1;
    PGresult *res = PQexecParams(ctx->db, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);
    int64_t affected = -1;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        affected = strtoll(PQcmdTuples(res), NULL, 10);
    else
        fail_db(ctx, "statement failed", PQresultErrorMessage(res));
    PQclear(res);
    return affected;
}

static rp_rows *api_db_query(rp_ctx *ctx, const char *sql, int nparams, const char *const *params)
{
    if (ctx->failed || !flush_before_statement(ctx))
        return NULL;
    PGresult *res = PQexecParams(ctx->db, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        fail_db(ctx, "query failed", PQresultErrorMessage(res));
        PQclear(res);
        return NULL;
    }
    rp_rows *rows = malloc(sizeof *rows);
    if (!rows) {
        PQclear(res);
        fail_db(ctx, "query failed", "out of memory");
        return NULL;
    }
    rows->res = res;
    return rows;
}

static int api_db_defer(rp_ctx *ctx, const char *sql, int nparams, const char *const *params)
{
    if (ctx->failed)
        return RP_ERROR;
    if (!rp_fx_defer(&ctx->fx, sql, nparams, params)) {
        fail_db(ctx, "defer failed", "out of memory");
        return RP_ERROR;
    }
    return RP_OK;
}

static int api_rows_count(const rp_rows *rows)
{
    return rows ? PQntuples(rows->res) : 0;
}

static const char *api_rows_value(const rp_rows *rows, int row, int col)
{
    if (!rows || row < 0 || col < 0 || row >= PQntuples(rows->res) || col >= PQnfields(rows->res))
        return NULL;
    if (PQgetisnull(rows->res, row, col))
        return NULL;
    return PQgetvalue(rows->res, row, col);
}

static void api_rows_free(rp_rows *rows)
{
    if (!rows)
        return;
    PQclear(rows->res);
    free(rows);
}

/* ---------------------------------------------------------------- scope */

void rp_ctx_scope_event(rp_ctx *ctx, const rp_event *ev)
{
    ctx->scope.tenant = ev->tenant;
    ctx->scope.customer = ev->customer;
    ctx->scope.org = ev->org;
    ctx->scope.cause = ev->id;
    ctx->scope.partition = ev->partition;
    if (ctx->host->broker->clock.mode == RP_CLOCK_EVENT)
        ctx->scope.now_ms = ev->ts_ms;
}

static void api_scope_event(rp_ctx *ctx, const rp_event *ev)
{
    if (!ev)
        return;
    /* An event of another tenant would move this call's emits and timers
     * into that tenant: refused, so a plugin cannot write across tenants. */
    if (!ctx->call_tenant || strcmp(ev->tenant, ctx->call_tenant) != 0) {
        api_fail(ctx, "scope_event: event %s of tenant %s is not of this call's tenant %s", ev->id, ev->tenant,
                 ctx->call_tenant ? ctx->call_tenant : "(none: outside on_events)");
        return;
    }
    rp_ctx_scope_event(ctx, ev);
    ctx->scope_set = true;
}

void rp_ctx_scope_timer_at(rp_ctx *ctx, size_t i)
{
    const rp_timer *t = ctx->timer_run[i];
    ctx->scope.tenant = t->tenant;
    ctx->scope.customer = t->customer;
    ctx->scope.org = t->org;
    ctx->scope.cause = ctx->timer_causes[i];
    ctx->scope.partition = t->partition;
    if (ctx->host->broker->clock.mode == RP_CLOCK_EVENT)
        ctx->scope.now_ms = t->due_ms;
}

static void api_scope_timer(rp_ctx *ctx, const rp_timer *timer)
{
    for (size_t i = 0; timer && i < ctx->timer_run_count; i++) {
        if (ctx->timer_run[i] == timer) {
            rp_ctx_scope_timer_at(ctx, i);
            ctx->scope_set = true;
            return;
        }
    }
    /* Not one of this call's timers (a copy, or outside on_timers): keep
     * the scope rather than point it at memory the host does not own. */
}

static bool same_text(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* A plugin handling several timers without scope_timer(): attribute the
 * effect to the call's latest timer of the named customer/org, else to its
 * last timer. */
static void infer_timer_scope(rp_ctx *ctx, const char *customer, const char *org)
{
    size_t chosen = ctx->timer_run_count - 1;
    for (size_t i = ctx->timer_run_count; i-- > 0;) {
        const rp_timer *t = ctx->timer_run[i];
        if ((customer && same_text(t->customer, customer)) || (org && same_text(t->org, org))) {
            chosen = i;
            break;
        }
    }
    rp_ctx_scope_timer_at(ctx, chosen);
}

/* A plugin handling a run without scope_event(): attribute the effect to the
 * run's latest event of the named customer/org, else to the run's last event. */
static void infer_scope(rp_ctx *ctx, const char *customer, const char *org)
{
    if (ctx->scope_set)
        return;
    if (ctx->timer_run_count > 0) {
        infer_timer_scope(ctx, customer, org);
        return;
    }
    if (ctx->run_count == 0)
        return;
    const rp_event *chosen = ctx->run[ctx->run_count - 1];
    for (size_t i = ctx->run_count; i-- > 0;) {
        const rp_event *ev = ctx->run[i];
        if ((customer && same_text(ev->customer, customer)) || (org && same_text(ev->org, org))) {
            chosen = ev;
            break;
        }
    }
    rp_ctx_scope_event(ctx, chosen);
}

/* ---------------------------------------------------------------- emit, timers */

static bool valid_name(const char *s)
{
    return s && *s && strlen(s) <= 128;
}

/* before_commit handles no event or timer, so an emit or a timer would have
 * no cause, scope or time to carry. */
static bool refused_while_committing(rp_ctx *ctx, const char *what)
{
    if (!ctx->committing)
        return false;
    api_fail(ctx, "%s: not allowed in before_commit (only db_* is)", what);
    return true;
}

static int api_emit(rp_ctx *ctx, const char *type, const char *customer, const char *org,
                    const uint8_t *data, size_t len)
{
    const rp_limits *limits = &ctx->host->broker->cfg->limits;
    rp_view view = rp_view_of(data, len);
    if (refused_while_committing(ctx, "emit"))
        return RP_ERROR;
    if (!valid_name(type)) {
        api_fail(ctx, "emit: type must be a non-empty string of at most 128 bytes");
        return RP_ERROR;
    }
    if (rp_view_kind_of(view) != RP_VIEW_MAP || view.len != len) {
        api_fail(ctx, "emit %s: data must be exactly one msgpack map (%zu bytes given)", type, len);
        return RP_ERROR;
    }
    if (len > limits->emit_max_bytes) {
        api_fail(ctx, "emit %s: data of %zu bytes exceeds limits.emit_max_bytes=%zu", type, len,
                 limits->emit_max_bytes);
        return RP_ERROR;
    }
    if (ctx->fx.emit_count >= limits->max_emits_per_txn) {
        api_fail(ctx, "emit %s: more than limits.max_emits_per_txn=%zu derived events in one transaction",
                 type, limits->max_emits_per_txn);
        return RP_ERROR;
    }
    infer_scope(ctx, customer, org);
    if (!ctx->call_tenant) {
        api_fail(ctx, "emit %s: only allowed while handling an event or a timer", type);
        return RP_ERROR;
    }
    bool explicit_scope = customer || org;
    if (!rp_fx_emit(&ctx->fx, type, ctx->call_tenant,
                    explicit_scope ? customer : ctx->scope.customer,
                    explicit_scope ? org : ctx->scope.org, ctx->scope.cause,
                    ctx->scope.now_ms, data, len)) {
        api_fail(ctx, "emit %s: out of memory", type);
        return RP_ERROR;
    }
    return RP_OK;
}

static uint32_t partition_for(rp_ctx *ctx, const char *tenant, const char *scope_key)
{
    return rp_partition_of(tenant, strlen(tenant), scope_key, scope_key ? strlen(scope_key) : 0,
                           ctx->host->broker->cfg->partitions);
}

/* Timers belong to the call's tenant; outside a tenant's call (init,
 * before_commit) there is none to give them. */
static const char *timer_tenant(rp_ctx *ctx, const char *what, const char *key)
{
    const rp_limits *limits = &ctx->host->broker->cfg->limits;
    if (refused_while_committing(ctx, what))
        return NULL;
    if (!ctx->call_tenant) {
        api_fail(ctx, "%s: only inside on_events or on_timers (a timer belongs to the call's tenant)", what);
        return NULL;
    }
    size_t len = key ? strlen(key) : 0;
    if (len == 0 || len > limits->timer_key_max_bytes) {
        api_fail(ctx, "%s: key of %zu bytes; a timer key must have 1..%zu bytes (limits.timer_key_max_bytes)",
                 what, len, limits->timer_key_max_bytes);
        return NULL;
    }
    return ctx->call_tenant;
}

static int api_timer_set(rp_ctx *ctx, const char *key, int64_t due_ms, const char *customer, const char *org,
                         const uint8_t *payload, size_t len)
{
    const char *tenant = timer_tenant(ctx, "timer_set", key);
    if (!tenant)
        return RP_ERROR;
    if (len > ctx->host->broker->cfg->limits.emit_max_bytes) {
        api_fail(ctx, "timer_set: payload of %zu bytes exceeds limits.emit_max_bytes", len);
        return RP_ERROR;
    }
    infer_scope(ctx, customer, org);
    if (!customer && !org) {
        customer = ctx->scope.customer;
        org = ctx->scope.org;
    }
    /* A timer without a scope, set while handling a tenant-wide event or a
     * tenant-clock timer, stays where that item was (the tenant-wide
     * event's partition; the tenant lane). */
    uint32_t partition = customer ? partition_for(ctx, tenant, customer)
                         : org    ? partition_for(ctx, tenant, org)
                                  : ctx->scope.partition;
    if (!rp_fx_timer_set(&ctx->fx, tenant, key, partition, due_ms, customer, org,
                         payload ? payload : (const uint8_t *)"", payload ? len : 0)) {
        api_fail(ctx, "timer_set: out of memory");
        return RP_ERROR;
    }
    return RP_OK;
}

/* A timer of the tenant lane: the worker fires it on the tenant clock
 * (dispatch.c), whatever partition the call came from. customer and org
 * are only the scope its emits inherit. */
static int api_tenant_timer_set(rp_ctx *ctx, const char *key, int64_t due_ms, const char *customer,
                                const char *org, const uint8_t *payload, size_t len)
{
    const char *tenant = timer_tenant(ctx, "tenant_timer_set", key);
    if (!tenant)
        return RP_ERROR;
    if (len > ctx->host->broker->cfg->limits.emit_max_bytes) {
        api_fail(ctx, "tenant_timer_set: payload of %zu bytes exceeds limits.emit_max_bytes", len);
        return RP_ERROR;
    }
    if (!rp_fx_timer_set(&ctx->fx, tenant, key, RP_TENANT_LANE, due_ms, customer, org,
                         payload ? payload : (const uint8_t *)"", payload ? len : 0)) {
        api_fail(ctx, "tenant_timer_set: out of memory");
        return RP_ERROR;
    }
    return RP_OK;
}

static int api_timer_cancel(rp_ctx *ctx, const char *key)
{
    const char *tenant = timer_tenant(ctx, "timer_cancel", key);
    if (!tenant)
        return RP_ERROR;
    if (!rp_fx_timer_cancel(&ctx->fx, tenant, key)) {
        api_fail(ctx, "timer_cancel: out of memory");
        return RP_ERROR;
    }
    return RP_OK;
}

/* Outside a tenant's call there is no tenant to hash with: partition 0. */
static uint32_t api_partition_of(rp_ctx *ctx, const char *scope_key)
{
    if (!ctx->call_tenant)
        return 0;
    return partition_for(ctx, ctx->call_tenant, scope_key && *scope_key ? scope_key : NULL);
}

static const void *api_settings_of(rp_ctx *ctx, const char *tenant)
{
    return tenant ? rp_settings_for(ctx->host->settings, tenant) : rp_settings_plugin_wide(ctx->host->settings);
}

/* ------------------------------------------------------------ transaction */

void rp_ctx_begin_txn(rp_ctx *ctx)
{
    ctx->txn_seq++;
}

static uint64_t api_txn_seq(rp_ctx *ctx)
{
    return ctx->txn_seq;
}

const rp_host_api rp_host_api_table = {
    .struct_size = sizeof(rp_host_api),
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .log = api_log,
    .fail = api_fail,
    .now_ms = api_now_ms,
    .db_exec = api_db_exec,
    .db_query = api_db_query,
    .db_defer = api_db_defer,
    .rows_count = api_rows_count,
    .rows_value = api_rows_value,
    .rows_free = api_rows_free,
    .emit = api_emit,
    .timer_set = api_timer_set,
    .timer_cancel = api_timer_cancel,
    .partition_of = api_partition_of,
    .view_kind = rp_view_kind_of,
    .view_get = rp_view_get,
    .view_count = rp_view_count,
    .view_at = rp_view_at,
    .view_str = rp_view_str,
    .view_int = rp_view_int,
    .view_double = rp_view_double,
    .view_bool = rp_view_bool,
    .to_local = rp_tz_to_local,
    .from_local = rp_tz_from_local,
    .scope_event = api_scope_event,
    .scope_timer = api_scope_timer,
    .txn_seq = api_txn_seq,
    .view_iter_init = rp_view_iter_init,
    .view_iter_next = rp_view_iter_next,
    .settings_of = api_settings_of,
    .tenant_timer_set = api_tenant_timer_set,
};
