/*
 * glue.h - what the care plugin's glue files share: the plugin's state, the
 * working set of one call (the customers a run of events or a group of
 * timers touches, with their recent touches and known task ids), and the
 * functions that load it, turn triggers into tasks and write them.
 *
 * Every call of the host is one tenant's (rp_call): the working set holds
 * the call's tenant, its settings (immutable, the host's) and the host API;
 * nothing of the host is kept in a global.
 *
 * Calls go one way, from the entry points down; no files call each other
 * in a loop (docs/plugins/care.md, "Source layout"):
 *   plugin.c -> events.c, timers.c -> the triggers (handlers.c, profile.c,
 *   tenant_events.c, inbox.c, plan.c) -> task.c -> lifecycle.c -> emit.c,
 *   and under all of them store.c -> run.c -> rows.c -> values.c;
 *   tenants.c (from plugin.c, inbox.c and tenant_events.c: the tenant
 *   clock) -> values.c.
 * The rules are in the pure files (calendar, localday, cadence, budget,
 * rules, taskid, specialday, pairs, settings, settings_parse).
 */
#ifndef CARE_GLUE_H
#define CARE_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "rapport/rp_keyindex.h"
#include "rapport/rp_pgarray.h"
#include "budget.h"
#include "cadence.h"
#include "holidays.h"
#include "localday.h"
#include "pairs.h"
#include "settings.h"
#include "specialday.h"
#include "stamps.h"
#include "taskid.h"
#include "timerbatch.h"

/* ---- the plugin's state (plugin.c), reached through call->state ---- */

/* One calendar's holidays of two consecutive years, computed once per
 * calendar and year rather than per customer (the CN rules run ICU's
 * lunar calendar). Shared by every tenant using that calendar. */
typedef struct cr_holiday_cache {
    int first_year;             /* 0: empty */
    int count;
    rp_holiday days[2 * RP_HOLIDAYS_MAX_PER_YEAR];
} cr_holiday_cache;

/* What this process knows of a tenant's registration (tenants.c): its
 * inbox timer and its contact_budget rows, as recorded in care_tenants. */
typedef struct cr_tenant {
    char *tenant;
    bool confirmed;             /* care_tenants read as committed and up to date */
    bool written;               /* transaction seq wrote its row (may roll back) */
    uint64_t seq;
    int64_t inbox_due_ms;       /* when its inbox timer is due */
    bool started;               /* the inbox has fired (care_tenants.inbox_started) */
    int64_t checked_ms;         /* engine time of the last read */
} cr_tenant;

typedef struct cr_tenants {
    cr_tenant *items;
    size_t count, cap;
    rp_keyindex index;          /* items by tenant; no limit on tenants */
} cr_tenants;

typedef struct care_state {
    const cr_settings *wide;    /* the plugin-wide settings (the host's) */
    bool scoring_table;         /* scoring_customers seen (store.c) */
    cr_tenants tenants;
    cr_holiday_cache holidays[3]; /* per cr_holiday_calendars entry */
} care_state;

/* ---- the working set of one call ---- */
typedef struct cr_known_touch {
    cr_touch touch;             /* touch.task_id points into owned_id */
    char *owned_id;
} cr_known_touch;

/* A contact that named a task not made yet (its trigger arrives late):
 * the task is made done (task.c). */
typedef struct cr_closure {
    char *task_id, *outcome;    /* outcome may be NULL */
    int64_t done_ms;
} cr_closure;

typedef struct cr_cust {
    char *id;
    uint32_t partition;
    bool in_table;              /* a care_customers row exists */
    bool dirty;                 /* write care_customers at the end */
    bool plan_due;              /* re-plan (regular, special days) at the end */
    char tz[64];                /* an IANA zone name (the ingress checks them) */
    signed char tz_known;       /* tz checked with ICU: 1 a zone, -1 not one, 0 not yet */
    char channel[16];
    int consent_contact, consent_marketing;  /* 1 yes, 0 no, -1 never stated */
    char specials[1024];        /* specialday.h: at most CR_SPECIALS_MAX lines */
    int64_t first_seen_ms;      /* the earliest event time of the customer's events */
    int64_t last_contact_ms;    /* -1: never; the regular cycle starts here (the latest) */
    int64_t next_plan_ms;
    int64_t profile_ms[CR_PF_COUNT]; /* when each profile field was stated (stamps.h) */
    char tier[16], risk[16];    /* scoring's words, else potential / unknown */
    cr_known_touch *touches;
    size_t ntouches, touches_cap;
    char **task_ids;            /* ids that exist already (idempotency) */
    size_t nids, ids_cap;
    cr_closure *closures;       /* care_closures rows of the customer */
    size_t nclosures, closures_cap;
} cr_cust;

/* Rows gathered for one INSERT ... FROM unnest(...): one array literal per
 * column (rows.c). */
#define CR_ROWBUF_MAX_COLS 19
#define CR_TASK_COLS 19     /* care_tasks but tenant and window_end_ms */
#define CR_TOUCH_COLS 6     /* contact_ledger: customer, partition, ref, kind, marketing, ts_ms */
typedef struct cr_rowbuf {
    rp_pgarray cols[CR_ROWBUF_MAX_COLS];
    size_t rows;
} cr_rowbuf;

/* Texts a call copies out of event data or builds (ids, refs, reasons),
 * freed together when the call ends (values.c). */
typedef struct cr_strings {
    char **items;
    size_t count, cap;
    bool oom;                   /* a copy failed: the call fails at its end */
} cr_strings;

typedef struct cr_run {
    rp_ctx *ctx;
    const rp_host_api *api;
    const cr_settings *s;       /* the call's tenant's settings */
    const char *tenant;
    care_state *st;
    int64_t now;
    int64_t earliest;           /* the earliest now of the call's events */
    cr_tz tz;
    cr_cust *custs;
    size_t ncusts, custs_cap;
    rp_keyindex index;          /* custs by id */
    cr_holiday_cache *holidays; /* the cache of the tenant's calendar */
    cr_rowbuf new_tasks;        /* care_tasks rows not yet queued (rows.c) */
    cr_rowbuf new_touches;      /* contact_ledger rows not yet queued */
    cr_strings strings;
} cr_run;

/* ---- values.c: texts owned by the run, SQL numbers ---- */
/* A copy of a msgpack string, NULL when v is not a string. */
const char *cr_str(cr_run *r, rp_view v);
/* A string field of event data, "" when absent or not a string. */
const char *cr_field(cr_run *r, rp_view data, const char *key);
const char *cr_printf(cr_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cr_keep(cr_run *r, const char *s);
void cr_strings_free(cr_strings *s);
/* Formats an int64 for a SQL parameter. */
const char *cr_i64(char buf[24], int64_t v);

/* ---- new rows, written in bulk (rows.c) ---- */
bool cr_rows_add_task(cr_run *r, const char *const values[CR_TASK_COLS]);
bool cr_rows_add_touch(cr_run *r, const char *const values[CR_TOUCH_COLS]);
/* Queues the gathered rows; call before any other statement on care_tasks
 * or contact_ledger, and before the run ends. */
bool cr_rows_flush(cr_run *r);
void cr_rows_free(cr_run *r);

/* ---- run.c: the working set ---- */
void cr_run_init(cr_run *r, const rp_call *call);
/* Frees the working set; false (after api->fail) when a copy ran out of
 * memory during the call. */
bool cr_run_end(cr_run *r, bool ok);
cr_cust *cr_run_find(cr_run *r, const char *customer);
/* Indexes custs[i] (its id set) for cr_run_find; false when out of memory. */
bool cr_run_index_add(cr_run *r, size_t i);
/* The customer's zone (its own if ICU knows it, else the tenant default).
 * The own zone is checked once per value: whoever writes c->tz sets
 * tz_known to 0. */
const char *cr_cust_tz(const cr_run *r, cr_cust *c);
bool cr_cust_add_touch(cr_cust *c, int64_t ts_ms, int priority, const char *task_id);
bool cr_cust_know_id(cr_cust *c, const char *task_id);
bool cr_cust_has_id(const cr_cust *c, const char *task_id);
/* Keeps the earliest closing of task_id (stamps.h); false when out of memory. */
bool cr_cust_add_closure(cr_cust *c, const char *task_id, int64_t done_ms, const char *outcome);
/* The closure naming task_id, NULL when none. */
const cr_closure *cr_cust_closure(const cr_cust *c, const char *task_id);
/* Drops what the run knows of an erased customer. */
void cr_cust_forget(cr_cust *c);
/* "plan:CUSTOMER", owned by the run. */
const char *cr_plan_key(cr_run *r, const char *customer);

/* store.c: loads every customer of the list not yet in the run (state,
 * tier and risk, touches from contact_ledger, recent task ids): four
 * queries for the whole list. */
bool cr_store_load(cr_run *r, const char *const *customers, size_t n, int64_t since_ms);
bool cr_store_save(cr_run *r);
/* Looks for scoring's table until it is found (the scoring plugin may not
 * be deployed: care degrades to tier potential, risk unknown). */
bool cr_store_check_scoring(cr_run *r);
bool cr_store_erase(cr_run *r, const char *customer);

/* ---- emit.c ---- */
typedef struct cr_task_info {
    const char *task_id, *customer, *kind, *channel, *gesture, *reason, *status, *merged_into;
    const char *outcome;        /* of a task made done (a closure came first), else NULL */
    int priority;
    int64_t due_ms, deferred_from_ms;
    int64_t done_ms;            /* -1 unless made done */
    bool over_budget;
} cr_task_info;

/* A task as its lifecycle timers read it back (lifecycle.c). */
typedef struct cr_lifecycle_row {
    const char *task_id, *customer, *org, *kind, *channel, *reason;
    int priority;
    int64_t due_ms, window_end_ms;
} cr_lifecycle_row;

bool cr_emit_due(cr_run *r, const cr_lifecycle_row *t);
bool cr_emit_overdue(cr_run *r, const cr_lifecycle_row *t);
bool cr_emit_created(cr_run *r, const cr_task_info *t);
bool cr_emit_deferred(cr_run *r, const cr_task_info *t);
bool cr_emit_merged(cr_run *r, const char *customer, const char *task_id, const char *into,
                    const char *kind);

/* ---- lifecycle.c ---- */
/* Starts a new task's lifecycle after its row is written: arms the "due:"
 * timer of a pending task (pending -> due at its due time), or emits what
 * a task made due or expired has missed (and arms its "overdue:" timer). */
bool cr_lifecycle_start(cr_run *r, const cr_task_info *info, const char *customer, const char *org);
/* Handles the "due:" and "overdue:" timers among the given ones, one
 * statement per kind. */
bool cr_lifecycle_timers(cr_run *r, const rp_timer *const *timers, size_t n);

/* ---- tasks (task.c) ---- */
typedef struct cr_task_spec {
    const char *kind;
    const char *ref;            /* trigger, part of the id (taskid.h) */
    int64_t due_ms;             /* already on the customer's local clock */
    const char *reason;
    int priority;               /* 0: the kind's (or configured) priority */
    const char *source;         /* "care" or the requesting plugin */
    const char *org, *assignee; /* optional */
    int64_t created_ms;
    bool skip_quiet;            /* in person at the till */
} cr_task_spec;

/* Creates the task unless its id exists: consent, channel, quiet hours and
 * budget applied, rows deferred, derived events emitted. c may be NULL for
 * an account-level request (no customer). */
bool cr_task_create(cr_run *r, cr_cust *c, const cr_task_spec *t);
/* Closes an open task (contact or care.done naming it). */
bool cr_task_close(cr_run *r, const char *task_id, const char *customer, int64_t ts_ms,
                   const char *outcome);
/* A contact named a task the customer does not have (yet): remembered, so
 * the task is made done if its trigger arrives late. */
bool cr_task_close_early(cr_run *r, cr_cust *c, const char *task_id, int64_t ts_ms,
                         const char *outcome);

/* ---- plan.c: regular cadence, special days, holidays, the plan timer ---- */
bool cr_plan_customer(cr_run *r, cr_cust *c);
/* Re-plans the customers of the given plan: timers (others are skipped):
 * one load and one save for all of them. */
bool cr_plan_timers(cr_run *r, const rp_timer *const *timers, size_t n);

/* ---- the triggers: handlers.c (customer events), profile.c, tenant_events.c ---- */
bool cr_on_purchase(cr_run *r, cr_cust *c, const rp_event *ev);
bool cr_on_contact(cr_run *r, cr_cust *c, const rp_event *ev, const char *outcome_key);
bool cr_on_key_event(cr_run *r, cr_cust *c, const rp_event *ev);
bool cr_on_holding(cr_run *r, cr_cust *c, const rp_event *ev);
bool cr_on_upsert(cr_run *r, cr_cust *c, const rp_event *ev);
/* campaign.launched and market.price are checked and then handed to the
 * tenant clock: a timer "campaign:EVENT_ID" or "price:EVENT_ID" at the
 * event's time, with its data, does the work at a cut every partition has
 * reached (tenant_events.c). */
bool cr_on_campaign(cr_run *r, const rp_event *ev);
bool cr_on_price(cr_run *r, const rp_event *ev);
bool cr_campaign_timer(cr_run *r, const rp_timer *t);
bool cr_price_timer(cr_run *r, const rp_timer *t);

/* ---- events.c: one tenant's run of events ---- */
bool cr_events_run(cr_run *r, const rp_event *const *events, size_t n);

/* ---- inbox.c: care_requests, taken by the tenant's "inbox" timer ---- */
bool cr_inbox_take(cr_run *r);

/* ---- tenants.c: the tenant's inbox timer and contact_budget rows ---- */
/* Makes sure the tenant has its inbox timer (never moving an armed one
 * later; before its first firing, moving it earlier when earliest_ms, the
 * call's earliest engine time, is) and its own contact_budget rows when its
 * budget differs from the plugin-wide one. One query per tenant and
 * process, in the usual case. */
bool cr_tenant_ensure(cr_run *r, int64_t earliest_ms);
/* Arms the inbox timer at the next multiple of inbox_interval after now
 * and records it. */
bool cr_tenant_inbox_rearm(cr_run *r);
/* A timer on the tenant clock (no scope): for work across the tenant's
 * customers (the inbox, a campaign, a price move). */
bool cr_tenant_timer(cr_run *r, const char *key, int64_t due_ms, const uint8_t *payload, size_t len);
/* The plugin-wide budget rows (tenant '*'), written at init. */
bool cr_budget_write(rp_ctx *ctx, const rp_host_api *api, const cr_settings *s, const char *tenant);
void cr_tenants_free(cr_tenants *t);

/* ---- timers.c: one tenant's due timers, a working set per group ---- */
bool cr_timers_run(const rp_call *call, const rp_timer *const *timers, size_t n);

#endif
