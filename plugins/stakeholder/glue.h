/*
 * glue.h - what the stakeholder plugin's glue files share: settings, the
 * working set of one run (people, orgs and memberships the run touches) and
 * the functions that load it, apply events to it and write it back.
 *
 * Only the glue includes plugin.h; the rules are in the pure files
 * (model.c, strength.c, coverage.c, advice.c).
 */
#ifndef STAKEHOLDER_GLUE_H
#define STAKEHOLDER_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "rapport/rp_keyindex.h"
#include "coverage.h"
#include "member.h"
#include "model.h"
#include "strength.h"

#define SH_NONE ((size_t)-1)

/* ---- settings (docs/plugins/stakeholder.md) ----
 * Filled by the host from sh_settings_table (settings.c): one struct for
 * every tenant with TENANT.KEY overrides, one plugin-wide for the others.
 * Immutable until shutdown, so a run keeps a pointer to its tenant's. */
typedef struct sh_settings {
    sh_strength_params strength;    /* half_life (DURATION), strength_scale */
    double adequate_strength;       /* 0 <= v < 100: a tie at or above it covers a role */
    double weight_contact, weight_care_done, weight_activity;
    int64_t champion_priority;      /* care_requests.priority, 1..5 */
} sh_settings;

extern const rp_setting sh_settings_table[];
int sh_settings_check(void *settings, const char *tenant, char *err, size_t errlen);

/* schema.c */
extern const rp_migration sh_migrations[];

/* ---- the working set of one run ----
 * on_events records facts (the logs, the people's strength, the member and
 * org rows) and arms each affected org's evaluation; on_timers evaluates
 * coverage on the tenant clock from the facts as of its instant. */
typedef struct sh_person {
    char *id;
    int32_t partition;
    sh_style style;
    int64_t style_ms;           /* ts of the customer.upsert that set style; -1: none */
    char *style_event;          /* its id (ties at one ts: the larger id wins) */
    sh_strength strength;       /* fold of every interaction, in event-time order */
    sh_strength asof;           /* on_timers: fold of the interactions before r->now */
    int64_t interactions;
    int64_t first_ms, last_ms;  /* -1: never */
    bool dirty;
} sh_person;

#define SH_NEVER INT64_MIN      /* computed_ms of an org never evaluated */
#define SH_NO_TIMER INT64_MAX   /* next_eval_ms when no evaluation is armed */

typedef struct sh_org {
    char *id;
    int32_t partition;
    sh_gap_kind gap[SH_ROLE_COUNT];
    int64_t gap_opened_ms[SH_ROLE_COUNT];
    sh_coverage coverage;
    int64_t computed_ms;        /* instant of the last evaluation; SH_NEVER */
    int64_t next_eval_ms;       /* the armed evaluation (tenant clock); SH_NO_TIMER */
    int64_t born_ms;            /* on_timers: earliest org or member fact; INT64_MAX: none */
    int64_t next_fact_ms;       /* on_timers: earliest fact at or after r->now; INT64_MAX */
    bool armed;                 /* next_eval_ms changed in this run: set the timer */
    bool evaluated;             /* coverage recomputed in this run: write the row */
} sh_org;

/* A person's membership of an org. In on_events only a link (which orgs a
 * contact concerns); in on_timers also the state as of r->now. */
typedef struct sh_member {
    size_t org, person;
    unsigned roles;
    sh_attitude attitude;
    bool active;
} sh_member;

typedef struct sh_run {
    rp_ctx *ctx;
    const rp_host_api *api;
    const sh_settings *s;
    const char *tenant;
    int64_t now;
    sh_person *people;
    size_t npeople, people_cap;
    rp_keyindex people_ix;
    sh_org *orgs;
    size_t norgs, orgs_cap;
    rp_keyindex orgs_ix;
    sh_member *members;
    size_t nmembers, members_cap;
} sh_run;

/* run.c: a working set for the call's tenant, with its settings */
void sh_run_init(sh_run *r, const rp_call *call);
void sh_run_free(sh_run *r);
/* Index of a person/org, created (blank) when absent and create is true;
 * SH_NONE when absent, or after api->fail when memory ran out. */
size_t sh_run_person(sh_run *r, const char *id, bool create);
size_t sh_run_org(sh_run *r, const char *id, bool create);
/* The membership of person in org; SH_NONE when absent and not created. */
size_t sh_run_member(sh_run *r, size_t org, size_t person, bool create);
/* Appends a membership the caller knows is not there yet (loaders reading
 * one row per membership: no search). */
size_t sh_run_member_add(sh_run *r, size_t org, size_t person);

/* load.c: set-based reads. For events: the people the run's events touch,
 * the orgs of its org events and of those people's memberships, with what
 * arming needs. For timers: the orgs with their gaps, members' states as of
 * r->now, people's strength as of r->now, and the facts around r->now. */
bool sh_load_for_events(sh_run *r, const rp_event *const *events, size_t n);
bool sh_load_for_timers(sh_run *r, const char *const *orgs, size_t n);

/* membership.c: a member's log entries (stakeholder_member_log) as folded
 * state; the row written from the fold. */
typedef struct sh_member_log sh_member_log;
/* The entries of (org, person), the one just deferred included; NULL after
 * api->fail. */
sh_member_log *sh_member_log_read(sh_run *r, size_t org, size_t person);
void sh_member_log_free(sh_run *r, sh_member_log *log);
/* The state after every entry, and the state just before the entry with
 * event id `before_id` (false when that entry is not in the log). */
void sh_member_log_fold(const sh_member_log *log, sh_member_state *out);
bool sh_member_log_fold_before(const sh_member_log *log, const char *before_id, sh_member_state *out);
/* on_timers: the states as of r->now of every member of the loaded orgs. */
bool sh_member_log_load_orgs(sh_run *r, const char *orgs_literal);

/* store.c: the facts of events, deferred (the logs; the org fields and
 * member rows folded from them) */
bool sh_store_org_log(sh_run *r, size_t org, const rp_event *ev);
bool sh_store_member_log(sh_run *r, size_t org, size_t person, const rp_event *ev, unsigned roles);
bool sh_store_member_row(sh_run *r, size_t org, size_t person, const sh_member_state *m);
bool sh_store_interaction(sh_run *r, size_t person, const rp_event *ev, double weight);
/* ... and the reads a late fact needs (not deferred): a person's strength
 * folded again from the log, the org's owner as of an instant (NULL: none;
 * *owner malloc'd). */
bool sh_store_refold(sh_run *r, size_t person);
bool sh_store_owner_at(sh_run *r, size_t org, int64_t at_ms, char **owner);

/* save.c: gap changes and care requests (deferred, as they happen), the
 * changed people and orgs at the end of a run, the advice at start */
bool sh_store_gap(sh_run *r, size_t org, const sh_gap_change *change);
bool sh_store_care_request(sh_run *r, size_t org, size_t person, const rp_event *ev,
                           const char *owner, const char *roles_text, const char *request_id);
bool sh_store_save(sh_run *r);
bool sh_store_advice(rp_ctx *ctx, const rp_host_api *api);

/* data.c: a string field of an event's data as a malloc'd NUL-terminated
 * copy (ids and free text of any length the wire allows). NULL when absent
 * or not a string; also NULL on out of memory, which sets *oom (callers
 * read several fields, then check once). */
char *sh_data_str(const sh_run *r, rp_view data, const char *key, bool *oom);
/* The same for a value already looked up (e.g. an array item). */
char *sh_view_dup(const sh_run *r, rp_view v, bool *oom);
/* false after api->fail naming what was being read. */
bool sh_fail_oom(sh_run *r, const char *what);

/* handlers.c */
bool sh_handle_event(sh_run *r, const rp_event *ev);

/* assess.c: arming and evaluating coverage on the tenant clock.
 * sh_assess_arm: a fact at ts_ms may change org's coverage: evaluate it at
 * ts_ms + 1 (the first instant that counts it), or at its last evaluation's
 * instant if that is later (a late fact corrects that instant, never an
 * earlier one). sh_assess_org: the coverage of org at r->now from the facts
 * before r->now, its gap changes emitted and stored, its next evaluation
 * armed. sh_assess_timers sets the armed orgs' timers (once, at the end). */
void sh_assess_arm(sh_run *r, size_t org, int64_t ts_ms);
bool sh_assess_org(sh_run *r, size_t org);
bool sh_assess_timers(sh_run *r);
/* Timer keys are SH_TIMER_PREFIX + the org id in full (at most 265 bytes,
 * well under the host's timer key limit: no hashing). */
#define SH_TIMER_PREFIX "coverage:"

#endif
