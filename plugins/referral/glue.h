/*
 * glue.h - what the referral plugin's glue files share: the working set of
 * one run (events of one tenant, as the host hands them over, with that
 * tenant's settings), and the functions that load it, apply events to it
 * and write it back.
 *
 * Only the glue (plugin.c, settings.c, run.c, data.c, store.c, handlers.c,
 * introductions.c, emit.c) includes plugin.h; the logic it drives is in the
 * pure files.
 */
#ifndef REFERRAL_GLUE_H
#define REFERRAL_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "rapport/rp_pgarray.h"
#include "forest.h"
#include "keyset.h"
#include "settings.h"
#include "topset.h"

extern const rp_migration rf_migrations[];

/* ---- the working set of one run ---- */

/* Columns of referral_nodes the forest does not keep, parallel to its nodes. */
typedef struct rf_extra {
    int64_t partition;          /* -1 until known */
    int64_t converted_referrals;
    int64_t first_purchase_ms;  /* -1: none */
    char *timezone;             /* owned or NULL */
    uint64_t email_hash, phone_hash;
    char *profession, *industry; /* normalised (affinity.h), owned or NULL */
    bool trade_changed;         /* profession/industry changed in this run */
    bool loaded;                /* row exists in the table */
} rf_extra;

/* One referral_links row (referee's link), loaded or created in the run. */
typedef struct rf_linkrow {
    char *referee, *referrer;   /* owned; referrer NULL once erased */
    int64_t referred_ms;
    char status[16];
    unsigned flags;
} rf_linkrow;

typedef struct rf_run {
    rp_ctx *ctx;
    const rp_host_api *api;
    const rf_settings *s;       /* the tenant's, host-owned */
    const char *tenant;         /* the call's one tenant */
    int64_t now;
    rf_forest forest;
    rf_extra *extras;           /* extras[i] belongs to forest.nodes[i] */
    size_t extras_cap;
    rf_linkrow *links;
    size_t nlinks, links_cap;
    rf_topset top;
    bool top_changed;
    rf_keyset reward_keys;      /* ledger keys of the loaded referrers' rewards */
} rf_run;

/* A run of the call's tenant with its settings; false on out of memory. */
bool rf_run_init(rf_run *r, const rp_call *call);
void rf_run_free(rf_run *r);

/* Node index of a customer, created when absent (extras included). */
int32_t rf_run_node(rf_run *r, const char *customer);
/* Extras for nodes the forest created by itself; false on out of memory. */
bool rf_run_sync(rf_run *r);
rf_linkrow *rf_run_link(rf_run *r, const char *referee);
rf_linkrow *rf_run_add_link(rf_run *r, const char *referee, const char *referrer,
                            int64_t referred_ms);

/* data.c: data.KEY of an event as a malloc'd NUL-terminated copy in *out,
 * NULL when absent, not a string or empty; false (after api->fail) only when
 * memory ran out. */
bool rf_data_str(const rf_run *r, const rp_event *ev, const char *key, char **out);
/* Whether a customer id read from data (a referee, a referrer) is one the
 * wire allows: 1..RP_SCOPE_KEY_MAX_BYTES bytes. */
bool rf_customer_id_ok(const char *id);

/* store.c */
bool rf_store_load(rf_run *r, const rp_event *const *events, size_t n);
bool rf_store_save(rf_run *r);
bool rf_store_shift(rf_run *r, const char *root, int32_t delta);
bool rf_store_set_parent(rf_run *r, const char *customer, const char *parent);
bool rf_store_insert_link(rf_run *r, const rf_linkrow *l, const char *source, const char *cause,
                          int32_t depth);
bool rf_store_update_link(rf_run *r, const rf_linkrow *l, int64_t converted_ms,
                          int64_t days, int32_t depth);
bool rf_store_rejection(rf_run *r, const char *cause, const char *referee, const char *referrer,
                        const char *reason, const char *message, int64_t ts_ms);
/* true in *fresh when the reward row is new. */
bool rf_store_reward(rf_run *r, const rf_reward *rw, const char *cause, int64_t ts_ms, bool *fresh);
bool rf_store_attribute(rf_run *r, const char *referrer, const char *month, double revenue);
bool rf_store_erase(rf_run *r, const char *customer);
/* Recomputes the suggested introductions of customers whose trade changed
 * (one candidate query for the run); call after the nodes are written. */
bool rf_store_introductions(rf_run *r);

/* handlers.c */
bool rf_handle_event(rf_run *r, const rp_event *ev);

#endif
