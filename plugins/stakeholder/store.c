/*
 * store.c - the facts of each event, deferred (one pipelined round trip per
 * run): the org, member and interaction logs, and the org fields and member
 * rows folded from them. And the two reads a late fact needs (a strength
 * folded again from the log, an org's owner as of an instant). save.c has
 * the writes of evaluations and of the end of a run.
 *
 * Every "latest" is by event time (ts, then event id bytewise: COLLATE
 * "C"), never by arrival, so the rows do not depend on arrival order.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static void num(char *buf, size_t size, int64_t v)
{
    snprintf(buf, size, "%" PRId64, v);
}

static void dbl(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.17g", v);
}

static bool defer(sh_run *r, const char *sql, int n, const char *const *params)
{
    return r->api->db_defer(r->ctx, sql, n, params) == RP_OK;
}

/* Frees the n copies sh_data_str made for one statement's parameters. */
static void free_all(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
}

static const char *int_field(const sh_run *r, const rp_event *ev, const char *key, char *buf,
                             size_t size)
{
    int64_t v;
    if (!r->api->view_int(r->api->view_get(ev->data, key), &v))
        return NULL;
    num(buf, size, v);
    return buf;
}

/* The latest non-NULL value of a field among the org's org.upsert events. */
#define LATEST_ORG_FIELD(f)                                                                    \
    " " f " = (SELECT l." f " FROM stakeholder_org_log l WHERE l.tenant = o.tenant"             \
    " AND l.org = o.org AND l." f " IS NOT NULL ORDER BY l.ts_ms DESC, l.event_id COLLATE \"C\" DESC" \
    " LIMIT 1)"

/* The org's fields: each the latest present in its org.upsert events (a
 * late event with an older name changes nothing). */
static bool refresh_org_fields(sh_run *r, size_t org)
{
    static const char ensure[] =
        "INSERT INTO stakeholder_orgs (tenant, org, partition) VALUES ($1, $2, $3)"
        " ON CONFLICT (tenant, org) DO NOTHING";
    static const char sql[] =
        "UPDATE stakeholder_orgs o SET" LATEST_ORG_FIELD("name") "," LATEST_ORG_FIELD("industry") ","
        LATEST_ORG_FIELD("size") "," LATEST_ORG_FIELD("country") "," LATEST_ORG_FIELD("timezone") ","
        LATEST_ORG_FIELD("owner") ","
        " updated_ms = (SELECT max(l.ts_ms) FROM stakeholder_org_log l"
        "   WHERE l.tenant = o.tenant AND l.org = o.org)"
        " WHERE o.tenant = $1 AND o.org = $2";
    char part[16];
    num(part, sizeof part, r->orgs[org].partition);
    const char *params[] = {r->tenant, r->orgs[org].id, part};
    return defer(r, ensure, 3, params) && defer(r, sql, 2, params);
}

bool sh_store_org_log(sh_run *r, size_t org, const rp_event *ev)
{
    static const char sql[] =
        "INSERT INTO stakeholder_org_log (tenant, org, event_id, ts_ms, name, industry, size, country,"
        "  timezone, owner) VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, $8, $9, $10)"
        " ON CONFLICT (tenant, org, event_id) DO NOTHING";
    static const char *const keys[] = {"name", "industry", "country", "timezone", "owner"};
    enum { NAME, INDUSTRY, COUNTRY, TZ, OWNER, NFIELDS };
    char *f[NFIELDS];
    bool oom = false;
    for (size_t i = 0; i < NFIELDS; i++)
        f[i] = sh_data_str(r, ev->data, keys[i], &oom);
    char ts[24], size[24];
    num(ts, sizeof ts, ev->ts_ms);
    const char *params[] = {
        r->tenant, r->orgs[org].id, ev->id, ts, f[NAME], f[INDUSTRY],
        int_field(r, ev, "size", size, sizeof size), f[COUNTRY], f[TZ], f[OWNER],
    };
    bool ok = oom ? sh_fail_oom(r, "reading org.upsert") : defer(r, sql, 10, params);
    free_all(f, NFIELDS);
    return ok && refresh_org_fields(r, org);
}

bool sh_store_member_log(sh_run *r, size_t org, size_t person, const rp_event *ev, unsigned roles)
{
    static const char sql[] =
        "INSERT INTO stakeholder_member_log (tenant, org, customer, event_id, ts_ms, kind, roles,"
        "  attitude, influence, title, interests_collective, interests_personal, reason)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9::int, $10, $11, $12, $13)"
        " ON CONFLICT (tenant, org, customer, event_id) DO NOTHING";
    static const char *const keys[] = {"attitude", "title", "interests_collective",
                                       "interests_personal", "reason"};
    enum { ATTITUDE, TITLE, COLLECTIVE, PERSONAL, REASON, NFIELDS };
    bool left = strcmp(ev->type, "stakeholder.left") == 0;
    char ts[24], roles_text[256], influence[24];
    num(ts, sizeof ts, ev->ts_ms);
    if (!left && !sh_roles_to_array_literal(roles, roles_text, sizeof roles_text))
        return false;
    char *f[NFIELDS] = {0};
    bool oom = false;
    for (size_t i = 0; i < NFIELDS; i++)
        if (left == (i == REASON))   /* a left keeps its reason; an upsert everything else */
            f[i] = sh_data_str(r, ev->data, keys[i], &oom);
    const char *params[] = {
        r->tenant, r->orgs[org].id, r->people[person].id, ev->id, ts, left ? "left" : "upsert",
        left ? NULL : roles_text, f[ATTITUDE],
        left ? NULL : int_field(r, ev, "influence", influence, sizeof influence),
        f[TITLE], f[COLLECTIVE], f[PERSONAL], f[REASON],
    };
    bool ok = oom ? sh_fail_oom(r, "reading a stakeholder event") : defer(r, sql, 13, params);
    free_all(f, NFIELDS);
    return ok;
}

bool sh_store_member_row(sh_run *r, size_t org, size_t person, const sh_member_state *m)
{
    static const char sql[] =
        "INSERT INTO stakeholder_members AS m (tenant, org, customer, partition, roles, influence,"
        "  attitude, title, interests_collective, interests_personal, active, joined_ms, left_ms,"
        "  left_reason, updated_ms)"
        " VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        " ON CONFLICT (tenant, org, customer) DO UPDATE SET roles = EXCLUDED.roles,"
        "  influence = EXCLUDED.influence, attitude = EXCLUDED.attitude, title = EXCLUDED.title,"
        "  interests_collective = EXCLUDED.interests_collective,"
        "  interests_personal = EXCLUDED.interests_personal, active = EXCLUDED.active,"
        "  joined_ms = EXCLUDED.joined_ms, left_ms = EXCLUDED.left_ms,"
        "  left_reason = EXCLUDED.left_reason, updated_ms = EXCLUDED.updated_ms";
    char part[16], roles[256], influence[24], joined[24], left[24], updated[24];
    num(part, sizeof part, r->orgs[org].partition);
    if (!sh_roles_to_array_literal(m->roles, roles, sizeof roles))
        return false;
    num(influence, sizeof influence, m->influence);
    num(joined, sizeof joined, m->joined_ms);
    num(left, sizeof left, m->left_ms);
    num(updated, sizeof updated, m->updated_ms);
    const char *params[] = {
        r->tenant, r->orgs[org].id, r->people[person].id, part, roles, influence,
        sh_attitude_name(m->attitude), m->title, m->interests_collective, m->interests_personal,
        m->active ? "true" : "false", joined, m->left_ms >= 0 ? left : NULL, m->left_reason, updated,
    };
    return defer(r, sql, 15, params);
}

bool sh_store_interaction(sh_run *r, size_t person, const rp_event *ev, double weight)
{
    static const char sql[] =
        "INSERT INTO stakeholder_interactions (tenant, customer, event_id, ts_ms, weight)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, customer, event_id) DO NOTHING";
    char ts[24], w[32];
    num(ts, sizeof ts, ev->ts_ms);
    dbl(w, sizeof w, weight);
    const char *params[] = {r->tenant, r->people[person].id, ev->id, ts, w};
    return defer(r, sql, 5, params);
}

/* ---- reads a late fact needs ---- */

bool sh_store_refold(sh_run *r, size_t person)
{
    /* the same additions in the same order as in-order arrival would have
     * made, so the sum is the same to the last bit */
    static const char sql[] =
        "SELECT ts_ms, weight FROM stakeholder_interactions WHERE tenant = $1 AND customer = $2"
        "  ORDER BY ts_ms, event_id COLLATE \"C\"";
    sh_person *p = &r->people[person];
    const char *params[] = {r->tenant, p->id};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 2, params);
    if (!rows)
        return false;
    p->strength = (sh_strength){0};
    for (int i = 0; i < r->api->rows_count(rows); i++)
        sh_strength_add(&p->strength, strtoll(r->api->rows_value(rows, i, 0), NULL, 10),
                        strtod(r->api->rows_value(rows, i, 1), NULL), &r->s->strength);
    r->api->rows_free(rows);
    return true;
}

bool sh_store_owner_at(sh_run *r, size_t org, int64_t at_ms, char **owner)
{
    static const char sql[] =
        "SELECT owner FROM stakeholder_org_log WHERE tenant = $1 AND org = $2 AND owner IS NOT NULL"
        "  AND ts_ms <= $3 ORDER BY ts_ms DESC, event_id COLLATE \"C\" DESC LIMIT 1";
    char at[24];
    num(at, sizeof at, at_ms);
    const char *params[] = {r->tenant, r->orgs[org].id, at};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 3, params);
    if (!rows)
        return false;
    const char *value = r->api->rows_count(rows) > 0 ? r->api->rows_value(rows, 0, 0) : NULL;
    *owner = value ? strdup(value) : NULL;
    r->api->rows_free(rows);
    return !value || *owner ? true : sh_fail_oom(r, "reading the owner");
}
