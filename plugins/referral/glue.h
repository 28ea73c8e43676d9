/*
 * glue.h - what the referral plugin's glue files share: per-tenant settings,
 * the working set of one run (a stretch of events of one tenant), and the
 * functions that load it, apply events to it and write it back.
 *
 * Only the glue (plugin.c, settings.c, store.c, handlers.c, introductions.c)
 * includes plugin.h; the logic it drives is in the pure files.
 */
#ifndef REFERRAL_GLUE_H
#define REFERRAL_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "rp_pgarray.h"
#include "affinity.h"
#include "attribution.h"
#include "forest.h"
#include "fraud.h"
#include "keyset.h"
#include "rewards.h"
#include "topset.h"

/* ---- settings ---- */
typedef struct rf_settings {
    char tenant[128];
    int64_t window_ms, grace_ms;
    rf_influence_params influence;
    int32_t max_depth;
    int64_t top;
    double top_min;
    rf_reward_rules rewards;
    rf_fraud_rules fraud;
    rf_attribution_rule attribution;
    char default_tz[64];
    rf_affinity affinity;       /* cross-cooperation pairs (may be empty) */
    size_t intros_per_customer;
} rf_settings;

extern const rp_config_key rf_config_keys[];
extern const char *const rf_schema_sql[];

bool rf_settings_load(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                      rf_settings *out, char *err, size_t errlen);

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
    const rf_settings *s;
    const char *tenant;
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

bool rf_run_init(rf_run *r, rp_ctx *ctx, const rp_host_api *api, const rf_settings *s,
                 const char *tenant);
void rf_run_free(rf_run *r);

/* Node index of a customer, created when absent (extras included). */
int32_t rf_run_node(rf_run *r, const char *customer);
/* Extras for nodes the forest created by itself; false on out of memory. */
bool rf_run_sync(rf_run *r);
rf_linkrow *rf_run_link(rf_run *r, const char *referee);
rf_linkrow *rf_run_add_link(rf_run *r, const char *referee, const char *referrer,
                            int64_t referred_ms);

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
