/*
 * glue.h - what the survey plugin's glue files share: the plugin state, the
 * working set of one run of events (one tenant, ABI 2), the shared pieces
 * both the events and the timers use (values, timer keys and arming,
 * msgpack parts, the scoring probe), and the event side's functions. The
 * timer side is in timers.h.
 *
 * Files call each other one way only (docs/plugins/survey.md, "Source"):
 *   plugin.c -> handlers.c -> response.c -> clocks.c -> arm.c -> keys.c, emit.c
 *   plugin.c -> store.c -> run.c, scoring.c;  plugin.c -> timers.c (timers.h)
 * and every glue file may use values.c, settings and the pure logic
 * (metrics, budget, bizhours, sla, silent, schedule, complaint).
 */
#ifndef SURVEY_GLUE_H
#define SURVEY_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "rapport/rp_keyindex.h"
#include "rapport/rp_mpout.h"
#include "bizhours.h"
#include "budget.h"
#include "complaint.h"
#include "late.h"
#include "metrics.h"
#include "schedule.h"
#include "settings.h"
#include "silent.h"
#include "sla.h"

/* ---- plugin state (plugin.c allocates it in init; scoring.c fills it) ---- */
typedef struct sv_state {
    bool scoring_present;   /* once true it stays: tables are not dropped live */
} sv_state;

/* ---- values.c: numbers as SQL text and back, strings out of msgpack ---- */
void sv_num(char *buf, size_t size, int64_t v);
void sv_dbl(char *buf, size_t size, double v);
double sv_dbl_or(const char *text, double fallback);
int64_t sv_int_or(const char *text, int64_t fallback);
/* The non-empty string map[key] as a malloc'd NUL-terminated copy; NULL when
 * absent, not a string or empty (*oom false) or out of memory (*oom true). */
char *sv_view_dup(const rp_host_api *api, rp_view map, const char *key, bool *oom);
/* A tier as stored: the scoring plugin's, "unknown" for NULL. */
const char *sv_tier(const char *tier);
/* The concatenation of the NULL-terminated strings; NULL on out of memory. */
char *sv_concat(const char *first, ...) __attribute__((sentinel));
/* Replaces *slot with a copy of id (NULL allowed); false on out of memory. */
bool sv_set_id(char **slot, const char *id);

/* ---- scoring.c: whether scoring_customers exists (cached once true);
 * false after api->fail ---- */
bool sv_scoring_present(const rp_call *call, bool *present);

/* ---- keys.c: timer keys ----
 * PREFIX:ID in full while that fits SV_TIMER_KEY_MAX (the host's default
 * limits.timer_key_max_bytes), else PREFIX#sha256:HEX of the id: ids come
 * from the wire's data fields (order, complaint and survey ids), which have
 * no length limit of their own. The ids are in every timer's payload, so
 * nothing is read back out of a key. */
#define SV_TIMER_KEY_MAX 1024
#define SV_KEY_SEND "send"
#define SV_KEY_EXPIRE "expire"
#define SV_KEY_QUARTERLY "quarterly"
#define SV_KEY_SLA_FIRST "sla:first"
#define SV_KEY_SLA_RESOLVE "sla:resolve"
#define SV_KEY_SILENT "silent"
/* malloc'd; NULL on out of memory. */
char *sv_timer_key(const char *prefix, const char *id);
/* Whether key is one of prefix's (full or hashed). */
bool sv_timer_key_is(const char *key, const char *prefix);
/* The id of a full key of prefix; NULL for a hashed one. */
const char *sv_timer_key_id(const char *key, const char *prefix);

/* ---- emit.c: survey's parts of its msgpack maps (rp_mpout.h builds them) ---- */
void sv_pack_dbl(rp_mpout *o, const char *key, double value);   /* < 0 -> nil */
void sv_pack_questions(rp_mpout *o);                             /* "questions" array */
/* Sets the call's tenant's timer key with the map as payload and frees the
 * map; false after api->fail. */
bool sv_pack_timer(rp_mpout *o, const rp_call *call, const char *key, int64_t due_ms, const char *customer);

/* ---- arm.c: every timer kind's key and payload, armed or cancelled ---- */
/* The survey-send timer at due_ms for a survey first due at first_due_ms. */
bool sv_arm_send(const rp_call *call, const char *customer, const char *kind, const char *survey_id,
                 const char *ref, int64_t first_due_ms, int64_t due_ms);
bool sv_arm_expire(const rp_call *call, const char *customer, const char *survey_id, int64_t due_ms);
bool sv_arm_quarterly(const rp_call *call, const char *customer, int64_t due_ms);
/* clock: "first" or "resolve". */
bool sv_arm_clock(const rp_call *call, const char *customer, const char *complaint_id, bool first,
                  int64_t due_ms);
bool sv_arm_silent(const rp_call *call, const char *customer, const char *survey_id, int64_t due_ms);
bool sv_cancel(const rp_call *call, const char *prefix, const char *id);

/* ---- the working set of one run (run.c) ---- */
typedef struct sv_customer {
    char *id;
    char *timezone;          /* NULL: the tenant's zone */
    int64_t timezone_ms;     /* the upsert that set it, -1: unknown (the latest by ts wins) */
    char *timezone_event;    /* that upsert's event id; NULL: unknown */
    int64_t first_purchase_ms; /* -1: none known; the quarterly round starts after it */
    int64_t quarterly_due_ms;/* 0: not armed */
    double p_alive, purchases; /* scoring snapshot now, SV_UNKNOWN if absent */
    bool stored;             /* has a survey_customers row (loaded or written) */
    bool dirty;              /* its row is to be written (sv_store_write_customers) */
    uint32_t partition;      /* of the event that last changed it */
    char *tier;              /* NULL: unknown */
} sv_customer;

typedef struct sv_request {
    char *survey_id, *customer;
    const char *status;      /* static: requested, answered, expired, suppressed */
    char month[8];           /* YYYY-MM */
    char *tier;
    bool unsolicited;        /* kind unsolicited: requested when answered */
    /* the recorded answer (the earliest by event time, late.h) */
    int64_t answered_ms;     /* -1: none */
    char *answer_event;      /* NULL: none or unknown */
    int nps, csat;           /* SV_NO_SCORE when not given */
    const char *watch;       /* static: the survey_silent row's status, NULL: none */
} sv_request;

typedef struct sv_complaint {
    char *id, *customer;
    int severity;
    bool from_survey;        /* source survey: a detractor's */
    int64_t opened_ms, first_due_ms, resolve_due_ms;
    int64_t first_response_ms, resolved_ms;   /* -1: not yet */
    char *opened_event, *resolved_event;      /* NULL: unknown */
    int level;
} sv_complaint;

typedef struct sv_run {
    const rp_call *call;
    rp_ctx *ctx;                    /* call->ctx */
    const rp_host_api *api;         /* call->api */
    const sv_settings *s;           /* call->settings: the tenant's */
    const char *tenant;             /* call->tenant */
    sv_calendar cal;                /* the tenant's business calendar */
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

void sv_run_init(sv_run *r, const rp_call *call);
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
void sv_store_monthly(sv_run *r, const char *month, const char *tier, uint32_t partition,
                      const sv_monthly_delta *d);
/* Deletes the tenant's monthly rows that counts moving to another month
 * left all zero, so the rows are those of counting in event-time order. */
void sv_store_monthly_prune(sv_run *r);
#define SV_MONTHLY_PRUNE_SQL                                                                   \
    "DELETE FROM survey_monthly WHERE tenant = $1 AND requested = 0 AND answered = 0"          \
    " AND expired = 0 AND suppressed = 0 AND nps_answers = 0 AND promoters = 0"                \
    " AND passives = 0 AND detractors = 0 AND csat_answers = 0 AND csat_sum = 0"
void sv_store_erase(sv_run *r, const char *customer);

/* ---- clocks.c: a complaint's two SLA clocks started (dues, timers, row) ---- */
bool sv_complaint_start(sv_run *r, sv_complaint *c, uint32_t partition, const char *source,
                        const char *survey_id, const char *category, const char *text);
/* A complaint opened earlier than recorded (a late earlier report, or a
 * late earlier detractor answer): c->opened_ms, opened_event and severity
 * already hold the earlier report's; the deadlines, the row (with the
 * report's category and text) and, while nothing escalated, the clocks
 * follow it. */
bool sv_complaint_move(sv_run *r, sv_complaint *c, const char *category, const char *text);
/* The month label of ms in the tenant's zone; false after api->fail. */
bool sv_month_of(sv_run *r, int64_t ms, char *buf, size_t size);

/* ---- handlers.c, response.c ---- */
bool sv_handle_event(sv_run *r, const rp_event *ev);
bool sv_handle_response(sv_run *r, const rp_event *ev);

/* ---- answers.c ---- */
/* The answers map as JSON text (malloc'd); NULL when absent or not a map,
 * or on out of memory (*oom set). */
char *sv_answers_json(rp_view answers, bool *oom);

/* ---- migrations.c ---- */
extern const rp_migration sv_migrations[];

#endif
