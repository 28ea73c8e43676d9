/*
 * events.c - one tenant's run of events: its customers are loaded with four
 * queries, the events applied in order in memory (tasks and ledger rows go
 * out as deferred statements), each customer event followed by a re-plan of
 * its customer, and the customers' care state written back once.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static bool load_customers(cr_run *r, const rp_event *const *events, size_t n)
{
    const char **ids = calloc(n, sizeof *ids);
    if (!ids) {
        r->api->fail(r->ctx, "care: out of memory");
        return false;
    }
    int64_t since = events[0]->ts_ms;
    for (size_t i = 0; i < n; i++) {
        ids[i] = events[i]->customer;
        if (events[i]->ts_ms < since)
            since = events[i]->ts_ms;
    }
    bool ok = cr_store_load(r, ids, n, since);
    free(ids);
    return ok;
}

static bool dispatch(cr_run *r, cr_cust *c, const rp_event *ev)
{
    const char *type = ev->type;
    if (strcmp(type, "purchase") == 0)
        return cr_on_purchase(r, c, ev);
    if (strcmp(type, "customer.upsert") == 0)
        return cr_on_upsert(r, c, ev);
    if (strcmp(type, "contact") == 0)
        return cr_on_contact(r, c, ev, "outcome");
    if (strcmp(type, "care.done") == 0)
        return cr_on_contact(r, c, ev, "note");
    if (strcmp(type, "key_event") == 0)
        return cr_on_key_event(r, c, ev);
    if (strcmp(type, "holding.updated") == 0)
        return cr_on_holding(r, c, ev);
    return true;
}

static bool customer_event(cr_run *r, const rp_event *ev)
{
    if (strcmp(ev->type, "customer.erase") == 0)
        return cr_store_erase(r, ev->customer);
    cr_cust *c = cr_run_find(r, ev->customer);
    if (!c) {
        r->api->fail(r->ctx, "care: customer %s was not loaded", ev->customer);
        return false;
    }
    /* The earliest event time, also when an earlier event arrives late. */
    if (c->first_seen_ms < 0 || ev->ts_ms < c->first_seen_ms) {
        c->first_seen_ms = ev->ts_ms;
        c->dirty = true;
    }
    int64_t before = c->last_contact_ms;
    if (!dispatch(r, c, ev))
        return false;
    if (c->last_contact_ms != before)
        c->dirty = true;
    return cr_plan_customer(r, c);
}

static bool handle(cr_run *r, const rp_event *ev)
{
    if (strcmp(ev->type, "campaign.launched") == 0)
        return cr_on_campaign(r, ev);
    if (strcmp(ev->type, "market.price") == 0)
        return cr_on_price(r, ev);
    if (!ev->customer)
        return true;                        /* nothing customer-less is subscribed otherwise */
    return customer_event(r, ev);
}

bool cr_events_run(cr_run *r, const rp_event *const *events, size_t n)
{
    bool ok = load_customers(r, events, n);
    r->earliest = INT64_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        r->api->scope_event(r->ctx, events[i]);
        r->now = r->api->now_ms(r->ctx);
        if (r->now < r->earliest)
            r->earliest = r->now;
        ok = handle(r, events[i]);
    }
    return ok && cr_store_save(r);
}
