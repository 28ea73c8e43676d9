/*
 * txn_effects.c - buffered effects of one plugin transaction (see
 * txn_effects.h): deferred SQL in a libpq pipeline, the timer agenda, and
 * derived events written to the outbox with gapless sequence numbers.
 */
#include "txn_effects.h"

#include <inttypes.h>
#include <limits.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy_binary.h"
#include "partition.h"
#include "db.h"
#include "pg_array.h"

/* Out of memory inside uthash leaves the entry out (hh.tbl NULL): the call
 * that armed the timer fails instead of the process exiting. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

/* An entry of the timer index: the position of a timer (the array moves as
 * it grows) under its index key, tenant "\0" key. The entry holds the
 * timer's tenant and key (tenant "\0" key "\0"), and the timer points at
 * them: one allocation per timer for both strings and the index. */
struct rp_timer_slot {
    UT_hash_handle hh;
    size_t pos;
    char key[];
};

#define GROW(array, count, cap)                                                   \
    ((count) < (cap) ? true                                                       \
     : grow_array((void **)&(array), &(cap), sizeof *(array)))

static bool grow_array(void **array, size_t *cap, size_t size)
{
    size_t new_cap = *cap ? *cap * 2 : 16;
    void *p = realloc(*array, new_cap * size);
    if (!p)
        return false;
    *array = p;
    *cap = new_cap;
    return true;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (copy && len)
        memcpy(copy, p, len);
    return copy;
}

/* ---------------------------------------------------------------- reset */

static void free_deferred(rp_deferred *d)
{
    free(d->sql);
    for (int i = 0; i < d->nparams; i++)
        free(d->params[i]);
    free(d->params);
}

static void clear_deferred(rp_txn_effects *fx)
{
    for (size_t i = 0; i < fx->deferred_count; i++)
        free_deferred(&fx->deferred[i]);
    fx->deferred_count = 0;
}

static void free_emit(rp_emit_entry *e)
{
    free(e->type);
    free(e->tenant);
    free(e->customer);
    free(e->org);
    free(e->cause);
    free(e->data);
}

/* (tenant and key belong to the timer's index entry.) */
static void free_timer(rp_timer_entry *t)
{
    free(t->customer);
    free(t->org);
    free(t->payload);
}

void rp_fx_reset(rp_txn_effects *fx)
{
    clear_deferred(fx);
    for (size_t i = 0; i < fx->emit_count; i++)
        free_emit(&fx->emits[i]);
    for (size_t i = 0; i < fx->timer_count; i++)
        free_timer(&fx->timers[i]);
    fx->emit_count = 0;
    fx->timer_count = 0;
    /* The table goes at once; its entries are then freed along the
     * insertion-order list uthash keeps in them. */
    struct rp_timer_slot *e = fx->timer_index;
    HASH_CLEAR(hh, fx->timer_index);
    while (e) {
        struct rp_timer_slot *next = e->hh.next;
        free(e);
        e = next;
    }
}

void rp_fx_free(rp_txn_effects *fx)
{
    rp_fx_reset(fx);
    free(fx->deferred);
    free(fx->emits);
    free(fx->timers);
    memset(fx, 0, sizeof *fx);
}

/* ---------------------------------------------------------------- deferred SQL */

bool rp_fx_defer(rp_txn_effects *fx, const char *sql, int nparams, const char *const *params)
{
    if (!GROW(fx->deferred, fx->deferred_count, fx->deferred_cap))
        return false;
    rp_deferred *d = &fx->deferred[fx->deferred_count];
    d->sql = strdup(sql);
    d->nparams = nparams;
    d->params = nparams ? calloc((size_t)nparams, sizeof *d->params) : NULL;
    if (!d->sql || (nparams && !d->params)) {
        free(d->sql);
        free(d->params);
        return false;
    }
    for (int i = 0; i < nparams; i++)
        d->params[i] = dup_or_null(params[i]);
    fx->deferred_count++;
    return true;
}

static void note_error(char *err, size_t errlen, bool *ok, const char *message)
{
    if (!*ok)
        return;
    *ok = false;
    snprintf(err, errlen, "%s", message ? message : "pipeline error");
    char *nl = strchr(err, '\n');
    if (nl)
        *nl = '\0';
}

/* Reads results until the sync point; the first error wins.
 *
 * In a healthy pipeline every query yields at least one result and then one
 * NULL, so two NULLs in a row never come before the sync. They do when the
 * server went away: libpq 15 then returns one FATAL result and NULL forever
 * while PQstatus still says CONNECTION_OK (seen after an immediate restart
 * with the session idle in a transaction), so the status cannot be the test.
 * The pipeline is left unfinished; the caller sees the connection as broken
 * (rp_db_broken: still in pipeline mode) and replaces it. */
static bool drain_pipeline(PGconn *db, char *err, size_t errlen)
{
    bool ok = true;
    bool after_null = false;
    while (true) {
        PGresult *res = PQgetResult(db);
        if (!res) {
            if (after_null) {
                note_error(err, errlen, &ok, PQerrorMessage(db));
                note_error(err, errlen, &ok, "database connection lost in pipeline");
                return false;
            }
            after_null = true;
            continue;
        }
        after_null = false;
        ExecStatusType status = PQresultStatus(res);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            return ok;
        }
        if (status == PGRES_FATAL_ERROR)
            note_error(err, errlen, &ok, PQresultErrorMessage(res));
        PQclear(res);
    }
}

bool rp_fx_flush_deferred(rp_txn_effects *fx, PGconn *db, char *err, size_t errlen)
{
    if (fx->deferred_count == 0)
        return true;
    if (!PQenterPipelineMode(db)) {
        snprintf(err, errlen, "cannot enter pipeline mode: %s", PQerrorMessage(db));
        return false;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < fx->deferred_count; i++) {
        rp_deferred *d = &fx->deferred[i];
        if (!PQsendQueryParams(db, d->sql, d->nparams, NULL, (const char *const *)d->params,
                               NULL, NULL, 0))
            note_error(err, errlen, &ok, PQerrorMessage(db));
    }
    if (PQpipelineSync(db) != 1)
        note_error(err, errlen, &ok, PQerrorMessage(db));
    else if (!drain_pipeline(db, err, errlen))
        ok = false;
    PQexitPipelineMode(db);
    clear_deferred(fx);
    return ok;
}

/* ---------------------------------------------------------------- derived events */

bool rp_fx_emit(rp_txn_effects *fx, const char *type, const char *tenant, const char *customer,
                const char *org, const char *cause, int64_t ts_ms, const uint8_t *data, size_t len)
{
    if (!GROW(fx->emits, fx->emit_count, fx->emit_cap))
        return false;
    rp_emit_entry *e = &fx->emits[fx->emit_count];
    *e = (rp_emit_entry){
        .type = strdup(type), .tenant = strdup(tenant), .customer = dup_or_null(customer),
        .org = dup_or_null(org), .cause = dup_or_null(cause), .ts_ms = ts_ms,
        .data = dup_bytes(data, len), .len = len,
    };
    if (!e->type || !e->tenant || !e->data) {
        free_emit(e);
        return false;
    }
    fx->emit_count++;
    return true;
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

/* The published frame: {seq, type, ts, tenant, [customer], [org], cause, plugin, data}. */
static void pack_frame(msgpack_sbuffer *sbuf, const rp_emit_entry *e, uint64_t seq, const char *plugin)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 7 + (e->customer != NULL) + (e->org != NULL));
    pack_str(&pk, "seq");
    msgpack_pack_uint64(&pk, seq);
    pack_str(&pk, "type");
    pack_str(&pk, e->type);
    pack_str(&pk, "ts");
    msgpack_pack_int64(&pk, e->ts_ms);
    pack_str(&pk, "tenant");
    pack_str(&pk, e->tenant);
    if (e->customer) {
        pack_str(&pk, "customer");
        pack_str(&pk, e->customer);
    }
    if (e->org) {
        pack_str(&pk, "org");
        pack_str(&pk, e->org);
    }
    pack_str(&pk, "cause");
    if (e->cause)
        pack_str(&pk, e->cause);
    else
        msgpack_pack_nil(&pk);
    pack_str(&pk, "plugin");
    pack_str(&pk, plugin);
    pack_str(&pk, "data");
    msgpack_sbuffer_write(sbuf, (const char *)e->data, e->len);
}

static int64_t reserve_sequence(PGconn *db, size_t n, char *err, size_t errlen)
{
    char count[24];
    snprintf(count, sizeof count, "%zu", n);
    const char *params[] = {count};
    /* The row lock taken here is held until COMMIT, so sequence numbers
     * become visible in order and without gaps. */
    PGresult *res = rp_db_query(db, "UPDATE outbox_head SET seq = seq + $1::bigint RETURNING seq",
                                1, params, err, errlen);
    if (!res)
        return -1;
    int64_t last = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return last - (int64_t)n + 1;
}

static bool write_outbox(rp_txn_effects *fx, PGconn *db, const char *plugin, char *err, size_t errlen)
{
    if (fx->emit_count == 0)
        return true;
    int64_t first = reserve_sequence(db, fx->emit_count, err, errlen);
    if (first < 0)
        return false;
    rp_copy_buffer copy;
    rp_copy_init(&copy);
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    /* Binary COPY, like the committer's: a frame goes as its bytes, where
     * text COPY spelled it in hex (twice the bytes, and a hex decode per row
     * in the server: the largest cost of a plugin that emits a lot). */
    rp_copy_bin_header(&copy);
    for (size_t i = 0; i < fx->emit_count; i++) {
        rp_emit_entry *e = &fx->emits[i];
        msgpack_sbuffer_clear(&sbuf);
        pack_frame(&sbuf, e, (uint64_t)(first + (int64_t)i), plugin);
        rp_copy_bin_row(&copy, 9);
        rp_copy_bin_int8(&copy, first + (int64_t)i);
        rp_copy_bin_bytes(&copy, e->type, strlen(e->type));
        rp_copy_bin_bytes(&copy, e->tenant, strlen(e->tenant));
        rp_copy_bin_text_or_null(&copy, e->customer);
        rp_copy_bin_text_or_null(&copy, e->org);
        rp_copy_bin_text_or_null(&copy, e->cause);
        rp_copy_bin_bytes(&copy, plugin, strlen(plugin));
        rp_copy_bin_int8(&copy, e->ts_ms);
        rp_copy_bin_bytes(&copy, sbuf.data, sbuf.size);
    }
    rp_copy_bin_trailer(&copy);
    bool ok = rp_copy_send(db,
        "COPY outbox (seq, type, tenant, customer, org, cause, plugin, ts_ms, frame) FROM STDIN (FORMAT binary)",
        &copy, err, errlen);
    msgpack_sbuffer_destroy(&sbuf);
    rp_copy_free(&copy);
    return ok;
}

/* ---------------------------------------------------------------- timers */

/* The index key of (tenant, key), tenant "\0" key, and its hash, computed
 * once for the lookup and the insert that may follow. */
typedef struct timer_key {
    char buf[512];
    char *bytes;            /* buf, or malloc'd when longer */
    size_t len, tenant_len;
    unsigned hash;
} timer_key;

static bool timer_key_make(timer_key *k, const char *tenant, const char *key)
{
    size_t key_len = strlen(key);
    k->tenant_len = strlen(tenant);
    k->len = k->tenant_len + 1 + key_len;
    k->bytes = k->len <= sizeof k->buf ? k->buf : malloc(k->len);
    if (!k->bytes)
        return false;
    memcpy(k->bytes, tenant, k->tenant_len + 1);
    memcpy(k->bytes + k->tenant_len + 1, key, key_len);
    HASH_VALUE(k->bytes, k->len, k->hash);
    return true;
}

static void timer_key_done(timer_key *k)
{
    if (k->bytes != k->buf)
        free(k->bytes);
}

static rp_timer_entry *find_timer(rp_txn_effects *fx, const timer_key *k)
{
    struct rp_timer_slot *e = NULL;
    HASH_FIND_BYHASHVALUE(hh, fx->timer_index, k->bytes, k->len, k->hash, e);
    return e ? &fx->timers[e->pos] : NULL;
}

static bool fill_timer(rp_timer_entry *t, uint32_t partition, int64_t due_ms, const char *customer,
                       const char *org, const uint8_t *payload, size_t len)
{
    /* Copy before freeing: the caller's scope strings may be this very
     * entry's (a timer re-armed while it is being handled). */
    char *new_customer = dup_or_null(customer);
    char *new_org = dup_or_null(org);
    uint8_t *new_payload = dup_bytes(payload, len);
    free(t->customer);
    free(t->org);
    free(t->payload);
    t->customer = new_customer;
    t->org = new_org;
    t->payload = new_payload;
    t->payload_len = len;
    t->partition = partition;
    t->due_ms = due_ms;
    return t->payload && (!customer || t->customer) && (!org || t->org);
}

/* A new timer of k's tenant and key, indexed; NULL when out of memory. */
static rp_timer_entry *add_timer(rp_txn_effects *fx, const timer_key *k, rp_timer_origin origin)
{
    if (!GROW(fx->timers, fx->timer_count, fx->timer_cap))
        return NULL;
    struct rp_timer_slot *e = malloc(sizeof *e + k->len + 1);
    if (!e)
        return NULL;
    e->pos = fx->timer_count;
    memcpy(e->key, k->bytes, k->len);
    e->key[k->len] = '\0';
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, fx->timer_index, e->key, k->len, k->hash, e);
    if (!e->hh.tbl) {
        free(e);
        return NULL;
    }
    rp_timer_entry *t = &fx->timers[fx->timer_count++];
    memset(t, 0, sizeof *t);
    t->tenant = e->key;
    t->key = e->key + k->tenant_len + 1;
    t->origin = origin;
    return t;
}

/* The timer of (tenant, key), added with `origin` when there is none yet
 * (*added says which); NULL when out of memory. */
static rp_timer_entry *find_or_add(rp_txn_effects *fx, const char *tenant, const char *key,
                                   rp_timer_origin origin, bool *added)
{
    timer_key k;
    if (!timer_key_make(&k, tenant, key))
        return NULL;
    rp_timer_entry *t = find_timer(fx, &k);
    *added = !t;
    if (!t)
        t = add_timer(fx, &k, origin);
    timer_key_done(&k);
    return t;
}

bool rp_fx_timer_set(rp_txn_effects *fx, const char *tenant, const char *key, uint32_t partition,
                     int64_t due_ms, const char *customer, const char *org,
                     const uint8_t *payload, size_t len)
{
    bool added;
    rp_timer_entry *t = find_or_add(fx, tenant, key, RP_TIMER_NEW, &added);
    if (!t)
        return false;
    t->state = RP_TIMER_LIVE;
    t->dirty = true;
    return fill_timer(t, partition, due_ms, customer, org, payload, len);
}

bool rp_fx_timer_cancel(rp_txn_effects *fx, const char *tenant, const char *key)
{
    /* Not loaded: it may exist in the database, so delete it there. */
    bool added;
    rp_timer_entry *t = find_or_add(fx, tenant, key, RP_TIMER_FROM_DB, &added);
    if (!t)
        return false;
    t->state = RP_TIMER_CANCELLED;
    t->dirty = false;
    t->delete_in_db = true;
    return true;
}

bool rp_fx_timer_loaded(rp_txn_effects *fx, const char *tenant, const char *key, uint32_t partition,
                        int64_t due_ms, const char *customer, const char *org,
                        const uint8_t *payload, size_t len)
{
    bool added;
    rp_timer_entry *t = find_or_add(fx, tenant, key, RP_TIMER_FROM_DB, &added);
    if (!t)
        return false;
    if (!added)
        return true;
    t->state = RP_TIMER_LIVE;
    return fill_timer(t, partition, due_ms, customer, org, payload, len);
}

rp_timer_entry *rp_fx_next_due(rp_txn_effects *fx, uint32_t partition, int64_t bound)
{
    rp_timer_entry *best = NULL;
    for (size_t i = 0; i < fx->timer_count; i++) {
        rp_timer_entry *t = &fx->timers[i];
        if (t->state != RP_TIMER_LIVE || t->partition != partition || t->due_ms > bound)
            continue;
        if (!best || t->due_ms < best->due_ms)
            best = t;
    }
    return best;
}

void rp_fx_timer_fired(rp_timer_entry *t)
{
    t->state = RP_TIMER_FIRED;
    t->dirty = false;
    t->delete_in_db = true;
}

static bool delete_timers(rp_txn_effects *fx, PGconn *db, const char *plugin, char *err, size_t errlen)
{
    rp_pg_array tenants, keys;
    rp_pg_array_init(&tenants);
    rp_pg_array_init(&keys);
    for (size_t i = 0; i < fx->timer_count; i++) {
        rp_timer_entry *t = &fx->timers[i];
        if (t->delete_in_db && t->state != RP_TIMER_LIVE) {
            rp_pg_array_text(&tenants, t->tenant);
            rp_pg_array_text(&keys, t->key);
        }
    }
    bool ok = true;
    if (tenants.count) {
        const char *params[] = {plugin, rp_pg_array_finish(&tenants), rp_pg_array_finish(&keys)};
        PGresult *res = rp_db_query(db,
            "DELETE FROM timers t USING unnest($2::text[], $3::text[]) AS d(tenant, key) "
            "WHERE t.plugin = $1 AND t.tenant = d.tenant AND t.key = d.key",
            3, params, err, errlen);
        ok = res != NULL;
        PQclear(res);
    }
    rp_pg_array_free(&tenants);
    rp_pg_array_free(&keys);
    return ok;
}

static bool upsert_timers(rp_txn_effects *fx, PGconn *db, const char *plugin, char *err, size_t errlen)
{
    rp_pg_array cols[7];
    for (int c = 0; c < 7; c++)
        rp_pg_array_init(&cols[c]);
    for (size_t i = 0; i < fx->timer_count; i++) {
        rp_timer_entry *t = &fx->timers[i];
        if (!t->dirty || t->state != RP_TIMER_LIVE)
            continue;
        rp_pg_array_text(&cols[0], t->tenant);
        rp_pg_array_text(&cols[1], t->key);
        rp_pg_array_int(&cols[2], rp_partition_column(t->partition));
        rp_pg_array_int(&cols[3], t->due_ms);
        rp_pg_array_text(&cols[4], t->customer);
        rp_pg_array_text(&cols[5], t->org);
        rp_pg_array_bytea(&cols[6], t->payload, t->payload_len);
    }
    bool ok = true;
    if (cols[0].count) {
        const char *params[8] = {plugin};
        for (int c = 0; c < 7; c++)
            params[c + 1] = rp_pg_array_finish(&cols[c]);
        PGresult *res = rp_db_query(db,
            "INSERT INTO timers (plugin, tenant, key, partition, due_ms, customer, org, payload) "
            "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], "
            "$7::text[], $8::bytea[]) "
            "ON CONFLICT (plugin, tenant, key) DO UPDATE SET partition = excluded.partition, "
            "due_ms = excluded.due_ms, customer = excluded.customer, org = excluded.org, "
            "payload = excluded.payload, created_at = now()",
            8, params, err, errlen);
        ok = res != NULL;
        PQclear(res);
    }
    for (int c = 0; c < 7; c++)
        rp_pg_array_free(&cols[c]);
    return ok;
}

bool rp_fx_write(rp_txn_effects *fx, PGconn *db, const char *plugin, size_t *emitted,
                 char *err, size_t errlen)
{
    *emitted = 0;
    if (!rp_fx_flush_deferred(fx, db, err, errlen))
        return false;
    if (!delete_timers(fx, db, plugin, err, errlen) || !upsert_timers(fx, db, plugin, err, errlen))
        return false;
    /* Last, so the outbox_head row lock is held for the shortest time. */
    if (!write_outbox(fx, db, plugin, err, errlen))
        return false;
    *emitted = fx->emit_count;
    return true;
}
