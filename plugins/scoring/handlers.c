/*
 * handlers.c - one function per subscribed event type, turning the event's
 * data into evidence (evidence.c) and then re-evaluating the customer
 * (evaluate.c). Bad or missing optional fields never fail an event: they
 * only withhold the evidence they would have given (the wire engine has
 * already validated required fields and types).
 *
 * Referrals (referrals.c) are credited to the referrer through durable
 * timers, so each credit is applied in the partition of the customer it
 * changes, in order with their events.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "handlers.h"
#include "referrals.h"
#include "rapport/rp_viewstr.h"

static double data_double(const rp_host_api *api, const rp_event *ev, const char *key, double dflt)
{
    double v;
    return api->view_double(api->view_get(ev->data, key), &v) && isfinite(v) ? v : dflt;
}

static bool deal_hash(const rp_host_api *api, const rp_event *ev, uint64_t *hash)
{
    const char *s;
    size_t len;
    if (!api->view_str(api->view_get(ev->data, "deal_id"), &s, &len) || len == 0)
        return false;
    *hash = sc_deal_hash(s, len);
    return true;
}

/* *waive: the customer's first purchase ever handled (no dwell applies). A
 * purchase that becomes the first by event time (also a late one) may
 * change the customer's referral conversion. */
static bool on_purchase(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, sc_cust *c,
                        const rp_event *ev, bool *waive)
{
    double amount = data_double(api, ev, "amount", 0);
    double list_price = data_double(api, ev, "list_price", -1);
    double discount = data_double(api, ev, "discount", -1);
    bool had_purchase = c->ev.first_purchase_ms > 0;
    bool first = sc_on_purchase(&c->ev, (double)ev->ts_ms, amount, list_price, discount,
                                t->promos, t->npromos, &t->s->params);
    *waive = !had_purchase;
    return !first || sc_referral_first_purchase(ctx, api, c, had_purchase);
}

/* The instant a customer is evaluated at: now, but never before the
 * customer's last evaluation. A late event (earlier than what the customer
 * has seen) is evaluated at the customer's latest instant: its evidence
 * already holds later events, so a score "at" the late event's time would
 * describe no real moment, and a re-check would be scheduled in the past. */
static int64_t customer_now(const sc_cust *c, int64_t now_ms)
{
    return c->updated_ms > now_ms ? c->updated_ms : now_ms;
}

/* The tier a customer.tier_pinned names; SC_TIER_NONE when it is no tier. */
static sc_tier pin_tier(const rp_host_api *api, const rp_event *ev)
{
    const char *s;
    size_t len;
    if (!api->view_str(api->view_get(ev->data, "tier"), &s, &len))
        return SC_TIER_NONE;
    for (int i = 0; i < SC_TIER_COUNT; i++)
        if (strlen(sc_tier_names[i]) == len && memcmp(sc_tier_names[i], s, len) == 0)
            return (sc_tier)i;
    return SC_TIER_NONE;
}

/* False only when memory ran out. */
static bool on_pin(rp_ctx *ctx, const rp_host_api *api, sc_cust *c, const rp_event *ev, int64_t now_ms)
{
    int64_t until = 0;
    sc_tier pin = pin_tier(api, ev);
    if (pin == SC_TIER_NONE || !api->view_int(api->view_get(ev->data, "until_ms"), &until)) {
        api->log(ctx, RP_LOG_WARN, "customer.tier_pinned %s: data.tier must be one of vip, key, "
                 "ordinary, small, potential and data.until_ms an integer; ignored", ev->id);
        return true;
    }
    if (until <= now_ms) {
        /* A pin that is already over releases any current pin. */
        if (c->pinned != SC_TIER_NONE)
            c->pinned_until_ms = now_ms;
        return true;
    }
    char *reason;
    if (!rp_view_strdup(api, api->view_get(ev->data, "reason"), &reason)) {
        api->fail(ctx, "scoring: out of memory for the pin reason of %s", ev->id);
        return false;
    }
    free(c->pin_reason);
    c->pin_reason = reason;
    c->pinned = pin;
    c->pinned_until_ms = until;
    return true;
}

static bool on_erase(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, sc_cust *c)
{
    const char *params[] = {t->tenant, c->customer};
    char *key = sc_recheck_key(c->customer);
    if (!key) {
        api->fail(ctx, "scoring: out of memory erasing customer %s", c->customer);
        return false;
    }
    sc_cust_reset(c);
    bool ok = sc_store_write_history(ctx, api, t)       /* queued rows of this customer too */
        && api->db_defer(ctx, "DELETE FROM scoring_customers WHERE tenant = $1 AND customer = $2",
                         2, params) == RP_OK
        && api->db_defer(ctx, "DELETE FROM scoring_tier_history WHERE tenant = $1 AND customer = $2",
                         2, params) == RP_OK
        && api->timer_cancel(ctx, key) == RP_OK;
    free(key);
    return ok;
}

static bool is_type(const rp_event *ev, const char *type)
{
    return strcmp(ev->type, type) == 0;
}

/* Evidence from the event; false only on a host failure. */
static bool apply(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, sc_cust *c,
                  const rp_event *ev, int64_t now_ms, const char **cause, bool *waive)
{
    const sc_params *p = &t->s->params;
    double ts = (double)ev->ts_ms;
    uint64_t h;
    bool b;
    if (is_type(ev, "purchase"))
        return on_purchase(ctx, api, t, c, ev, waive);
    if (is_type(ev, "refund"))
        sc_on_refund(&c->ev, ts, data_double(api, ev, "amount", 0), p);
    else if (is_type(ev, "complaint.opened"))
        sc_on_complaint(&c->ev, ts, p);
    else if (is_type(ev, "complaint.resolved")) {
        if (api->view_bool(api->view_get(ev->data, "cooperative"), &b))
            sc_on_cooperation(&c->ev, ts, b, p);
    } else if (is_type(ev, "contact")) {
        const char *dir;
        size_t len;
        bool inbound = api->view_str(api->view_get(ev->data, "direction"), &dir, &len)
            && len == 7 && memcmp(dir, "inbound", 7) == 0;
        if (!inbound)
            sc_on_care(&c->ev, ts, p);
    } else if (is_type(ev, "care.done"))
        sc_on_care(&c->ev, ts, p);
    else if (is_type(ev, "deal.opened")) {
        if (deal_hash(api, ev, &h))
            sc_on_deal_opened(&c->ev, ts, h, p);
    } else if (is_type(ev, "deal.won") || is_type(ev, "deal.lost")) {
        if (deal_hash(api, ev, &h))
            sc_on_deal_closed(&c->ev, ts, h, is_type(ev, "deal.won"), p);
    } else if (is_type(ev, "suggestion"))
        sc_on_suggestion(&c->ev, ts, p);
    else if (is_type(ev, "survey.response") || is_type(ev, "activity.attended"))
        sc_on_cooperation(&c->ev, ts, true, p);
    else if (is_type(ev, "referral"))
        return sc_referral_event(ctx, api, c, ev);
    else if (is_type(ev, "customer.tier_pinned")) {
        *cause = "pin";
        return on_pin(ctx, api, c, ev, now_ms);
    }
    return true;
}

/* A competitor promotion window. The contract gives it no id of its own, so
 * the event's id names it (unique per tenant, and a resent copy is a
 * duplicate at the ingress); data.discount, when given, is its depth. */
static bool on_promo(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, const rp_event *ev)
{
    char partition[16], starts[24], ends[24], depth[40];
    int64_t s, e;
    double d;
    if (!api->view_int(api->view_get(ev->data, "starts_ms"), &s)
        || !api->view_int(api->view_get(ev->data, "ends_ms"), &e) || e <= s) {
        api->log(ctx, RP_LOG_WARN, "market.competitor_promo %s: needs integer starts_ms < ends_ms; "
                 "ignored", ev->id);
        return true;
    }
    bool has_depth = api->view_double(api->view_get(ev->data, "discount"), &d) && isfinite(d);
    snprintf(partition, sizeof partition, "%u", ev->partition);
    snprintf(starts, sizeof starts, "%lld", (long long)s);
    snprintf(ends, sizeof ends, "%lld", (long long)e);
    snprintf(depth, sizeof depth, "%.17g", has_depth ? d : 0.0);
    const char *params[] = {t->tenant, ev->id, partition, starts, ends, has_depth ? depth : NULL};
    sc_tenant_add_promo(t, s, e);
    return api->db_defer(ctx,
        "INSERT INTO scoring_promos (tenant, promo_id, partition, starts_ms, ends_ms, depth)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, promo_id) DO UPDATE SET"
        " starts_ms = EXCLUDED.starts_ms, ends_ms = EXCLUDED.ends_ms, depth = EXCLUDED.depth",
        6, params) == RP_OK;
}

bool sc_handle_event(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t,
                     const rp_event *ev, int64_t now_ms, bool *refit)
{
    if (is_type(ev, "scoring.refit")) {
        *refit = true;
        return true;
    }
    if (is_type(ev, "market.competitor_promo"))
        return on_promo(ctx, api, t, ev);
    if (!ev->customer)
        return true;
    bool added;
    sc_cust *c = sc_tenant_cust(t, ev->customer, ev->partition, &added);
    if (!c) {
        api->fail(ctx, "scoring: out of memory for customer %s", ev->customer);
        return false;
    }
    c->partition = ev->partition;
    if (is_type(ev, "customer.erase"))
        return on_erase(ctx, api, t, c);
    if (is_type(ev, "customer.upsert")) {
        bool linked;
        if (!sc_referral_upsert(ctx, api, c, ev, &linked))
            return false;
        if (c->tier != SC_TIER_NONE) {
            /* Profile data is not evidence: only new customers are placed;
             * a new link is kept. */
            c->dirty = c->dirty || linked;
            return true;
        }
    }
    const char *cause = ev->type;
    bool waive = false;
    now_ms = customer_now(c, now_ms);
    if (!apply(ctx, api, t, c, ev, now_ms, &cause, &waive))
        return false;
    return sc_evaluate(ctx, api, t, c, now_ms, cause, waive);
}

bool sc_handle_customer_timer(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t,
                              const rp_timer *timer, sc_cust *c, int64_t now_ms)
{
    const char *cause = "recheck";
    bool referral;
    now_ms = customer_now(c, now_ms);
    if (!sc_referral_timer(ctx, api, t, timer, c, &referral))
        return false;
    if (referral) {
        cause = "referral";
    } else {
        if (!sc_cust_known(c))
            return true; /* erased since the timer was set */
        c->next_check_ms = 0; /* this timer has fired */
        sc_account_promos(&c->ev, (double)now_ms, t->promos, t->npromos, &t->s->params);
    }
    return sc_evaluate(ctx, api, t, c, now_ms, cause, false);
}
