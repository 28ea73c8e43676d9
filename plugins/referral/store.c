/*
 * store.c - the referral plugin's SQL: loading a run's working set with a
 * few set-based queries, and the per-fact writes (rejections, rewards,
 * attribution, shifts), which are deferred so a run costs few round trips.
 * save.c writes the working set back.
 *
 * Ordering contract with the forest: link and erase changes of referred_by
 * and the depth shifts of unloaded descendants are deferred at the moment
 * they happen, in order; the dirty nodes and links are written last with
 * absolute values (save.c), so a loaded node shifted in SQL and in memory
 * ends up right.
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

/* Whether an upsert names a contact: its customer's referees are then
 * loaded too, since the guards compare each referee's contacts with the
 * referrer's whatever the order the two profiles came in. */
static bool names_contact(const rf_run *r, const rp_event *ev)
{
    if (strcmp(ev->type, "customer.upsert") != 0)
        return false;
    const rp_host_api *api = r->api;
    return api->view_kind(api->view_get(ev->data, "email")) == RP_VIEW_STR
           || api->view_kind(api->view_get(ev->data, "phone")) == RP_VIEW_STR;
}

/* The customers a run touches: every event's customer, referee and
 * referred_by; and whose children must be loaded too: erased customers',
 * and those of customers whose contacts may change. */
static bool collect_ids(rf_run *r, const rp_event *const *events, size_t n,
                        rp_pgarray *seeds, rp_pgarray *erased, rp_pgarray *contacts)
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
        if (names_contact(r, ev))
            rp_pgarray_add(contacts, ev->customer);
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
        .net_revenue = dbl_of(api->rows_value(rows, row, 18)),
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
    x->history = x->first_purchase_ms >= 0 || stored.net_revenue != 0;
    x->first_amount = dbl_of(api->rows_value(rows, row, 21));
    return (!tz || x->timezone) && (!profession || x->profession) && (!industry || x->industry)
           && rf_set_text(&x->first_event, api->rows_value(rows, row, 19))
           && rf_set_text(&x->first_order, api->rows_value(rows, row, 20));
}

/* The run's customers with their chains, and the children of erased
 * customers and of customers whose contacts may change. */
static bool load_nodes(rf_run *r, const char *seeds, const char *erased, const char *contacts)
{
    static const char sql[] =
        "WITH RECURSIVE chain AS ("
        "  SELECT * FROM referral_nodes WHERE tenant = $1"
        "    AND (customer = ANY($2::text[]) OR referred_by = ANY($3::text[])"
        "      OR referred_by = ANY($4::text[]))"
        "  UNION"
        "  SELECT n.* FROM referral_nodes n JOIN chain c ON n.tenant = $1 AND n.customer = c.referred_by)"
        " SELECT customer, referred_by, partition, depth, height, subtree_size, own_revenue,"
        "  subtree_revenue, converted, contribution, influence, converted_referrals,"
        "  first_purchase_ms, timezone, email_hash, phone_hash, profession, industry,"
        "  net_revenue, first_event, first_order_id, first_amount FROM chain";
    const char *params[] = {r->tenant, seeds, erased, contacts};
    rp_rows *rows = r->api->db_query(r->ctx, sql, 4, params);
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

#define LINK_COLUMNS "referee, referrer, referred_ms, status, flags, source, cause, converted_ms," \
    " days_to_convert, depth, order_id, amount"

/* One loaded link row, whole (LINK_COLUMNS). */
static bool add_link_row(rf_run *r, const rp_rows *rows, int i)
{
    const rp_host_api *api = r->api;
    const char *referee = api->rows_value(rows, i, 0);
    if (rf_run_link(r, referee))
        return true;
    rf_linkrow *l = rf_run_add_link(r, referee, api->rows_value(rows, i, 1),
                                    int_or(api->rows_value(rows, i, 2), 0));
    if (!l)
        return false;
    snprintf(l->status, sizeof l->status, "%s", api->rows_value(rows, i, 3));
    l->flags = parse_flags(api->rows_value(rows, i, 4));
    l->converted_ms = int_or(api->rows_value(rows, i, 7), -1);
    l->days = int_or(api->rows_value(rows, i, 8), -1);
    l->depth = (int32_t)int_or(api->rows_value(rows, i, 9), 0);
    l->amount = dbl_of(api->rows_value(rows, i, 11));
    return rf_set_text(&l->source, api->rows_value(rows, i, 5))
           && rf_set_text(&l->cause, api->rows_value(rows, i, 6))
           && rf_set_text(&l->order_id, api->rows_value(rows, i, 10));
}

/* Adds link rows not yet in the run; takes the result (NULL: the query
 * failed). */
static bool add_link_rows(rf_run *r, rp_rows *rows)
{
    if (!rows)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < r->api->rows_count(rows); i++)
        ok = add_link_row(r, rows, i);
    r->api->rows_free(rows);
    return ok || fail_oom(r, "loading referral links");
}

/* The links of the run's customers, and those of the referees of customers
 * whose contacts may change. */
static bool load_links(rf_run *r, const char *seeds, const char *contacts)
{
    static const char sql[] =
        "SELECT " LINK_COLUMNS " FROM referral_links"
        " WHERE tenant = $1 AND (referee = ANY($2::text[]) OR referrer = ANY($3::text[]))";
    const char *params[] = {r->tenant, seeds, contacts};
    return add_link_rows(r, r->api->db_query(r->ctx, sql, 3, params));
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

/* The stored time of the link ev reports again (the same referee and
 * referrer), which the run may move earlier; INT64_MIN if none. false
 * (after api->fail) on out of memory. */
static bool reported_again(rf_run *r, const rp_event *ev, const char *referrer, int64_t *ms)
{
    *ms = INT64_MIN;
    char *referee = NULL;
    if (strcmp(ev->type, "referral") == 0 && !rf_data_str(r, ev, "referee", &referee))
        return false;
    const rf_linkrow *l = rf_run_link(r, referee ? referee : ev->customer);
    if (l && l->referrer && strcmp(l->referrer, referrer) == 0)
        *ms = l->referred_ms;
    free(referee);
    return true;
}

/* The burst guard counts a referrer's links within burst_window before each
 * of them. A link the run records (at a time from..to) or moves earlier
 * (from its stored time) changes the counts of the links up to a window
 * after it, so the links of every referrer the run may link from are read
 * once here for (from - window, to + window] and the guard counts them (and
 * the run's own new links) in memory. */
static bool load_recent_links(rf_run *r, const rp_event *const *events, size_t n)
{
    if (r->s->fraud.burst_max <= 0)
        return true;
    rp_pgarray referrers = {0};
    int64_t from = INT64_MAX, to = INT64_MIN, latest = INT64_MIN;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        char *referrer;
        ok = link_referrer(r, events[i], &referrer);
        if (!referrer)
            continue;
        int64_t stored;
        ok = reported_again(r, events[i], referrer, &stored);
        latest = stored > latest ? stored : latest;
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
            "SELECT " LINK_COLUMNS " FROM referral_links"
            " WHERE tenant = $1 AND referrer = ANY($2::text[]) AND referred_ms > $3 AND referred_ms <= $4";
        r->burst_from = from;
        r->burst_to = (latest > to ? latest : to) + r->s->fraud.burst_window_ms;
        char lo[24], hi[24];
        num(lo, sizeof lo, from - r->s->fraud.burst_window_ms);
        num(hi, sizeof hi, r->burst_to);
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

/* Whether the tenant's key-people cut is scheduled (keypeople.c). */
static bool load_cut(rf_run *r)
{
    const char *params[] = {r->tenant};
    rp_rows *rows = r->api->db_query(r->ctx, "SELECT next_ms FROM referral_key_people_cut"
                                     " WHERE tenant = $1", 1, params);
    if (!rows)
        return false;
    r->cut_armed = r->api->rows_count(rows) > 0;
    r->api->rows_free(rows);
    return true;
}

bool rf_store_load(rf_run *r, const rp_event *const *events, size_t n)
{
    rp_pgarray seeds = {0}, erased = {0}, contacts = {0};
    bool ok = collect_ids(r, events, n, &seeds, &erased, &contacts);
    const char *s = rp_pgarray_finish(&seeds), *e = rp_pgarray_finish(&erased),
               *c = rp_pgarray_finish(&contacts);
    if (ok && !(s && e && c))
        ok = fail_oom(r, "collecting customers");
    ok = ok && load_nodes(r, s, e, c);
    ok = ok && load_links(r, s, c);
    ok = ok && load_recent_links(r, events, n);
    ok = ok && load_reward_keys(r);
    ok = ok && load_cut(r);
    rp_pgarray_free(&seeds);
    rp_pgarray_free(&erased);
    rp_pgarray_free(&contacts);
    return ok;
}

/* ------------------------------------------------------------------------
 * Per-fact writes.
 * ---------------------------------------------------------------------- */

/* The descendants' nodes and their links (a link's depth is its referee's,
 * so it is the same whatever order the links came in). */
bool rf_store_shift(rf_run *r, const char *root, int32_t delta)
{
    static const char sql[] =
        "WITH RECURSIVE sub(customer) AS ("
        "  SELECT customer FROM referral_nodes WHERE tenant = $1 AND referred_by = $2"
        "  UNION"
        "  SELECT n.customer FROM referral_nodes n JOIN sub s ON n.tenant = $1 AND n.referred_by = s.customer),"
        " nodes AS (UPDATE referral_nodes SET depth = depth + $3::int"
        "  WHERE tenant = $1 AND customer IN (SELECT customer FROM sub) RETURNING 1)"
        " UPDATE referral_links SET depth = depth + $3::int"
        " WHERE tenant = $1 AND referee IN (SELECT customer FROM sub)";
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
        "DELETE FROM referral_revenue WHERE tenant = $1 AND customer = $2",
    };
    const char *params[] = {r->tenant, customer};
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (r->api->db_defer(r->ctx, sql[i], 2, params) != RP_OK)
            return false;
    return true;
}
