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

/* ---- the working set of one run ---- */
typedef struct sh_person {
    char *id;
    int32_t partition;
    sh_style style;
    sh_strength strength;
    int64_t interactions;
    int64_t last_ms;            /* -1: never */
    bool dirty;
} sh_person;

typedef struct sh_org {
    char *id;
    int32_t partition;
    char *owner;                /* NULL when unknown */
    sh_gap_kind gap[SH_ROLE_COUNT];
    int64_t gap_opened_ms[SH_ROLE_COUNT];
    sh_coverage coverage;
    bool affected;              /* coverage may have changed since last evaluated */
    bool dirty;
} sh_org;

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
/* The membership of person in org (active or not); SH_NONE when absent
 * and not created. */
size_t sh_run_member(sh_run *r, size_t org, size_t person, bool create);
bool sh_run_set_owner(sh_run *r, size_t org, const char *owner);

/* store.c: loading (a few set-based queries) and writing back */
bool sh_store_load(sh_run *r, const rp_event *const *events, size_t n);
/* The orgs (n ids) and their members, for timers. */
bool sh_store_load_orgs(sh_run *r, const char *const *orgs, size_t n);
bool sh_store_save(sh_run *r);
bool sh_store_org_fields(sh_run *r, size_t org, const rp_event *ev);
bool sh_store_member(sh_run *r, size_t member, const rp_event *ev);
bool sh_store_member_left(sh_run *r, size_t member, const rp_event *ev, const char *reason);
bool sh_store_gap(sh_run *r, size_t org, const sh_gap_change *change);
bool sh_store_care_request(sh_run *r, size_t org, size_t person, const rp_event *ev,
                           const char *roles_text, const char *request_id);
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

/* assess.c: re-evaluates the coverage of every affected org at r->now,
 * emitting and recording gap changes; sh_assess_timers sets each dirty
 * org's decay timer (call once at the end of a run). */
bool sh_assess_affected(sh_run *r);
bool sh_assess_timers(sh_run *r);
/* Timer keys are SH_TIMER_PREFIX + the org id in full (at most 265 bytes,
 * well under the host's timer key limit: no hashing). */
#define SH_TIMER_PREFIX "coverage:"

#endif
