/*
 * dead_letter.c - what happens when a plugin keeps failing on one item.
 *
 * After max_tries the item (an event or a timer) is recorded in
 * dead_letters, a derived event `plugin.dead_letter` is emitted and a log
 * line names plugin, item and error - all in the transaction that also moves
 * the plugin's progress past the item, so the plugin moves on exactly once.
 * An operator can ask for a retry (rapportctl dead-letters retry sets status
 * 'retry'); the worker then re-runs the item alone, out of partition order,
 * and marks it 'retried' on success or back to 'dead' with the new error.
 */
#include <inttypes.h>
#include <limits.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "partition.h"
#include "plugin_call.h"
#include "batch.h"
#include "dead_letter.h"

static void pack_kv_str(msgpack_packer *pk, const char *key, const char *value)
{
    msgpack_pack_str(pk, strlen(key));
    msgpack_pack_str_body(pk, key, strlen(key));
    msgpack_pack_str(pk, strlen(value));
    msgpack_pack_str_body(pk, value, strlen(value));
}

static bool emit_dead_letter(rp_worker *w, const char *tenant, const char *customer, const char *org,
                             const char *cause, int64_t ts, const char *kind, const char *what_key,
                             const char *what, const char *error, unsigned tries)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    pack_kv_str(&pk, "plugin", w->host->name);
    pack_kv_str(&pk, "kind", kind);
    pack_kv_str(&pk, what_key, what);
    pack_kv_str(&pk, "error", error);
    msgpack_pack_str(&pk, 5);
    msgpack_pack_str_body(&pk, "tries", 5);
    msgpack_pack_unsigned_int(&pk, tries);
    bool ok = rp_fx_emit(&w->host->ctx.fx, "plugin.dead_letter", tenant, customer, org, cause, ts,
                         (const uint8_t *)sbuf.data, sbuf.size);
    msgpack_sbuffer_destroy(&sbuf);
    return ok;
}

static bool insert_event_letter(rp_worker *w, const rp_event *ev, const char *error, unsigned tries)
{
    char partition[16], pos[24], tries_text[16];
    snprintf(partition, sizeof partition, "%u", ev->partition);
    snprintf(pos, sizeof pos, "%" PRId64, ev->pos);
    snprintf(tries_text, sizeof tries_text, "%u", tries);
    const char *params[] = {w->host->name, partition, ev->tenant, ev->id, pos, error, tries_text};
    char err[512];
    PGresult *res = rp_db_query(w->db,
        "INSERT INTO dead_letters (plugin, partition, kind, tenant, event_id, event_pos, error, tries) "
        "VALUES ($1, $2, 'event', $3, $4, $5, $6, $7)", 7, params, err, sizeof err);
    if (!res)
        rp_log(RP_ERR, "dead_letter", "cannot record dead letter", "plugin=%s error=\"%s\"", w->host->name, err);
    PQclear(res);
    return res != NULL;
}

static bool insert_timer_letter(rp_worker *w, const rp_timer *t, const char *error, unsigned tries)
{
    char partition[24], due[24], tries_text[16];
    snprintf(partition, sizeof partition, "%" PRId64, rp_partition_column(t->partition));
    snprintf(due, sizeof due, "%" PRId64, t->due_ms);
    snprintf(tries_text, sizeof tries_text, "%u", tries);
    const char *params[] = {w->host->name, partition, t->tenant, t->key, due, t->customer, t->org,
                            (const char *)t->payload.ptr, error, tries_text};
    int lengths[10] = {0};
    int formats[10] = {0};
    lengths[7] = (int)t->payload.len;
    formats[7] = 1;   /* the payload goes in binary: it is arbitrary bytes */
    PGresult *res = PQexecParams(w->db,
        "INSERT INTO dead_letters (plugin, partition, kind, tenant, timer_key, timer_due_ms, "
        "timer_customer, timer_org, timer_payload, error, tries) "
        "VALUES ($1, $2, 'timer', $3, $4, $5, $6, $7, $8::bytea, $9, $10)",
        10, NULL, params, lengths, formats, 0);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        rp_log(RP_ERR, "dead_letter", "cannot record dead letter", "plugin=%s error=\"%s\"", w->host->name,
               PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

bool rp_dead_letter_record(rp_worker *w, const rp_item_ref *item, const rp_event *ev,
                           const rp_timer *timer, const char *error, unsigned tries)
{
    (void)item;
    rp_metrics_dead_letter(w->host->name);
    if (ev) {
        rp_log(RP_ERR, "dead_letter", "plugin gave up on event",
               "plugin=%s tenant=%s event=%s type=%s partition=%u pos=%" PRId64 " tries=%u error=\"%s\"",
               w->host->name, ev->tenant, ev->id, ev->type, ev->partition, ev->pos, tries, error);
        return insert_event_letter(w, ev, error, tries) &&
               emit_dead_letter(w, ev->tenant, ev->customer, ev->org, ev->id, ev->ts_ms, "event",
                                "event_id", ev->id, error, tries);
    }
    char cause[600];
    snprintf(cause, sizeof cause, "timer:%s", timer->key);
    rp_log(RP_ERR, "dead_letter", "plugin gave up on timer",
           "plugin=%s tenant=%s timer=%s partition=%u tries=%u error=\"%s\"",
           w->host->name, timer->tenant, timer->key, timer->partition, tries, error);
    return insert_timer_letter(w, timer, error, tries) &&
           emit_dead_letter(w, timer->tenant, timer->customer, timer->org, cause, timer->due_ms, "timer",
                            "timer_key", timer->key, error, tries);
}

/* ---------------------------------------------------------------- operator retries */

static const char *LIST_RETRIES_SQL =
    "SELECT dl_id, kind, tenant, event_id, timer_key, timer_due_ms, timer_customer, timer_org, "
    "       timer_payload, partition FROM dead_letters "
    "WHERE plugin = $1 AND status = 'retry' AND partition = ANY($2::int[]) ORDER BY dl_id LIMIT 50";

static int retry_event(rp_worker *w, const char *tenant, const char *event_id)
{
    const char *params[] = {tenant, event_id};
    PGresult *res = PQexecParams(w->db,
        "SELECT partition, pos, tenant, id, type, ts_ms, customer, org, data FROM events "
        "WHERE tenant = $1 AND id = $2", 2, NULL, params, NULL, NULL, 1);
    int rc = RP_ERROR;
    rp_ctx *ctx = &w->host->ctx;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        rp_event ev;
        rp_event_from_row(res, 0, &ev);
        const rp_event *run[1] = {&ev};
        rp_ctx_scope_event(ctx, &ev);
        if (w->broker->clock.mode != RP_CLOCK_EVENT)
            ctx->scope.now_ms = rp_clock_now(&w->broker->clock);
        ctx->run = run;
        ctx->run_count = 1;
        rc = rp_call_on_events(ctx, run, 1);
        ctx->run = NULL;
        ctx->run_count = 0;
    } else
        snprintf(ctx->error, sizeof ctx->error, "event %s of tenant %s no longer exists", event_id, tenant);
    PQclear(res);
    return rc;
}

/* The timer goes through on_timers as a call of one timer (as while the
 * host isolates a failing item). */
static int call_one_timer(rp_ctx *ctx, const rp_timer *t, const char *cause)
{
    const rp_timer *one[1] = {t};
    const char *causes[1] = {cause};
    ctx->timer_run = one;
    ctx->timer_causes = causes;
    ctx->timer_run_count = 1;
    int rc = rp_call_on_timers(ctx, one, 1);
    ctx->timer_run = NULL;
    ctx->timer_causes = NULL;
    ctx->timer_run_count = 0;
    return rc;
}

static int retry_timer(rp_worker *w, const PGresult *res, int r)
{
    rp_ctx *ctx = &w->host->ctx;
    size_t payload_len = 0;
    unsigned char *payload = PQunescapeBytea((const unsigned char *)PQgetvalue(res, r, 8), &payload_len);
    rp_timer t = {
        .struct_size = sizeof t, .tenant = PQgetvalue(res, r, 2), .key = PQgetvalue(res, r, 4),
        .due_ms = strtoll(PQgetvalue(res, r, 5), NULL, 10),
        .customer = PQgetisnull(res, r, 6) ? NULL : PQgetvalue(res, r, 6),
        .org = PQgetisnull(res, r, 7) ? NULL : PQgetvalue(res, r, 7),
        .partition = rp_partition_from_column(strtoll(PQgetvalue(res, r, 9), NULL, 10)),
        .payload = {payload, payload_len},
    };
    size_t cause_len = strlen("timer:") + strlen(t.key) + 1;
    char *cause = malloc(cause_len);
    if (!payload || !cause) {
        free(cause);
        PQfreemem(payload);
        snprintf(ctx->error, sizeof ctx->error, "out of memory retrying timer %s", t.key);
        return RP_ERROR;
    }
    snprintf(cause, cause_len, "timer:%s", t.key);
    ctx->scope = (rp_scope_state){.tenant = t.tenant, .customer = t.customer, .org = t.org,
                                  .cause = cause, .partition = t.partition,
                                  .now_ms = w->broker->clock.mode == RP_CLOCK_EVENT
                                                ? t.due_ms : rp_clock_now(&w->broker->clock)};
    int rc = call_one_timer(ctx, &t, cause);
    ctx->scope.cause = NULL;
    free(cause);
    PQfreemem(payload);
    return rc;
}

static void retry_one(rp_worker *w, const PGresult *list, int r)
{
    rp_ctx *ctx = &w->host->ctx;
    const char *dl_id = PQgetvalue(list, r, 0);
    char err[512] = "";
    ctx->failed = false;
    ctx->error[0] = '\0';
    ctx->scope_set = false;
    rp_ctx_begin_txn(ctx);
    if (!rp_db_run(w->db, "BEGIN", err, sizeof err))
        return;
    bool is_event = strcmp(PQgetvalue(list, r, 1), "event") == 0;
    int rc = is_event ? retry_event(w, PQgetvalue(list, r, 2), PQgetvalue(list, r, 3)) : retry_timer(w, list, r);
    size_t emitted = 0;
    const char *params[] = {dl_id, NULL};
    bool ok = rc == RP_OK && !ctx->failed && rp_ctx_before_commit(ctx) == RP_OK &&
              rp_fx_write(&ctx->fx, w->db, w->host->name, &emitted, err, sizeof err);
    if (ok) {
        PGresult *res = rp_db_query(w->db,
            "UPDATE dead_letters SET status = 'retried', updated_at = now() WHERE dl_id = $1",
            1, params, err, sizeof err);
        ok = res && rp_db_run(w->db, "COMMIT", err, sizeof err);
        PQclear(res);
    }
    rp_fx_reset(&ctx->fx);
    if (ok) {
        rp_log(RP_INFO, "dead_letter", "retry succeeded", "plugin=%s dl_id=%s", w->host->name, dl_id);
        if (emitted)
            rp_notify_bump(&w->broker->outbox_committed);
        return;
    }
    rp_db_run(w->db, "ROLLBACK", NULL, 0);
    const char *error = ctx->error[0] ? ctx->error : (err[0] ? err : "handler failed without a message");
    params[1] = error;
    PGresult *res = rp_db_query(w->db,
        "UPDATE dead_letters SET status = 'dead', tries = tries + 1, error = $2, updated_at = now() "
        "WHERE dl_id = $1", 2, params, err, sizeof err);
    PQclear(res);
    rp_log(RP_WARN, "dead_letter", "retry failed", "plugin=%s dl_id=%s error=\"%s\"", w->host->name, dl_id, error);
}

void rp_dead_letter_process_retries(rp_worker *w)
{
    const char *params[] = {w->host->name, w->host->partitions_array};
    char err[512];
    PGresult *list = rp_db_query(w->db, LIST_RETRIES_SQL, 2, params, err, sizeof err);
    if (!list)
        return;
    for (int r = 0; r < PQntuples(list) && !atomic_load(&w->broker->stop_workers); r++)
        retry_one(w, list, r);
    PQclear(list);
}
