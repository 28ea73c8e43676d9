/*
 * glue.h - what the survey plugin's glue files share: per-tenant settings,
 * the working set of one run (a stretch of events of one tenant), and the
 * functions that load it, apply events to it, fire timers and emit.
 *
 * Only the glue (plugin.c, settings.c, schema.c, store.c, handlers.c,
 * timers.c and timer_*.c, emit.c) includes plugin.h directly; the logic it
 * drives is in the pure files (metrics, budget, bizhours, sla, silent,
 * schedule).
 */
#ifndef SURVEY_GLUE_H
#define SURVEY_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "rp_keyindex.h"
#include "rp_mpout.h"
#include "bizhours.h"
#include "budget.h"
#include "complaint.h"
#include "holidays.h"
#include "metrics.h"
#include "schedule.h"
#include "silent.h"
#include "sla.h"

#define SV_ID_MAX 256
#define SV_KEY_MAX (SV_ID_MAX * 2 + 32)   /* timer keys and derived ids */

/* ---- settings (settings.c) ---- */
typedef struct sv_settings {
    char tenant[128];
    char tz[64];
    char holidays[16];
    rp_holiday extra[RP_HOLIDAYS_MAX_EXTRA];
    sv_calendar cal;                 /* points into this struct */
    int purchase_delay_days, complaint_delay_days, send_hour;
    bool quarterly;
    int64_t fatigue_ms, expiry_ms, max_defer_ms;
    char channel[32];
    sv_answer_rules rules;
    sv_severity detractor_severity;
    sv_sla_table first_response, resolution;
    sv_ladder ladder;
    int64_t escalation_step_ms;
    double silent_factor;
    int64_t silent_check_ms, silent_watch_ms;
} sv_settings;

extern const rp_config_key sv_config_keys[];
extern const char *const sv_schema_sql[];

bool sv_settings_load(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                      sv_settings *out, char *err, size_t errlen);

/* ---- plugin state (plugin.c) ---- */
typedef struct sv_state sv_state;
/* Settings of a tenant (cached); NULL after api->fail. */
const sv_settings *sv_settings_for(rp_ctx *ctx, sv_state *st, const char *tenant);
/* Whether scoring_customers exists (cached once true); false on a failed query. */
bool sv_scoring_present(rp_ctx *ctx, sv_state *st, bool *present);

/* ---- the working set of one run ---- */
typedef struct sv_customer {
    char *id;
    char *timezone;          /* NULL: the tenant's zone */
    int64_t quarterly_due_ms;/* 0: not armed */
    double p_alive, purchases; /* scoring snapshot now, SV_UNKNOWN if absent */
    bool stored;             /* has a survey_customers row (loaded or written) */
    bool dirty;              /* its row is to be written (sv_store_write_customers) */
    uint32_t partition;      /* of the event that last changed it */
    char tier[16];
} sv_customer;

typedef struct sv_request {
    char *survey_id, *customer;
    char status[16];
    char month[8];
    char tier[16];
} sv_request;

typedef struct sv_complaint {
    char *id, *customer;
    int severity;
    int64_t opened_ms, first_due_ms, resolve_due_ms;
    int64_t first_response_ms, resolved_ms;   /* -1: not yet */
    int level;
} sv_complaint;

typedef struct sv_run {
    rp_ctx *ctx;
    const rp_host_api *api;
    sv_state *st;
    const sv_settings *s;
    const char *tenant;
    int64_t now;
    sv_customer *customers;
    size_t ncustomers, customers_cap;
    rp_keyindex customer_index;     /* customers by id */
    sv_request *requests;
    size_t nrequests, requests_cap;
    rp_keyindex request_index;      /* requests by survey id */
    sv_complaint *complaints;
    size_t ncomplaints, complaints_cap;
} sv_run;

void sv_run_free(sv_run *r);
sv_customer *sv_run_customer(sv_run *r, const char *id, bool create);
sv_request *sv_run_request(sv_run *r, const char *survey_id, const char *customer, bool create);
sv_complaint *sv_run_complaint(sv_run *r, const char *id, const char *customer, bool create);
/* The customer's zone, else the tenant's. */
const char *sv_run_tz(sv_run *r, const char *customer);

/* ---- store.c ---- */
bool sv_store_load(sv_run *r, const rp_event *const *events, size_t n);
/* Marks the customer's row to be upserted; every customer with a pending
 * survey has one, so a send timer that finds none knows the customer was
 * erased. sv_store_write_customers writes all marked rows with one
 * statement, at the end of a run and before an erase's deletes. */
void sv_store_customer(sv_run *r, uint32_t partition, sv_customer *c);
bool sv_store_write_customers(sv_run *r);
typedef struct sv_monthly_delta {
    int64_t requested, answered, expired, suppressed;
    int64_t nps_answers, promoters, passives, detractors, csat_answers, csat_sum;
} sv_monthly_delta;
void sv_store_monthly(const rp_host_api *api, rp_ctx *ctx, const char *tenant, const char *month,
                      const char *tier, uint32_t partition, const sv_monthly_delta *d);
void sv_store_erase(sv_run *r, const char *customer);
void sv_num(char *buf, size_t size, int64_t v);
void sv_dbl(char *buf, size_t size, double v);
double sv_dbl_or(const char *text, double fallback);
int64_t sv_int_or(const char *text, int64_t fallback);

/* ---- handlers.c, response.c ---- */
bool sv_handle_event(sv_run *r, const rp_event *ev);
bool sv_handle_response(sv_run *r, const rp_event *ev);
/* Starts a complaint's clocks: dues, timers, row. */
bool sv_complaint_start(sv_run *r, sv_complaint *c, uint32_t partition, const char *source,
                        const char *survey_id, const char *category, const char *text);
/* Arms the survey-send timer of a trigger. */
bool sv_arm_send(sv_run *r, const char *customer, const char *kind, const char *survey_id,
                 const char *ref, int64_t due_ms);
/* The same timer, re-armed at due_ms for a survey first due at first_due_ms. */
bool sv_arm_send_at(rp_ctx *ctx, const rp_host_api *api, const char *tenant, const char *customer,
                    const char *kind, const char *survey_id, const char *ref, int64_t first_due_ms,
                    int64_t due_ms);

/* ---- answers.c ---- */
/* The answers map as JSON text (malloc'd); NULL when absent or not a map,
 * or on out of memory (*oom set). */
char *sv_answers_json(rp_view answers, bool *oom);

/* ---- timers.c (the timer kinds: timers.h) ---- */
int sv_on_timers(rp_ctx *ctx, const rp_host_api *api, sv_state *st, const rp_timer *const *timers,
                 size_t count);

/* ---- emit.c: survey's parts of its msgpack maps (rp_mpout.h builds them) ---- */
void sv_pack_dbl(rp_mpout *o, const char *key, double value);   /* < 0 -> nil */
void sv_pack_questions(rp_mpout *o);                             /* "questions" array */
/* Sets a timer with the map as payload and frees it; false after api->fail. */
bool sv_pack_timer(rp_mpout *o, rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                   const char *key, int64_t due_ms, const char *customer);

#endif
