/*
 * glue.h - what the referral plugin's glue files share: the working set of
 * one run (events of one tenant, as the host hands them over, with that
 * tenant's settings), and the functions that load it, apply events to it
 * and write it back.
 *
 * Only the glue (plugin.c, settings.c, run.c, data.c, store.c, save.c,
 * handlers.c, settle.c, keypeople.c, introductions.c, emit.c) includes
 * plugin.h; the logic it drives is in the pure files.
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
    /* The first purchase by event time (rf_comes_first): -1 none. */
    int64_t first_purchase_ms;
    char *first_event, *first_order; /* owned or NULL */
    double first_amount;
    char *timezone;             /* owned or NULL */
    uint64_t email_hash, phone_hash;
    char *profession, *industry; /* normalised (affinity.h), owned or NULL */
    bool trade_changed;         /* profession/industry changed in this run */
    int64_t trade_ms;           /* the latest event time it changed at, in this run */
    bool loaded;                /* row exists in the table */
    bool history;               /* referral_revenue may hold rows of it */
} rf_extra;

/* One referral_links row (referee's link), loaded or created in the run,
 * whole: what it states about the conversion is what consumers were told,
 * so a late event can tell whether it changed. Written back at the end of
 * the run when dirty. */
typedef struct rf_linkrow {
    char *referee, *referrer;   /* owned; referrer NULL once erased */
    int64_t referred_ms;        /* the first report's time (rf_comes_first) */
    int64_t stated_ms;          /* referred_ms as last stated (stored, announced) */
    char *source, *cause;       /* the first report's type and event id */
    char status[16];            /* pending, converted, preexisting, expired; erased */
    unsigned flags;
    int64_t converted_ms, days; /* -1: none */
    char *order_id;             /* owned or NULL */
    double amount;
    int32_t depth;              /* as stored (the referee's own when it is loaded) */
    bool dirty;
} rf_linkrow;

/* A change of one customer's revenue in one local month, kept in the run
 * and added to referral_revenue with one statement at the end. */
typedef struct rf_month_delta {
    int32_t node;
    char month[8];              /* YYYY-MM */
    double amount;
} rf_month_delta;

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
    rf_keyset reward_keys;      /* ledger keys of the loaded referrers' rewards */
    rf_month_delta *months;     /* revenue by month of this run */
    size_t nmonths, months_cap;
    /* The burst guard's links are loaded for (burst_from - window, burst_to],
     * so a link's count is complete when its time is in [burst_from,
     * burst_to]; outside, its stored flag stands. */
    int64_t burst_from, burst_to;
    int64_t first_now;          /* the run's earliest engine time */
    bool cut_armed;             /* the tenant's key-people cut is scheduled */
} rf_run;

/* A run of the call's tenant with its settings; false on out of memory. */
bool rf_run_init(rf_run *r, const rp_call *call);
void rf_run_free(rf_run *r);

/* Node index of a customer, created when absent (extras included). */
int32_t rf_run_node(rf_run *r, const char *customer);
/* Extras for nodes the forest created by itself; false on out of memory. */
bool rf_run_sync(rf_run *r);
rf_linkrow *rf_run_link(rf_run *r, const char *referee);
/* A new pending link row (not dirty: the caller fills and marks it). */
rf_linkrow *rf_run_add_link(rf_run *r, const char *referee, const char *referrer,
                            int64_t referred_ms);
/* Replaces an owned string with a copy of text (NULL allowed); false on out
 * of memory. */
bool rf_set_text(char **field, const char *text);
/* Notes a revenue change of node i in a local month; false on out of memory. */
bool rf_run_add_month(rf_run *r, int32_t i, const char *month, double amount);

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
/* Node i's revenue by local month: what is stored plus this run's changes,
 * as parallel malloc'd arrays (months of 8 bytes each); false after
 * api->fail. */
bool rf_store_history(rf_run *r, int32_t i, char (**months)[8], double **amounts, size_t *n);
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

/* settle.c: a link's state from the facts (status, conversion, guard
 * flags), with its consequences and derived events. */
rp_local_time rf_local_time(rf_run *r, int32_t i, int64_t ms);
void rf_month_of(rf_run *r, int32_t i, int64_t ms, char month[8]);
/* Attributes amount of the referee's revenue in month to its referrers. */
bool rf_credit(rf_run *r, int32_t referee, double amount, const char *month);
bool rf_evaluate_rewards(rf_run *r, const rp_event *ev, const rf_linkrow *l, int32_t referee);
/* Recomputes a live link whose referee is loaded. */
bool rf_settle(rf_run *r, const rp_event *ev, rf_linkrow *l);
/* Recomputes the burst flags of a referrer's loaded links. */
bool rf_reburst(rf_run *r, const rp_event *ev, const char *referrer);

/* keypeople.c: the key people on the tenant clock. After a run: schedules
 * the tenant's first cut if none is. In on_timers: one cut. */
bool rf_key_people_schedule(rf_run *r);
bool rf_key_people_cut(const rp_call *call, const rp_timer *timer);
#define RF_CUT_TIMER "key_people"

#endif
