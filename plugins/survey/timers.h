/*
 * timers.h - the survey plugin's durable timers, taken in bulk (on_timers).
 * One key prefix per kind (arm.c sets them, keys.c makes the keys: in full,
 * or PREFIX#sha256:HEX past 1024 bytes; the ids are in the payloads):
 *   send:SURVEY_ID        a survey falls due: fatigue, contact budget, send
 *   expire:SURVEY_ID      an unanswered survey expires
 *   quarterly:CUSTOMER    the core group's quarterly survey; re-armed
 *   sla:first|resolve:ID  a complaint's clock ran out: escalate one level
 *   silent:SURVEY_ID      a satisfied answer's behaviour check; re-armed
 *
 * A call's timers (one tenant, ABI 2) form a batch (sv_tcall): each kind
 * reads what all its timers need with one query (timer_*.c, "load"), then
 * the timers are applied one by one in the order the host gave them
 * ("apply"), and their writes are collected and sent as one set-based
 * statement per kind (timer_writes.c).
 *
 * Files call one way: timers.c (sorts, loads, applies, flushes) calls the
 * kinds (timer_send_load.c, timer_send.c, timer_quarterly.c, timer_sla.c,
 * timer_silent.c), which use the shared pieces (timer_batch.c, timer_writes.c,
 * arm.c) and never call back into timers.c; timer_quarterly.c hands a core
 * customer's survey to timer_send.c.
 *
 * Why one pass in order over state loaded up front, rather than cutting the
 * call into sub-batches in which no customer appears twice: a customer's
 * timers depend on each other (a survey sent makes the next one fall under
 * fatigue and fills the contact budget; the two SLA clocks of a complaint
 * share its level), and on the retail data a call of 1,000 send timers
 * holds a repeated customer after about 12 timers, so contiguous
 * sub-batches would cost ~80 loads per call; putting each customer's k-th
 * timer in round k would still take ~14 rounds (the busiest customer's
 * timers) and reorder derived events across customers. Instead the few
 * facts a timer changes that a later timer of the same call reads are
 * carried in memory along the chain of that customer's (or complaint's)
 * timers (`prev`), as the database would have answered after the earlier
 * timer's writes:
 *   send:  the customer's latest counted survey (now, once one is sent
 *          or an unsolicited answer is taken over), their contact touches
 *          (one more at now per survey sent), and which survey ids already
 *          have a survey_requests row;
 *   sla:   the complaint's level.
 * Nothing else a timer reads is written by a timer: scoring_customers,
 * contact_budget, survey_customers' zone and existence (a quarterly timer
 * writes only the due time), survey_silent rows (one timer per answer),
 * and an expiry turns "requested" into "expired", which fatigue counts
 * alike. So the rows, the timers and every customer's sequence of derived
 * events are those of handling the timers one by one, in the same order.
 */
#ifndef SURVEY_TIMERS_H
#define SURVEY_TIMERS_H

#include <stddef.h>

#include "glue.h"
#include "rapport/rp_pgarray.h"

#define SV_NONE ((size_t)-1)

typedef enum sv_tkind {
    SV_T_SEND,
    SV_T_EXPIRE,
    SV_T_QUARTERLY,
    SV_T_SLA,
    SV_T_SILENT,
    SV_T_UNKNOWN
} sv_tkind;

/* One timer of the batch. */
typedef struct sv_titem {
    const rp_timer *t;
    sv_tkind kind;
    char *id;           /* owned: survey id, customer or complaint id (from the payload) */
    size_t slot;        /* its entry in the batch's array of its kind; SV_NONE if none */
} sv_titem;

/* A survey falling due: a send: timer, or a core customer's quarterly survey. */
typedef struct sv_tsend {
    size_t item;                /* the timer it is handled for: scope, partition, cause */
    const char *customer;       /* the timer's (borrowed for the call) */
    char *kind, *survey_id, *ref;   /* owned; ref may be NULL */
    int64_t first_due_ms;
    /* as loaded: one snapshot, so the same for every send of a customer */
    char *tier;                 /* owned */
    int64_t last_ms;            /* latest counted survey; -1: none */
    bool exists, erased;
    sv_budget_rule rules[SV_BUDGET_MAX_RULES];
    size_t nrules;
    int64_t *touches;           /* owned */
    size_t ntouches;
    /* the row of an answer recorded as unsolicited at or after the send
     * (late.h, sv_adopts_answer): the survey takes it over */
    bool adoptable;
    char answer_month[8];
    char *answer_tier;          /* owned */
    uint32_t answer_part;
    int answer_nps, answer_csat;
    /* carried along the customer's sends of the batch */
    size_t prev;                /* the customer's previous send; SV_NONE */
    int64_t last_after;         /* latest counted survey after this one */
    size_t sent_after;          /* surveys sent to the customer in the batch so far */
    bool inserted;              /* this one wrote a survey_requests row */
} sv_tsend;

typedef struct sv_tquarter {
    size_t item;
    bool found, core;
    int64_t next_ms;
    char quarter[16];
    size_t send;                /* its survey in sends when the customer is core */
} sv_tquarter;

typedef struct sv_tsla {
    size_t item;
    const char *id;             /* the complaint (borrowed from the key) */
    bool first;                 /* first-response clock, else resolution */
    bool open;                  /* found, not resolved, this clock not met */
    sv_severity severity;
    int level;                  /* as loaded, or as the previous clock left it */
    int64_t due_ms;
    size_t prev;                /* the complaint's previous clock in the batch */
    int level_after;            /* the level this clock leaves */
} sv_tsla;

typedef struct sv_tsilent {
    size_t item;
    bool found;
    int64_t answered_ms;
    char nps[8], csat[8];       /* as text; "" when the answer had none */
    double alive_then, buys_then, alive_now, buys_now;
} sv_tsilent;

/* The batch's writes, one column per array (timer_writes.c). */
typedef struct sv_twrites {
    /* survey_requests rows, with their contact_ledger row and monthly counts */
    rp_pgarray req_id, req_customer, req_part, req_kind, req_ref, req_status, req_reason, req_tier,
        req_expires, req_cause;
    rp_pgarray expire_id;
    rp_pgarray quarter_customer, quarter_due;
    rp_pgarray sla_id, sla_level, sla_name;
    rp_pgarray flag_id, flag_alive, flag_buys, flag_reason;
    rp_pgarray watch_id, watch_status;
    /* unsolicited answers taken over by their survey (sv_tw_adopt) */
    rp_pgarray adopt_id, adopt_customer, adopt_part, adopt_kind, adopt_ref, adopt_reason, adopt_tier,
        adopt_expires, adopt_cause, adopt_sent;
    /* monthly count changes: month, tier, partition and the counters */
    rp_pgarray mon_month, mon_tier, mon_part, mon_requested, mon_answered, mon_nps_answers, mon_promoters,
        mon_passives, mon_detractors, mon_csat_answers, mon_csat_sum;
} sv_twrites;

/* The timers of one on_timers call (one tenant). */
typedef struct sv_tcall {
    const rp_call *call;
    rp_ctx *ctx;                /* call->ctx */
    const rp_host_api *api;     /* call->api */
    const sv_settings *s;       /* call->settings: the tenant's */
    const char *tenant;         /* call->tenant */
    sv_calendar cal;            /* the tenant's business calendar */
    int64_t now;                /* one engine time for the whole call */
    int scoring;                /* scoring_customers exists: 1, 0, or -1 not asked yet */
    sv_titem *items;
    size_t n;
    sv_tsend *sends;            /* room for n of each kind */
    size_t nsends;
    sv_tquarter *quarters;
    size_t nquarters;
    sv_tsla *slas;
    size_t nslas;
    sv_tsilent *silents;
    size_t nsilents;
    sv_twrites w;
} sv_tcall;

/* timers.c: on_timers */
bool sv_timers_handle(const rp_call *call, const rp_timer *const *timers, size_t count);

/* timer_batch.c: what the kinds share */
/* A load's query with the batch's tenant as $1; NULL after api->fail. */
rp_rows *sv_tquery(sv_tcall *c, const char *what, const char *sql, int n, const char *const *params);
/* sv_tquery with $2 the array of ids (freed here); NULL after api->fail. */
rp_rows *sv_tquery_ids(sv_tcall *c, const char *what, const char *sql, rp_pgarray *ids);
/* The entry row r of a load is about: its first column is the entry's
 * position (1-based, WITH ORDINALITY) in the query's array; SV_NONE after
 * api->fail. */
size_t sv_tslot(sv_tcall *c, const rp_rows *rows, int r, size_t count);
/* Sets each entry's prev to the index of the entry before it, in item
 * order, with the same key (SV_NONE if none). entries: n structs of size
 * bytes; key_at, item_at, prev_at: offsets of their const char *key,
 * size_t item and size_t prev. */
bool sv_tchain(sv_tcall *c, void *entries, size_t n, size_t size, size_t key_at, size_t item_at,
               size_t prev_at);
/* Whether scoring_customers exists, asked at most once per batch (until it
 * exists the plugin state does not keep the answer); false after api->fail. */
bool sv_tscoring(sv_tcall *c, bool *present);
/* Sets the host's scope to the item's timer before an emit or timer_set. */
void sv_tscope(sv_tcall *c, size_t item);

/* timer_send_load.c, timer_send.c */
bool sv_tsend_load(sv_tcall *c);
bool sv_tsend_apply(sv_tcall *c, sv_tsend *s);
/* Adds a send: timer's survey from its payload. */
bool sv_tsend_add(sv_tcall *c, size_t item);

/* timer_quarterly.c */
bool sv_tquarter_load(sv_tcall *c);
bool sv_tquarter_apply(sv_tcall *c, sv_tquarter *q);

/* timer_sla.c */
bool sv_tsla_load(sv_tcall *c);
bool sv_tsla_apply(sv_tcall *c, sv_tsla *a);

/* timer_silent.c */
bool sv_tsilent_load(sv_tcall *c);
bool sv_tsilent_apply(sv_tcall *c, sv_tsilent *w);

/* timer_writes.c */
void sv_tw_request(sv_tcall *c, const sv_tsend *s, const char *status, const char *reason,
                   int64_t expires_ms);
/* The survey s takes over the unsolicited answer of its id: the row becomes
 * the survey's (sent: with its contact-ledger touch; else suppressed with
 * reason and answered after all), and the answer's counts move from the
 * answer's month to the survey's. False after api->fail. */
bool sv_tw_adopt(sv_tcall *c, const sv_tsend *s, const char *reason, int64_t expires_ms, bool sent);
void sv_tw_expire(sv_tcall *c, const char *survey_id);
void sv_tw_quarter(sv_tcall *c, const char *customer, int64_t due_ms);
void sv_tw_escalate(sv_tcall *c, const char *complaint_id, int level);
void sv_tw_flag(sv_tcall *c, const char *survey_id, double alive_now, double buys_now,
                sv_silent_reason why);
void sv_tw_watch(sv_tcall *c, const char *survey_id, bool again);
/* Defers the collected statements (only the kinds that have rows); false
 * after api->fail. */
bool sv_tw_flush(sv_tcall *c);
void sv_tw_free(sv_twrites *w);

#endif
