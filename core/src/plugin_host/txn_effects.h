/*
 * txn_effects.h - what a plugin transaction buffers in memory until commit:
 *
 *  - deferred statements (api->db_defer), sent in one pipelined round trip;
 *  - derived events (api->emit), numbered and written to the outbox;
 *  - the timer agenda: due timers loaded from the database plus timers set or
 *    cancelled during the transaction. Timers set during the transaction can
 *    fire in the same transaction (event-time order), and only the net change
 *    is written.
 *
 * Nothing here is visible to the database until rp_fx_write() runs, right
 * before COMMIT; on rollback rp_fx_reset() forgets it all.
 */
#ifndef RP_TXN_EFFECTS_H
#define RP_TXN_EFFECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

typedef struct rp_deferred {
    char *sql;
    int nparams;
    char **params;
} rp_deferred;

typedef struct rp_emit_entry {
    char *type, *tenant, *customer, *org, *cause;
    int64_t ts_ms;
    uint8_t *data;
    size_t len;
} rp_emit_entry;

typedef enum rp_timer_origin { RP_TIMER_FROM_DB, RP_TIMER_NEW } rp_timer_origin;
typedef enum rp_timer_state { RP_TIMER_LIVE, RP_TIMER_FIRED, RP_TIMER_CANCELLED } rp_timer_state;

typedef struct rp_timer_entry {
    char *tenant, *key;      /* in the timer index's entry: valid until rp_fx_reset */
    char *customer, *org;
    uint32_t partition;
    int64_t due_ms;
    uint8_t *payload;
    size_t payload_len;
    rp_timer_origin origin;
    rp_timer_state state;
    bool dirty;              /* must be upserted */
    bool delete_in_db;       /* a stored row must go */
} rp_timer_entry;

struct rp_timer_slot;   /* private to txn_effects.c */

typedef struct rp_txn_effects {
    rp_deferred *deferred;
    size_t deferred_count, deferred_cap;
    rp_emit_entry *emits;
    size_t emit_count, emit_cap;
    rp_timer_entry *timers;
    size_t timer_count, timer_cap;
    /* timers by (tenant, key): a uthash table whose entries hold a timer's
     * tenant and key and its position in timers (which moves as it grows);
     * a plugin arms and fires thousands in one transaction */
    struct rp_timer_slot *timer_index;
} rp_txn_effects;

void rp_fx_reset(rp_txn_effects *fx);   /* forget everything (also frees) */
void rp_fx_free(rp_txn_effects *fx);    /* rp_fx_reset, then the arrays themselves */

bool rp_fx_defer(rp_txn_effects *fx, const char *sql, int nparams, const char *const *params);
/* Sends deferred statements now (pipeline mode); false with err if any failed. */
bool rp_fx_flush_deferred(rp_txn_effects *fx, PGconn *db, char *err, size_t errlen);

bool rp_fx_emit(rp_txn_effects *fx, const char *type, const char *tenant, const char *customer,
                const char *org, const char *cause, int64_t ts_ms, const uint8_t *data, size_t len);

/* Timer agenda. */
bool rp_fx_timer_set(rp_txn_effects *fx, const char *tenant, const char *key, uint32_t partition,
                     int64_t due_ms, const char *customer, const char *org,
                     const uint8_t *payload, size_t len);
bool rp_fx_timer_cancel(rp_txn_effects *fx, const char *tenant, const char *key);
/* Adds a due timer read from the database (ignored if the agenda already has the key). */
bool rp_fx_timer_loaded(rp_txn_effects *fx, const char *tenant, const char *key, uint32_t partition,
                        int64_t due_ms, const char *customer, const char *org,
                        const uint8_t *payload, size_t len);
/* The live timer of `partition` with the smallest due <= bound, or NULL. */
rp_timer_entry *rp_fx_next_due(rp_txn_effects *fx, uint32_t partition, int64_t bound);
void rp_fx_timer_fired(rp_timer_entry *t);

/* Writes deferred statements, timer changes and derived events (with their
 * gapless sequence numbers) inside the open transaction. *emitted gets the
 * number of derived events written. */
bool rp_fx_write(rp_txn_effects *fx, PGconn *db, const char *plugin, size_t *emitted,
                 char *err, size_t errlen);

#endif
