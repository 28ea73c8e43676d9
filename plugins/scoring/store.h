/*
 * store.h - the in-memory working set of one transaction for one tenant,
 * and its trips to PostgreSQL: one query loads the tenant's aggregates, one
 * per call loads the customers that call touches for the first time, and
 * one statement writes them all back before the commit, so a transaction
 * costs a handful of round trips however many events and calls it holds.
 */
#ifndef SCORING_STORE_H
#define SCORING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "rapport/rp_keyindex.h"
#include "rapport/rp_pgarray.h"
#include "bgnbd.h"
#include "evidence.h"
#include "settings.h"
#include "tiers.h"

typedef struct sc_cust {
    char *customer;
    uint32_t partition;
    bool exists;              /* a row is stored */
    bool dirty;               /* must be written back */
    sc_evidence ev;
    double sub[SC_CRITERIA];
    double sub_at_change[SC_CRITERIA];   /* sub-scores at the last tier change */
    double score;             /* NAN when no criterion is known */
    int confidence;
    sc_tier tier;             /* SC_TIER_NONE: never placed */
    int64_t tier_since_ms;
    int64_t updated_ms;
    double p_alive, expected; /* NAN when unknown */
    char risk[24];
    sc_tier pinned;           /* SC_TIER_NONE: no pin */
    int64_t pinned_until_ms;
    char *pin_reason;         /* malloc'd; NULL: none */
    char *referred_by;        /* malloc'd customer id of the referrer; NULL: none */
    int64_t next_check_ms;    /* due time of the customer's re-check timer */
} sc_cust;

/* scoring_tier_history columns after tenant: customer, partition, ts_ms,
 * from_tier, to_tier, score, confidence, core_from, core_to, reasons, cause */
#define SC_HISTORY_COLS 11

typedef struct sc_tenant_ctx {
    char *tenant;             /* malloc'd: the tenant of the calls that use the set */
    const sc_settings *s;     /* that tenant's settings (host-owned, immutable) */
    sc_tenant_stats stats;    /* the distribution as of the last refit (tenant clock) */
    bool have_params;
    sc_bgnbd params;
    bool params_row;          /* scoring_bgnbd_params has a row */
    int64_t first_cut_ms;     /* due time of the first cut while it is pending (refit.c); 0: none */
    sc_promo *promos;         /* sorted by starts_ms */
    size_t npromos, promo_cap;
    bool promos_loaded;
    int64_t promos_since_ms;  /* loaded: every promotion ending after this */
    sc_cust *custs;
    size_t ncust, cust_cap;
    size_t nfetched;          /* custs[0..nfetched) had their stored rows looked up */
    rp_keyindex index;        /* custs by customer id */
    /* Tier changes not yet written: one column per array, sent as one
     * INSERT ... FROM unnest with the customers (sc_store_save), instead of
     * a statement per change. */
    rp_pgarray history[SC_HISTORY_COLS];
    size_t nhistory;
} sc_tenant_ctx;

/* The customer has a row: stored, or to be written before the commit (a
 * working set lives for a whole transaction, so a customer first seen by
 * one call is not stored yet when a later call meets it). */
static inline bool sc_cust_known(const sc_cust *c)
{
    return c->exists || c->dirty;
}

/* A fresh working set of tenant; false if out of memory. */
bool sc_tenant_init(sc_tenant_ctx *t, const char *tenant, const sc_settings *s);
/* Queues one scoring_tier_history row (values in SC_HISTORY_COLS order,
 * NULL for SQL NULL); written by sc_store_write_history. */
void sc_tenant_add_history(sc_tenant_ctx *t, const char *const values[SC_HISTORY_COLS]);
/* Defers the INSERT of the queued history rows (nothing when none); also
 * called before an erase deletes a customer's history, so no queued row of
 * the customer outlives the erase. */
bool sc_store_write_history(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t);
void sc_tenant_free(sc_tenant_ctx *t);

/* Finds or adds a customer (fresh state when added). NULL if out of memory. */
sc_cust *sc_tenant_cust(sc_tenant_ctx *t, const char *customer, uint32_t partition, bool *added);

/* Resets a customer to a fresh, never-stored state (after customer.erase). */
void sc_cust_reset(sc_cust *c);

/* Replaces a malloc'd string field (pin_reason, referred_by) with a copy of
 * value (NULL or "" clears it); false if out of memory. */
bool sc_cust_set_text(char **field, const char *value);

bool sc_store_load_tenant(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t);
/* Loads the stored rows of the customers added with sc_tenant_cust since
 * the last call (customers are only ever appended). */
bool sc_store_load_customers(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t);
/* Promotions ending after since_ms (nothing to do when those are loaded). */
bool sc_store_load_promos(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t since_ms);
void sc_tenant_add_promo(sc_tenant_ctx *t, int64_t starts_ms, int64_t ends_ms);

/* Writes dirty customers and queued history rows (deferred). */
bool sc_store_save(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms);

/* Parses a float8[] literal into exactly n values (NULL -> NAN, missing -> 0). */
void sc_parse_float_array(const char *text, double *out, size_t n);

#endif
