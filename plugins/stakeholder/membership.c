/*
 * membership.c - a member's log entries (stakeholder_member_log) read back
 * and folded (member.c): the member row after every entry, the state just
 * before a left (was this a champion leaving?), and on timers every
 * member's state as of the evaluation instant.
 *
 * The entries are sorted in C with sh_member_entry_cmp (ts, then the event
 * id bytewise), so the order never depends on the database's collation.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

struct sh_member_log {
    rp_rows *rows;              /* the entries' strings point into it */
    sh_member_entry *entries;
    size_t n;
};

enum { C_TS, C_ID, C_KIND, C_ROLES, C_ATTITUDE, C_INFLUENCE, C_TITLE, C_COLLECTIVE, C_PERSONAL,
       C_REASON };

#define ENTRY_COLUMNS                                                                   \
    "ts_ms, event_id, kind, roles::text, attitude, influence, title, interests_collective," \
    " interests_personal, reason"

/* Row i (columns from `first` on, in ENTRY_COLUMNS order) as an entry. */
static sh_member_entry read_entry(const sh_run *r, rp_rows *rows, int i, int first)
{
    const rp_host_api *api = r->api;
    const char *attitude = api->rows_value(rows, i, first + C_ATTITUDE);
    const char *influence = api->rows_value(rows, i, first + C_INFLUENCE);
    const char *kind = api->rows_value(rows, i, first + C_KIND);
    sh_member_entry e = {
        .ts_ms = strtoll(api->rows_value(rows, i, first + C_TS), NULL, 10),
        .event_id = api->rows_value(rows, i, first + C_ID),
        .left = kind && strcmp(kind, "left") == 0,
        .roles = sh_roles_from_array_literal(api->rows_value(rows, i, first + C_ROLES)),
        .has_influence = influence != NULL,
        .influence = influence ? strtoll(influence, NULL, 10) : 0,
        .title = api->rows_value(rows, i, first + C_TITLE),
        .interests_collective = api->rows_value(rows, i, first + C_COLLECTIVE),
        .interests_personal = api->rows_value(rows, i, first + C_PERSONAL),
        .reason = api->rows_value(rows, i, first + C_REASON),
    };
    e.has_attitude = attitude && sh_attitude_parse(attitude, &e.attitude);
    return e;
}

sh_member_log *sh_member_log_read(sh_run *r, size_t org, size_t person)
{
    static const char sql[] =
        "SELECT " ENTRY_COLUMNS " FROM stakeholder_member_log"
        "  WHERE tenant = $1 AND org = $2 AND customer = $3";
    const char *params[] = {r->tenant, r->orgs[org].id, r->people[person].id};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 3, params);
    if (!rows)
        return NULL;
    int n = r->api->rows_count(rows);
    sh_member_log *log = calloc(1, sizeof *log);
    sh_member_entry *entries = malloc((n > 0 ? (size_t)n : 1) * sizeof *entries);
    if (!log || !entries) {
        free(log);
        free(entries);
        r->api->rows_free(rows);
        sh_fail_oom(r, "reading a membership");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        entries[i] = read_entry(r, rows, i, 0);
    qsort(entries, (size_t)n, sizeof *entries, sh_member_entry_cmp);
    *log = (sh_member_log){.rows = rows, .entries = entries, .n = (size_t)n};
    return log;
}

void sh_member_log_free(sh_run *r, sh_member_log *log)
{
    if (!log)
        return;
    r->api->rows_free(log->rows);
    free(log->entries);
    free(log);
}

void sh_member_log_fold(const sh_member_log *log, sh_member_state *out)
{
    sh_member_fold(log->entries, log->n, out);
}

bool sh_member_log_fold_before(const sh_member_log *log, const char *before_id, sh_member_state *out)
{
    for (size_t i = 0; i < log->n; i++)
        if (strcmp(log->entries[i].event_id, before_id) == 0) {
            sh_member_fold(log->entries, i, out);
            return true;
        }
    return false;
}

/* ---- timers: every member's state as of r->now ---- */

/* Folds one member's entries [from, to) of the rows as of r->now (each
 * member's rows come together, once). */
static bool fold_member(sh_run *r, rp_rows *rows, sh_member_entry *entries, int from, int to)
{
    size_t count = 0;
    for (int i = from; i < to; i++)
        entries[count++] = read_entry(r, rows, i, 2);
    qsort(entries, count, sizeof *entries, sh_member_entry_cmp);
    sh_member_state state;
    sh_member_fold(entries, sh_member_before(entries, count, r->now), &state);
    if (!state.joined)
        return true;   /* not a member yet at r->now */
    size_t org = sh_run_org(r, r->api->rows_value(rows, from, 0), false);
    size_t person = sh_run_person(r, r->api->rows_value(rows, from, 1), true);
    size_t m = person == SH_NONE || org == SH_NONE ? SH_NONE : sh_run_member_add(r, org, person);
    if (m == SH_NONE)
        return org == SH_NONE;   /* an org not asked for cannot happen; a person out of memory */
    r->members[m].roles = state.roles;
    r->members[m].attitude = state.attitude;
    r->members[m].active = state.active;
    return true;
}

static bool same_member(const rp_host_api *api, rp_rows *rows, int a, int b)
{
    return strcmp(api->rows_value(rows, a, 0), api->rows_value(rows, b, 0)) == 0
        && strcmp(api->rows_value(rows, a, 1), api->rows_value(rows, b, 1)) == 0;
}

bool sh_member_log_load_orgs(sh_run *r, const char *orgs_literal)
{
    char now[24];
    snprintf(now, sizeof now, "%" PRId64, r->now);
    static const char sql[] =
        "SELECT org, customer, " ENTRY_COLUMNS " FROM stakeholder_member_log"
        "  WHERE tenant = $1 AND org = ANY($2::text[]) AND ts_ms < $3 ORDER BY org, customer";
    const char *params[] = {r->tenant, orgs_literal, now};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 3, params);
    if (!rows)
        return false;
    int n = r->api->rows_count(rows);
    sh_member_entry *entries = malloc((n > 0 ? (size_t)n : 1) * sizeof *entries);
    bool ok = entries ? true : sh_fail_oom(r, "reading memberships");
    for (int from = 0, to; ok && from < n; from = to) {
        for (to = from + 1; to < n && same_member(r->api, rows, from, to); to++)
            ;
        ok = fold_member(r, rows, entries, from, to);
    }
    free(entries);
    r->api->rows_free(rows);
    return ok;
}
