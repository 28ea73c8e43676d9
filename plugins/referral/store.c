/*
 * store.c - the referral plugin's SQL: loading a run's working set with a
 * few set-based queries, writing the changed nodes back with one statement,
 * and the per-fact writes (links, rejections, rewards, attribution), which
 * are deferred so a run costs few round trips.
 *
 * Ordering contract with the forest: link and erase changes of referred_by
 * and the depth shifts of unloaded descendants are deferred at the moment
 * they happen, in order; the dirty nodes are written last with absolute
 * values, so a loaded node shifted in SQL and in memory ends up right.
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

static bool fail_oom(const rf_run *r, const char *what)
{
    r->api->fail(r->ctx, "referral: out of memory %s (tenant %s)", what, r->tenant);
    return false;
}

/* ------------------------------------------------------------------------
 * Loading.
 * ---------------------------------------------------------------------- */

/* The customer a link event names in data (the referee of a `referral`, the
 * referrer of a `customer.upsert`), as an owned copy in *out, NULL if none.
 * false (after api->fail) on out of memory. */
static bool linked_id(const rf_run *r, const rp_event *ev, char **out)
{
    *out = NULL;
    if (!ev->customer)
        return true;
    if (strcmp(ev->type, "referral") == 0)
        return rf_data_str(r, ev, "referee", out);
    if (strcmp(ev->type, "customer.upsert") == 0)
        return rf_data_str(r, ev, "referred_by", out);
    return true;
}

/* The customers a run touches: every event's customer, referee and
 * referred_by; and (erases) whose children must be loaded too. */
static bool collect_ids(rf_run *r, const rp_event *const *events, size_t n,
                        rp_pgarray *seeds, rp_pgarray *erased)
{
    for (size_t i = 0; i < n; i++) {
        const rp_event *ev = events[i];
        if (!ev->customer)
            continue;
        rp_pgarray_add(seeds, ev->customer);
        char *other;
        if (!linked_id(r, ev, &other))
            return false;
        if (other)
            rp_pgarray_add(seeds, other);
        free(other);
        if (strcmp(ev->type, "customer.erase") == 0)
            rp_pgarray_add(erased, ev->customer);
    }
    return true;
}

static int64_t int_or(const char *text, int64_t fallback)
{
    return text ? strtoll(text, NULL, 10) : fallback;
}

static double dbl_of(const char *text)
{
    return text ? strtod(text, NULL) : 0.0;
}

static bool load_node_row(rf_run *r, const rp_rows *rows, int row)
{
    const rp_host_api *api = r->api;
    rf_node stored = {
        .id = (char *)api->rows_value(rows, row, 0),
        .parent_id = (char *)api->rows_value(rows, row, 1),
        .depth = (int32_t)int_or(api->rows_value(rows, row, 3), 0),
        .height = (int32_t)int_or(api->rows_value(rows, row, 4), 0),
        .subtree_size = int_or(api->rows_value(rows, row, 5), 1),
        .own_revenue = dbl_of(api->rows_value(rows, row, 6)),
        .subtree_revenue = dbl_of(api->rows_value(rows, row, 7)),
        .converted = api->rows_value(rows, row, 8) && api->rows_value(rows, row, 8)[0] == 't',
        .contribution = dbl_of(api->rows_value(rows, row, 9)),
        .influence = dbl_of(api->rows_value(rows, row, 10)),
    };
    int32_t i = rf_load(&r->forest, &stored);
    if (i == RF_NONE)
        return rf_find(&r->forest, stored.id) != RF_NONE; /* a duplicate row: keep the first */
    if (!rf_run_sync(r))
        return false;
    rf_extra *x = &r->extras[i];
    x->partition = int_or(api->rows_value(rows, row, 2), -1);
    x->converted_referrals = int_or(api->rows_value(rows, row, 11), 0);
    x->first_purchase_ms = int_or(api->rows_value(rows, row, 12), -1);
    const char *tz = api->rows_value(rows, row, 13);
    x->timezone = tz ? strdup(tz) : NULL;
    x->email_hash = (uint64_t)int_or(api->rows_value(rows, row, 14), 0);
    x->phone_hash = (uint64_t)int_or(api->rows_value(rows, row, 15), 0);
    const char *profession = api->rows_value(rows, row, 16), *industry = api->rows_value(rows, row, 17);
    x->profession = profession ? strdup(profession) : NULL;
    x->industry = industry ? strdup(industry) : NULL;
    x->loaded = true;
    return (!tz || x->timezone) && (!profession || x->profession) && (!industry || x->industry);
}

static bool load_nodes(rf_run *r, const char *seeds, const char *erased)
{
    static const char sql[] =
        "WITH RECURSIVE chain AS ("
        "  SELECT * FROM referral_nodes WHERE tenant = $1"
        "    AND (customer = ANY($2::text[]) OR referred_by = ANY($3::text[]))"
        "  UNION"
        "  SELECT n.* FROM referral_nodes n JOIN chain c ON n.tenant = $1 AND n.customer = c.referred_by)"
        " SELECT customer, referred_by, partition, depth, height, subtree_size, own_revenue,"
        "  subtree_revenue, converted, contribution, influence, converted_referrals,"
        "  first_purchase_ms, timezone, email_hash, phone_hash, profession, industry FROM chain";
    const char *params[] = {r->tenant, seeds, erased};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 3, params);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++)
        ok = load_node_row(r, rows, i);
    r->api->rows_free(rows);
    if (!ok)
        return fail_oom(r, "loading referral nodes");
    rf_connect(&r->forest);
    return true;
}

static unsigned parse_flags(const char *text)
{
    unsigned flags = 0;
    if (text && strstr(text, "same_email"))
        flags |= RF_FLAG_SAME_EMAIL;
    if (text && strstr(text, "same_phone"))
        flags |= RF_FLAG_SAME_PHONE;
    if (text && strstr(text, "burst"))
        flags |= RF_FLAG_BURST;
    return flags;
}

/* Adds link rows (referee, referrer, referred_ms, status, flags) not yet in
 * the run; takes the result (NULL: the query failed). */
static bool add_link_rows(rf_run *r, rp_rows *rows)
{
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        const char *referee = r->api->rows_value(rows, i, 0);
        if (rf_run_link(r, referee))
            continue;
        rf_linkrow *l = rf_run_add_link(r, referee, r->api->rows_value(rows, i, 1),
                                        int_or(r->api->rows_value(rows, i, 2), 0));
        ok = l != NULL;
        if (ok) {
            snprintf(l->status, sizeof l->status, "%s", r->api->rows_value(rows, i, 3));
            l->flags = parse_flags(r->api->rows_value(rows, i, 4));
        }
    }
    r->api->rows_free(rows);
    return ok || fail_oom(r, "loading referral links");
}

static bool load_links(rf_run *r, const char *seeds)
{
    static const char sql[] =
        "SELECT referee, referrer, referred_ms, status, flags FROM referral_links"
        " WHERE tenant = $1 AND referee = ANY($2::text[])";
    const char *params[] = {r->tenant, seeds};
    return add_link_rows(r, r->api->db_query(r->ctx, sql, 2, params));
}

static bool load_top(rf_run *r)
{
    static const char sql[] =
        "SELECT customer, influence FROM referral_key_people WHERE tenant = $1"
        " ORDER BY influence DESC, customer LIMIT $2";
    char limit[24];
    num(limit, sizeof limit, r->s->top);
    const char *params[] = {r->tenant, limit};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 2, params);
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++)
        ok = rf_topset_load(&r->top, r->api->rows_value(rows, i, 0),
                            dbl_of(r->api->rows_value(rows, i, 1)));
    r->api->rows_free(rows);
    return ok || fail_oom(r, "loading key people");
}

/* The referrer of the link an event may create, as an owned copy in *out,
 * NULL if none; false (after api->fail) on out of memory. */
static bool link_referrer(const rf_run *r, const rp_event *ev, char **out)
{
    *out = NULL;
    if (!ev->customer)
        return true;
    if (strcmp(ev->type, "referral") == 0) {
        *out = strdup(ev->customer);
        return *out ? true : fail_oom(r, "collecting referrers");
    }
    if (strcmp(ev->type, "customer.upsert") == 0)
        return rf_data_str(r, ev, "referred_by", out);
    return true;
}

/* The burst guard counts a referrer's links within burst_window before each
 * new one: the links of every referrer the run may link from, in the run's
 * time span widened by the window, are read once here and the guard counts
 * them (and the run's own new links) in memory. */
static bool load_recent_links(rf_run *r, const rp_event *const *events, size_t n)
{
    if (r->s->fraud.burst_max <= 0)
        return true;
    rp_pgarray referrers = {0};
    int64_t from = INT64_MAX, to = INT64_MIN;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        char *referrer;
        ok = link_referrer(r, events[i], &referrer);
        if (!referrer)
            continue;
        rp_pgarray_add(&referrers, referrer);
        free(referrer);
        from = events[i]->ts_ms < from ? events[i]->ts_ms : from;
        to = events[i]->ts_ms > to ? events[i]->ts_ms : to;
    }
    const char *ids = rp_pgarray_finish(&referrers);
    if (ok && !ids)
        ok = fail_oom(r, "collecting referrers");
    if (ok && from <= to) {
        static const char sql[] =
            "SELECT referee, referrer, referred_ms, status, flags FROM referral_links"
            " WHERE tenant = $1 AND referrer = ANY($2::text[]) AND referred_ms > $3 AND referred_ms <= $4";
        char lo[24], hi[24];
        num(lo, sizeof lo, from - r->s->fraud.burst_window_ms);
        num(hi, sizeof hi, to);
        const char *params[] = {r->tenant, ids, lo, hi};
        ok = add_link_rows(r, r->api->db_query(r->ctx, sql, 4, params));
    }
    rp_pgarray_free(&referrers);
    return ok;
}

/* Every ledger key whose referrer is in the working set (the only rewards
 * the run can evaluate: a reward's referrer is a loaded referee's referrer). */
static bool load_reward_keys(rf_run *r)
{
    if (r->s->rewards.count == 0 || r->forest.count == 0)
        return true;
    rp_pgarray ids = {0};
    for (size_t i = 0; i < r->forest.count; i++)
        rp_pgarray_add(&ids, r->forest.nodes[i].id);
    const char *params[] = {r->tenant, rp_pgarray_finish(&ids)};
    rp_rows *rows = NULL;
    if (params[1])
        rows = r->api->db_query(r->ctx, "SELECT reward_key FROM referral_rewards"
                                " WHERE tenant = $1 AND referrer = ANY($2::text[])", 2, params);
    else
        fail_oom(r, "listing referrers");
    rp_pgarray_free(&ids);
    if (!rows)
        return false;   /* the host or fail_oom has said why */
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        bool added;
        ok = rf_keyset_add(&r->reward_keys, r->api->rows_value(rows, i, 0), &added);
    }
    r->api->rows_free(rows);
    return ok || fail_oom(r, "loading reward keys");
}

bool rf_store_load(rf_run *r, const rp_event *const *events, size_t n)
{
    rp_pgarray seeds = {0}, erased = {0};
    bool ok = collect_ids(r, events, n, &seeds, &erased);
    const char *s = rp_pgarray_finish(&seeds), *e = rp_pgarray_finish(&erased);
    if (ok && !(s && e))
        ok = fail_oom(r, "collecting customers");
    ok = ok && load_nodes(r, s, e);
    ok = ok && load_links(r, s);
    ok = ok && load_recent_links(r, events, n);
    ok = ok && load_reward_keys(r);
    ok = ok && load_top(r);
    rp_pgarray_free(&seeds);
    rp_pgarray_free(&erased);
    return ok;
}

/* ------------------------------------------------------------------------
 * Writing the working set back.
 * ---------------------------------------------------------------------- */

enum { NODE_COLS = 18 };

static int64_t partition_of(rf_run *r, int32_t i)
{
    rf_extra *x = &r->extras[i];
    if (x->partition < 0)
        x->partition = r->api->partition_of(r->ctx, r->forest.nodes[i].id);
    return x->partition;
}

static void node_values(rf_run *r, int32_t i, char vals[NODE_COLS][32], const char *ptrs[NODE_COLS])
{
    const rf_node *n = &r->forest.nodes[i];
    const rf_extra *x = &r->extras[i];
    num(vals[2], 32, partition_of(r, i));
    num(vals[3], 32, n->depth);
    num(vals[4], 32, n->height);
    num(vals[5], 32, n->subtree_size);
    dbl(vals[6], 32, n->own_revenue);
    dbl(vals[7], 32, n->subtree_revenue);
    snprintf(vals[8], 32, "%s", n->converted ? "t" : "f");
    dbl(vals[9], 32, n->contribution);
    dbl(vals[10], 32, n->influence);
    num(vals[11], 32, x->converted_referrals);
    num(vals[12], 32, x->first_purchase_ms);
    num(vals[14], 32, (int64_t)x->email_hash);
    num(vals[15], 32, (int64_t)x->phone_hash);
    for (int c = 0; c < NODE_COLS; c++)
        ptrs[c] = vals[c];
    ptrs[0] = n->id;
    ptrs[1] = n->parent_id;
    ptrs[12] = x->first_purchase_ms >= 0 ? vals[12] : NULL;
    ptrs[13] = x->timezone;
    ptrs[14] = x->email_hash ? vals[14] : NULL;
    ptrs[15] = x->phone_hash ? vals[15] : NULL;
    ptrs[16] = x->profession;
    ptrs[17] = x->industry;
}

static bool save_nodes(rf_run *r)
{
    static const char sql[] =
        "INSERT INTO referral_nodes (tenant, customer, referred_by, partition, depth, height,"
        "  subtree_size, own_revenue, subtree_revenue, converted, contribution, influence,"
        "  converted_referrals, first_purchase_ms, timezone, email_hash, phone_hash, profession,"
        "  industry, updated_ms)"
        " SELECT $1, u.*, $20::bigint FROM unnest($2::text[], $3::text[], $4::int[], $5::int[],"
        "  $6::int[], $7::bigint[], $8::float8[], $9::float8[], $10::bool[], $11::float8[],"
        "  $12::float8[], $13::bigint[], $14::bigint[], $15::text[], $16::bigint[], $17::bigint[],"
        "  $18::text[], $19::text[]) AS u"
        " ON CONFLICT (tenant, customer) DO UPDATE SET referred_by = EXCLUDED.referred_by,"
        "  partition = EXCLUDED.partition, depth = EXCLUDED.depth, height = EXCLUDED.height,"
        "  subtree_size = EXCLUDED.subtree_size, own_revenue = EXCLUDED.own_revenue,"
        "  subtree_revenue = EXCLUDED.subtree_revenue, converted = EXCLUDED.converted,"
        "  contribution = EXCLUDED.contribution, influence = EXCLUDED.influence,"
        "  converted_referrals = EXCLUDED.converted_referrals,"
        "  first_purchase_ms = EXCLUDED.first_purchase_ms, timezone = EXCLUDED.timezone,"
        "  email_hash = EXCLUDED.email_hash, phone_hash = EXCLUDED.phone_hash,"
        "  profession = EXCLUDED.profession, industry = EXCLUDED.industry,"
        "  updated_ms = EXCLUDED.updated_ms";
    rp_pgarray cols[NODE_COLS] = {0};
    rp_pgarray gone = {0};
    size_t written = 0, erased = 0;
    for (size_t i = 0; i < r->forest.count; i++) {
        const rf_node *n = &r->forest.nodes[i];
        if (n->erased) {
            rp_pgarray_add(&gone, n->id);
            erased++;
            continue;
        }
        if (!n->dirty)
            continue;
        char vals[NODE_COLS][32];
        const char *ptrs[NODE_COLS];
        node_values(r, (int32_t)i, vals, ptrs);
        /* column order of the INSERT: customer, referred_by, partition, ... */
        for (int c = 0; c < NODE_COLS; c++)
            rp_pgarray_add(&cols[c], ptrs[c]);
        written++;
    }
    char now[24];
    num(now, sizeof now, r->now);
    const char *params[NODE_COLS + 2];
    params[0] = r->tenant;
    bool ok = true;
    for (int c = 0; c < NODE_COLS; c++) {
        params[c + 1] = rp_pgarray_finish(&cols[c]);
        ok = ok && params[c + 1];
    }
    params[NODE_COLS + 1] = now;
    const char *gone_ids = rp_pgarray_finish(&gone);
    if (!ok || !gone_ids)
        ok = fail_oom(r, "writing referral nodes");
    if (ok && written)
        ok = r->api->db_defer(r->ctx, sql, NODE_COLS + 2, params) == RP_OK;
    if (ok && erased) {
        const char *p[] = {r->tenant, gone_ids};
        ok = r->api->db_defer(r->ctx, "DELETE FROM referral_nodes WHERE tenant = $1"
                              " AND customer = ANY($2::text[])", 2, p) == RP_OK;
    }
    for (int c = 0; c < NODE_COLS; c++)
        rp_pgarray_free(&cols[c]);
    rp_pgarray_free(&gone);
    return ok;
}

static bool save_top(rf_run *r)
{
    if (!r->top_changed)
        return true;
    rp_pgarray ids = {0}, parts = {0}, scores = {0};
    for (size_t i = 0; i < r->top.count; i++) {
        char p[24], s[32];
        num(p, sizeof p, r->api->partition_of(r->ctx, r->top.members[i].id));
        dbl(s, sizeof s, r->top.members[i].score);
        rp_pgarray_add(&ids, r->top.members[i].id);
        rp_pgarray_add(&parts, p);
        rp_pgarray_add(&scores, s);
    }
    char now[24];
    num(now, sizeof now, r->now);
    const char *params[] = {r->tenant, rp_pgarray_finish(&ids), rp_pgarray_finish(&parts),
                            rp_pgarray_finish(&scores), now};
    bool ok = params[1] && params[2] && params[3] ? true : fail_oom(r, "writing key people");
    ok = ok && r->api->db_defer(r->ctx, "DELETE FROM referral_key_people WHERE tenant = $1"
                                " AND NOT (customer = ANY($2::text[]))", 2, params) == RP_OK;
    ok = ok && r->api->db_defer(r->ctx,
        "INSERT INTO referral_key_people (tenant, customer, partition, influence, entered_ms)"
        " SELECT $1, u.c, u.p, u.i, $5::bigint FROM unnest($2::text[], $3::int[], $4::float8[]) AS u(c, p, i)"
        " ON CONFLICT (tenant, customer) DO UPDATE SET influence = EXCLUDED.influence",
        5, params) == RP_OK;
    rp_pgarray_free(&ids);
    rp_pgarray_free(&parts);
    rp_pgarray_free(&scores);
    return ok;
}

bool rf_store_save(rf_run *r)
{
    return save_nodes(r) && rf_store_introductions(r) && save_top(r);
}

/* ------------------------------------------------------------------------
 * Per-fact writes.
 * ---------------------------------------------------------------------- */

bool rf_store_shift(rf_run *r, const char *root, int32_t delta)
{
    static const char sql[] =
        "WITH RECURSIVE sub(customer) AS ("
        "  SELECT customer FROM referral_nodes WHERE tenant = $1 AND referred_by = $2"
        "  UNION"
        "  SELECT n.customer FROM referral_nodes n JOIN sub s ON n.tenant = $1 AND n.referred_by = s.customer)"
        " UPDATE referral_nodes SET depth = depth + $3::int"
        " WHERE tenant = $1 AND customer IN (SELECT customer FROM sub)";
    if (delta == 0)
        return true;
    char d[16];
    num(d, sizeof d, delta);
    const char *params[] = {r->tenant, root, d};
    return r->api->db_defer(r->ctx, sql, 3, params) == RP_OK;
}

bool rf_store_set_parent(rf_run *r, const char *customer, const char *parent)
{
    const char *params[] = {r->tenant, customer, parent};
    return r->api->db_defer(r->ctx, "UPDATE referral_nodes SET referred_by = $3"
                            " WHERE tenant = $1 AND customer = $2", 3, params) == RP_OK;
}

static const char *flag_text(unsigned flags, char *buf, size_t size)
{
    return rf_flag_names(flags, buf, size);
}

bool rf_store_insert_link(rf_run *r, const rf_linkrow *l, const char *source, const char *cause,
                          int32_t depth)
{
    static const char sql[] =
        "INSERT INTO referral_links (tenant, referee, partition, referrer, referred_ms, source,"
        "  cause, status, flags, depth) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (tenant, referee) DO UPDATE SET referrer = EXCLUDED.referrer,"
        "  referred_ms = EXCLUDED.referred_ms, source = EXCLUDED.source, cause = EXCLUDED.cause,"
        "  status = EXCLUDED.status, flags = EXCLUDED.flags, converted_ms = NULL,"
        "  days_to_convert = NULL, depth = EXCLUDED.depth";
    char part[24], ts[24], dep[16], flags[64];
    num(part, sizeof part, r->api->partition_of(r->ctx, l->referee));
    num(ts, sizeof ts, l->referred_ms);
    num(dep, sizeof dep, depth);
    const char *params[] = {r->tenant, l->referee, part, l->referrer, ts, source, cause,
                            l->status, flag_text(l->flags, flags, sizeof flags), dep};
    return r->api->db_defer(r->ctx, sql, 10, params) == RP_OK;
}

bool rf_store_update_link(rf_run *r, const rf_linkrow *l, int64_t converted_ms,
                          int64_t days, int32_t depth)
{
    static const char sql[] =
        "UPDATE referral_links SET status = $3, flags = $4, converted_ms = $5,"
        "  days_to_convert = $6, depth = $7 WHERE tenant = $1 AND referee = $2";
    char conv[24], d[24], dep[16], flags[64];
    num(conv, sizeof conv, converted_ms);
    num(d, sizeof d, days);
    num(dep, sizeof dep, depth);
    const char *params[] = {r->tenant, l->referee, l->status, flag_text(l->flags, flags, sizeof flags),
                            converted_ms >= 0 ? conv : NULL, days >= 0 ? d : NULL, dep};
    return r->api->db_defer(r->ctx, sql, 7, params) == RP_OK;
}

bool rf_store_rejection(rf_run *r, const char *cause, const char *referee, const char *referrer,
                        const char *reason, const char *message, int64_t ts_ms)
{
    static const char sql[] =
        "INSERT INTO referral_rejections (tenant, cause, partition, referee, referrer, reason,"
        "  message, ts_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
    char part[24], ts[24];
    num(part, sizeof part, r->api->partition_of(r->ctx, referee));
    num(ts, sizeof ts, ts_ms);
    const char *params[] = {r->tenant, cause, part, referee, referrer, reason, message, ts};
    return r->api->db_defer(r->ctx, sql, 8, params) == RP_OK;
}

bool rf_store_reward(rf_run *r, const rf_reward *rw, const char *cause, int64_t ts_ms, bool *fresh)
{
    static const char sql[] =
        "INSERT INTO referral_rewards (tenant, reward_key, partition, rule, side, beneficiary,"
        "  referrer, referee, amount, status, ts_ms, cause)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        " ON CONFLICT (tenant, reward_key) DO NOTHING";
    *fresh = false;
    int len = rf_reward_key(rw, NULL, 0);
    char *key = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!key)
        return fail_oom(r, "building a reward key");
    rf_reward_key(rw, key, (size_t)len + 1);
    /* The run loaded every ledger key of its referrers (load_reward_keys), so
     * a key not in the set is new: no round trip to find out. */
    if (!rf_keyset_add(&r->reward_keys, key, fresh)) {
        free(key);
        return fail_oom(r, "remembering a reward");
    }
    bool ok = true;
    if (*fresh) {
        char part[24], amount[32], ts[24];
        num(part, sizeof part, r->api->partition_of(r->ctx, rw->beneficiary));
        dbl(amount, sizeof amount, rw->amount);
        num(ts, sizeof ts, ts_ms);
        const char *params[] = {r->tenant, key, part, rw->rule->name, rf_side_name(rw->side),
                                rw->beneficiary, rw->referrer, rw->referee, amount,
                                rw->held ? "held" : "earned", ts, cause};
        ok = r->api->db_defer(r->ctx, sql, 12, params) == RP_OK;
    }
    free(key);
    return ok;
}

bool rf_store_attribute(rf_run *r, const char *referrer, const char *month, double revenue)
{
    static const char sql[] =
        "INSERT INTO referral_attribution (tenant, referrer, month, partition, revenue)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, referrer, month)"
        " DO UPDATE SET revenue = referral_attribution.revenue + EXCLUDED.revenue";
    char part[24], rev[32];
    num(part, sizeof part, r->api->partition_of(r->ctx, referrer));
    dbl(rev, sizeof rev, revenue);
    const char *params[] = {r->tenant, referrer, month, part, rev};
    return r->api->db_defer(r->ctx, sql, 5, params) == RP_OK;
}

bool rf_store_erase(rf_run *r, const char *customer)
{
    static const char *const sql[] = {
        "UPDATE referral_nodes SET referred_by = NULL WHERE tenant = $1 AND referred_by = $2",
        "UPDATE referral_links SET referrer = NULL WHERE tenant = $1 AND referrer = $2",
        "DELETE FROM referral_links WHERE tenant = $1 AND referee = $2",
        "DELETE FROM referral_rejections WHERE tenant = $1 AND (referee = $2 OR referrer = $2)",
        /* keep the amounts, lose the identity (the key embeds the ids too) */
        "UPDATE referral_rewards SET reward_key = 'erased:' || md5(reward_key),"
        "  beneficiary = CASE WHEN beneficiary = $2 THEN 'erased' ELSE beneficiary END,"
        "  referrer = CASE WHEN referrer = $2 THEN 'erased' ELSE referrer END,"
        "  referee = CASE WHEN referee = $2 THEN 'erased' ELSE referee END"
        " WHERE tenant = $1 AND (beneficiary = $2 OR referrer = $2 OR referee = $2)",
        "INSERT INTO referral_attribution (tenant, referrer, month, partition, revenue)"
        " SELECT tenant, 'erased', month, partition, revenue FROM referral_attribution"
        " WHERE tenant = $1 AND referrer = $2 ON CONFLICT (tenant, referrer, month)"
        " DO UPDATE SET revenue = referral_attribution.revenue + EXCLUDED.revenue",
        "DELETE FROM referral_attribution WHERE tenant = $1 AND referrer = $2",
        "DELETE FROM referral_key_people WHERE tenant = $1 AND customer = $2",
        "DELETE FROM referral_introductions WHERE tenant = $1 AND (customer_a = $2 OR customer_b = $2)",
    };
    const char *params[] = {r->tenant, customer};
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (r->api->db_defer(r->ctx, sql[i], 2, params) != RP_OK)
            return false;
    return true;
}
