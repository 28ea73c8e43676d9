/*
 * glue.h - what the care plugin's glue files share: per-tenant settings, the
 * working set of one run (the customers a stretch of events or a timer
 * touches, with their recent touches and known task ids), and the functions
 * that load it, turn triggers into tasks and write them.
 *
 * Only the glue includes plugin.h for the host API; the rules it applies are
 * in the pure files (calendar, localday, cadence, budget, rules, taskid,
 * specialday, pairs).
 */
#ifndef CARE_GLUE_H
#define CARE_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "rp_keyindex.h"
#include "rp_pgarray.h"
#include "budget.h"
#include "cadence.h"
#include "holidays.h"
#include "localday.h"
#include "pairs.h"
#include "specialday.h"
#include "taskid.h"
#include "timerbatch.h"

#define CR_TIERS 5
extern const char *const cr_tier_names[CR_TIERS];

/* ---- settings (settings.c) ---- */
typedef struct cr_settings {
    char tenant[128];
    char default_tz[64];
    int due_minute;                       /* local time of day tasks are due */
    int quiet_start, quiet_end;           /* minutes of the local day */
    cr_pairs purchase_offsets;            /* see_off / greeting / usage_check -> ms */
    cr_cadence cadence;
    cr_budget_policy budgets[CR_TIERS];   /* per tier, cr_tier_names order */
    char exempt_kinds[256];               /* ",kind,kind," */
    cr_pairs priorities;                  /* kind -> priority overrides */
    int64_t lookahead_ms;                 /* special days planned this far ahead */
    char holiday_calendar[16];
    rp_holiday holiday_extra[RP_HOLIDAYS_MAX_EXTRA];
    int holiday_extra_count;
    char holiday_tiers[128];              /* ",vip,key," */
    bool consent_default;                 /* consent when the customer gave none */
    int64_t inbox_ms;
    int64_t window_ms;      /* due -> window end (task_window) */
    int64_t campaign_max;
} cr_settings;

extern const rp_config_key cr_config_keys[];
extern const char *const cr_schema_sql[];

bool cr_settings_load(rp_ctx *ctx, const rp_host_api *api, const char *tenant, cr_settings *out,
                      char *err, size_t errlen);
/* The budget of a tier (unknown tiers: potential). */
const cr_budget_policy *cr_settings_budget(const cr_settings *s, const char *tier);
/* Writes the contact_budget rows of `tenant` ('*' for the plugin-wide ones). */
bool cr_settings_write_budget(rp_ctx *ctx, const rp_host_api *api, const cr_settings *s,
                              const char *tenant);

/* ---- the working set ---- */
typedef struct cr_known_touch {
    cr_touch touch;             /* touch.task_id points into owned_id */
    char *owned_id;
} cr_known_touch;

typedef struct cr_cust {
    char *id;
    uint32_t partition;
    bool in_table;              /* a care_customers row exists */
    bool dirty;                 /* write care_customers at the end */
    bool plan_due;              /* re-plan (regular, special days) at the end */
    char tz[64];
    signed char tz_known;       /* tz checked with ICU: 1 a zone, -1 not one, 0 not yet */
    char channel[16];
    int consent_contact, consent_marketing;  /* 1 yes, 0 no, -1 never stated */
    char specials[1024];
    int64_t first_seen_ms;
    int64_t last_contact_ms;    /* -1: never; the regular cycle starts here */
    int64_t next_plan_ms;
    char tier[16], risk[16];
    cr_known_touch *touches;
    size_t ntouches, touches_cap;
    char **task_ids;            /* ids that exist already (idempotency) */
    size_t nids, ids_cap;
} cr_cust;

/* The tenant calendar's holidays of two consecutive years, computed once
 * per tenant and year rather than per event (the CN rules run ICU's lunar
 * calendar). */
typedef struct cr_holiday_cache {
    int first_year;             /* 0: empty */
    int count;
    rp_holiday days[2 * RP_HOLIDAYS_MAX_PER_YEAR];
} cr_holiday_cache;

/* Rows gathered for one INSERT ... FROM unnest(...): one array literal per
 * column (rows.c). */
#define CR_ROWBUF_MAX_COLS 17
#define CR_TASK_COLS 17     /* care_tasks but tenant and window_end_ms */
#define CR_TOUCH_COLS 6     /* contact_ledger: customer, partition, ref, kind, marketing, ts_ms */
typedef struct cr_rowbuf {
    rp_pgarray cols[CR_ROWBUF_MAX_COLS];
    size_t rows;
} cr_rowbuf;

typedef struct cr_run {
    rp_ctx *ctx;
    const rp_host_api *api;
    const cr_settings *s;
    const char *tenant;
    int64_t now;
    cr_tz tz;
    cr_cust *custs;
    size_t ncusts, custs_cap;
    rp_keyindex index;          /* custs by id */
    bool *scoring_table;        /* plugin-wide cache: scoring_customers exists */
    cr_holiday_cache *holidays; /* the tenant's cache */
    cr_rowbuf new_tasks;        /* care_tasks rows not yet queued (rows.c) */
    cr_rowbuf new_touches;      /* contact_ledger rows not yet queued */
} cr_run;

void cr_run_init(cr_run *r, rp_ctx *ctx, const rp_host_api *api, const cr_settings *s,
                 const char *tenant, bool *scoring_table, cr_holiday_cache *holidays);
void cr_run_free(cr_run *r);
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

/* store.c: loads every customer of the list not yet in the run (state,
 * tier and risk, touches from contact_ledger, recent task ids): four
 * queries for the whole list. */
bool cr_store_load(cr_run *r, const char *const *customers, size_t n, int64_t since_ms);
bool cr_store_save(cr_run *r);
/* Looks once for scoring's table (the scoring plugin may not be deployed). */
bool cr_store_check_scoring(cr_run *r);
bool cr_store_erase(cr_run *r, const char *customer);

/* ---- new rows, written in bulk (rows.c) ---- */
bool cr_rows_add_task(cr_run *r, const char *const values[CR_TASK_COLS]);
bool cr_rows_add_touch(cr_run *r, const char *const values[CR_TOUCH_COLS]);
/* Queues the gathered rows; call before any other statement on care_tasks
 * or contact_ledger, and before the run ends. */
bool cr_rows_flush(cr_run *r);
void cr_rows_free(cr_run *r);

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

/* ---- plan.c: regular cadence, special days, holidays, the plan timer ---- */
bool cr_plan_customer(cr_run *r, cr_cust *c);
/* Re-plans the customers of the given plan: timers (others are skipped):
 * one load and one save for all of them. */
bool cr_plan_timers(cr_run *r, const rp_timer *const *timers, size_t n);
bool cr_plan_all(cr_run *r);

/* ---- handlers.c (customer events), profile.c, tenant_events.c ---- */
bool cr_handle_event(cr_run *r, const rp_event *ev);
bool cr_handle_upsert(cr_run *r, cr_cust *c, const rp_event *ev);
bool cr_handle_campaign(cr_run *r, const rp_event *ev);
bool cr_handle_price(cr_run *r, const rp_event *ev);
/* A string field of event data into buf ("" when absent). */
const char *cr_field(const cr_run *r, rp_view data, const char *key, char *buf, size_t size);

/* ---- inbox.c ---- */
bool cr_inbox_schedule(rp_ctx *ctx, const rp_host_api *api, const cr_settings *s, int64_t now);
bool cr_inbox_take(cr_run *r);

/* ---- emit.c ---- */
typedef struct cr_task_info {
    const char *task_id, *customer, *kind, *channel, *gesture, *reason, *status, *merged_into;
    int priority;
    int64_t due_ms, deferred_from_ms;
    bool over_budget;
} cr_task_info;

/* A task as its lifecycle timers read it back (lifecycle.c). */
typedef struct cr_lifecycle_row {
    const char *task_id, *customer, *org, *kind, *channel, *reason;
    int priority;
    int64_t due_ms, window_end_ms;
} cr_lifecycle_row;

/* Starts a new task's lifecycle after its row is written: arms the "due:"
 * timer of a pending task (pending -> due at its due time), or emits what
 * a task made due or expired has missed (and arms its "overdue:" timer). */
bool cr_lifecycle_start(cr_run *r, const cr_task_info *info, const char *customer, const char *org);
/* Handles the "due:" and "overdue:" timers among the given ones (all of
 * r's tenant), one statement per kind. */
bool cr_lifecycle_timers(cr_run *r, const rp_timer *const *timers, size_t n);

bool cr_emit_due(cr_run *r, const cr_lifecycle_row *t);
bool cr_emit_overdue(cr_run *r, const cr_lifecycle_row *t);

bool cr_emit_created(cr_run *r, const cr_task_info *t);
bool cr_emit_deferred(cr_run *r, const cr_task_info *t);
bool cr_emit_merged(cr_run *r, const char *customer, const char *task_id, const char *into,
                    const char *kind);

/* Formats an int64 for a SQL parameter. */
const char *cr_i64(char buf[24], int64_t v);

#endif
