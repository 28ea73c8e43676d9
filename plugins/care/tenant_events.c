/*
 * tenant_events.c - the tenant-scoped triggers: campaign.launched invites
 * the eligible old customers (one query picks them, one load reads their
 * budgets), market.price raises take-profit/stop-loss alerts for holdings
 * whose range the price has just left (alerting once per crossing).
 *
 * Both read rows of many customers, which the customers' own events write
 * in their partitions, so both run on the tenant clock: the event is
 * checked and becomes a tenant timer at its own time carrying its data,
 * and the timer does the work once every partition has handled the events
 * before it. Which customers a campaign invites and which holdings a price
 * crosses then no longer depend on how far each partition had got (issue
 * 18); a timer per event keeps every price move, in time order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

/* What a tenant timer carries of its event: data, time, and a name for
 * messages. */
typedef struct trigger {
    rp_view data;
    int64_t ts_ms;
    const char *name;
} trigger;

static trigger trigger_of(const rp_timer *t)
{
    return (trigger){.data = t->payload, .ts_ms = t->due_ms, .name = t->key};
}

/* Hands the event to the tenant clock: "PREFIX" + its id, due at its time. */
static bool to_tenant_clock(cr_run *r, const char *prefix, const rp_event *ev)
{
    static const uint8_t empty_map = 0x80;
    const char *key = cr_printf(r, "%s%s", prefix, ev->id);
    bool has_data = ev->data.ptr && ev->data.len > 0;
    return cr_tenant_timer(r, key, ev->ts_ms, has_data ? ev->data.ptr : &empty_map,
                           has_data ? ev->data.len : 1);
}

/* The campaign's tiers as an array literal; NULL when memory ran out. */
static const char *tiers_array(cr_run *r, rp_view tiers, rp_pgarray *out)
{
    rp_view_iter it;
    rp_view item;
    r->api->view_iter_init(tiers, &it);
    while (r->api->view_iter_next(&it, &item)) {
        const char *tier = cr_str(r, item);
        if (tier)
            rp_pgarray_add(out, tier);
    }
    return rp_pgarray_finish(out);
}

/* Customers of the tenant whose tier is named (all when none is named). */
static rp_rows *eligible(cr_run *r, const char *tiers, bool any_tier)
{
    char limit[24];
    const char *p[] = {r->tenant, any_tier ? "true" : "false", tiers,
                       cr_i64(limit, r->s->campaign_max)};
    if (r->st->scoring_table)
        return r->api->db_query(r->ctx,
            "SELECT c.customer FROM care_customers c LEFT JOIN scoring_customers s"
            " ON s.tenant = c.tenant AND s.customer = c.customer WHERE c.tenant = $1"
            " AND ($2::boolean OR COALESCE(s.tier, 'potential') = ANY($3::text[]))"
            " ORDER BY c.customer LIMIT $4::bigint", 4, p);
    return r->api->db_query(r->ctx,
        "SELECT customer FROM care_customers WHERE tenant = $1"
        " AND ($2::boolean OR 'potential' = ANY($3::text[]))"
        " ORDER BY customer LIMIT $4::bigint", 4, p);
}

/* Loads the customers in the first column of rows into the run. */
static bool load_listed(cr_run *r, rp_rows *rows, int64_t since_ms)
{
    int n = r->api->rows_count(rows);
    const char **ids = calloc(n ? (size_t)n : 1, sizeof *ids);
    if (!ids) {
        r->api->fail(r->ctx, "care: out of memory");
        return false;
    }
    for (int i = 0; i < n; i++)
        ids[i] = r->api->rows_value(rows, i, 0);
    bool ok = cr_store_load(r, ids, (size_t)n, since_ms);
    free(ids);
    return ok;
}

static bool invite(cr_run *r, cr_cust *c, const trigger *ev, const char *campaign,
                   const char *reason, int64_t starts_ms)
{
    cr_task_spec t = {.kind = "campaign", .ref = campaign, .reason = reason, .source = "care",
                      .created_ms = ev->ts_ms};
    int64_t from = starts_ms > ev->ts_ms ? starts_ms : ev->ts_ms;
    /* The first due time of day at or after the start, on the customer's clock. */
    bool ok = cr_days_later_at(&r->tz, cr_cust_tz(r, c), from, 0, r->s->due_minute, &t.due_ms);
    if (ok && t.due_ms < from)
        ok = cr_days_later_at(&r->tz, cr_cust_tz(r, c), from, 1, r->s->due_minute, &t.due_ms);
    if (!ok) {
        r->api->fail(r->ctx, "care: time zone %s failed", cr_cust_tz(r, c));
        return false;
    }
    return cr_task_create(r, c, &t);
}

bool cr_on_campaign(cr_run *r, const rp_event *ev)
{
    if (!cr_field(r, ev->data, "campaign_id")[0]) {
        r->api->fail(r->ctx, "care: campaign.launched %s: data.campaign_id missing", ev->id);
        return false;
    }
    return to_tenant_clock(r, CR_CAMPAIGN_PREFIX, ev);
}

bool cr_campaign_timer(cr_run *r, const rp_timer *timer)
{
    trigger tr = trigger_of(timer);
    const trigger *ev = &tr;
    const char *campaign = cr_field(r, ev->data, "campaign_id");
    const char *kind = cr_field(r, ev->data, "kind");
    const char *name = cr_field(r, ev->data, "name");
    if (!campaign[0]) {
        r->api->fail(r->ctx, "care: timer %s: data.campaign_id missing", ev->name);
        return false;
    }
    int64_t starts_ms = 0;
    r->api->view_int(r->api->view_get(ev->data, "starts_ms"), &starts_ms);
    rp_view tiers = r->api->view_get(ev->data, "tiers");
    rp_pgarray list = {0};
    rp_rows *rows = NULL;
    const char *tier_list = tiers_array(r, tiers, &list);
    if (!tier_list)
        r->api->fail(r->ctx, "care: out of memory");
    /* Look for scoring's table first: eligibility reads it when present. */
    bool ok = tier_list && cr_store_check_scoring(r)
              && (rows = eligible(r, tier_list, r->api->view_count(tiers) == 0)) != NULL
              && load_listed(r, rows, ev->ts_ms);
    const char *reason = cr_printf(r, "Invite to %s campaign %s%s%s", kind, campaign,
                                   name[0] ? ": " : "", name);
    for (int i = 0; ok && i < r->api->rows_count(rows); i++) {
        cr_cust *c = cr_run_find(r, r->api->rows_value(rows, i, 0));
        if (c)
            ok = invite(r, c, ev, campaign, reason, starts_ms);
    }
    if (rows)
        r->api->rows_free(rows);
    rp_pgarray_free(&list);
    return ok;
}

/* Holdings of the product whose alert state changes at this price: the new
 * state (NULL when back inside the range) is stored in the same statement. */
static rp_rows *crossing_holdings(cr_run *r, const char *product, const char *price)
{
    const char *p[] = {r->tenant, product, price};
    return r->api->db_query(r->ctx,
        "WITH s AS (SELECT holding_id, customer, stop_loss, take_profit,"
        "  CASE WHEN stop_loss > 0 AND $3::float8 <= stop_loss THEN 'stop_loss'"
        "       WHEN take_profit > 0 AND $3::float8 >= take_profit THEN 'take_profit' END AS state"
        "  FROM care_holdings WHERE tenant = $1 AND product = $2 AND COALESCE(quantity, 1) > 0)"
        " UPDATE care_holdings h SET last_alert = s.state FROM s"
        " WHERE h.tenant = $1 AND h.holding_id = s.holding_id"
        " AND s.state IS DISTINCT FROM h.last_alert"
        " RETURNING s.customer, s.holding_id, s.state, s.stop_loss, s.take_profit", 3, p);
}

static bool alert(cr_run *r, const trigger *ev, rp_rows *rows, int i, const char *product,
                  double price)
{
    const char *customer = r->api->rows_value(rows, i, 0);
    const char *holding = r->api->rows_value(rows, i, 1);
    const char *state = r->api->rows_value(rows, i, 2);
    cr_cust *c = cr_run_find(r, customer);
    if (!state || !c)
        return true;                        /* back inside the range: re-armed */
    bool stop = strcmp(state, "stop_loss") == 0;
    const char *bound = r->api->rows_value(rows, i, stop ? 3 : 4);
    cr_date day;
    if (!cr_local_date(&r->tz, cr_cust_tz(r, c), ev->ts_ms, &day)) {
        r->api->fail(r->ctx, "care: time zone %s failed", cr_cust_tz(r, c));
        return false;
    }
    const char *ref = cr_printf(r, "%s:%04d-%02d-%02d", holding, day.year, day.month, day.day);
    const char *reason = cr_printf(r, "%s: %s at %.4g is %s the customer's %s of %s (holding %s)",
                                   stop ? "Stop-loss alert" : "Take-profit alert", product, price,
                                   stop ? "at or below" : "at or above",
                                   stop ? "stop-loss" : "take-profit", bound ? bound : "?", holding);
    cr_task_spec t = {.kind = state, .ref = ref, .reason = reason, .source = "care",
                      .created_ms = ev->ts_ms, .due_ms = ev->ts_ms};
    return cr_task_create(r, c, &t);
}

static bool price_of(cr_run *r, rp_view data, const char **product, double *price)
{
    *product = cr_field(r, data, "product");
    return (*product)[0] && r->api->view_double(r->api->view_get(data, "price"), price);
}

bool cr_on_price(cr_run *r, const rp_event *ev)
{
    const char *product;
    double price;
    if (!price_of(r, ev->data, &product, &price)) {
        r->api->fail(r->ctx, "care: market.price %s: data.product and data.price required", ev->id);
        return false;
    }
    return to_tenant_clock(r, CR_PRICE_PREFIX, ev);
}

bool cr_price_timer(cr_run *r, const rp_timer *timer)
{
    trigger tr = trigger_of(timer);
    const trigger *ev = &tr;
    char price_text[32];
    const char *product;
    double price;
    if (!price_of(r, ev->data, &product, &price)) {
        r->api->fail(r->ctx, "care: timer %s: data.product and data.price required", ev->name);
        return false;
    }
    snprintf(price_text, sizeof price_text, "%.17g", price);
    rp_rows *rows = crossing_holdings(r, product, price_text);
    if (!rows)
        return false;
    bool ok = load_listed(r, rows, ev->ts_ms);
    for (int i = 0; ok && i < r->api->rows_count(rows); i++)
        ok = alert(r, ev, rows, i, product, price);
    r->api->rows_free(rows);
    return ok;
}
