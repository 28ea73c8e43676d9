/*
 * handlers.c - one event applied to the run's working set: links (from
 * `referral` and `customer.upsert.referred_by`), revenue, profiles,
 * erasure. Each records its facts (a link's first report, the referee's
 * first purchase, revenue by month, contacts) and has the links they bear
 * on settled from the facts (settle.c), so the outcome does not depend on
 * the order the events came in. The rules live in the pure files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conversion.h"
#include "emit.h"
#include "glue.h"

static rf_node *node_at(rf_run *r, int32_t i)
{
    return &r->forest.nodes[i];
}

static bool oom(rf_run *r, const char *what)
{
    r->api->fail(r->ctx, "referral: out of memory %s (tenant %s)", what, r->tenant);
    return false;
}

/* ------------------------------------------------------------------------
 * Links.
 * ---------------------------------------------------------------------- */

static bool refuse(rf_run *r, const rp_event *ev, const char *child, const char *parent,
                   rf_status st, const char *message)
{
    const char *reason = rf_status_name(st);
    return rf_store_rejection(r, ev->id, child, parent, reason, message, ev->ts_ms)
           && rf_emit_flagged(r, parent, child, &reason, 1, message, false, false);
}

/* The link row of a new link: a fresh one, or the row of a link that lost
 * its referrer (erased) reused. */
static rf_linkrow *link_row(rf_run *r, const char *child, const char *parent, int64_t ts_ms)
{
    rf_linkrow *l = rf_run_link(r, child);
    if (!l)
        return rf_run_add_link(r, child, parent, ts_ms);
    if (!rf_set_text(&l->referrer, parent) || !rf_set_text(&l->order_id, NULL))
        return NULL;
    l->referred_ms = l->stated_ms = ts_ms;
    l->flags = 0;
    l->converted_ms = l->days = -1;
    l->amount = 0;
    snprintf(l->status, sizeof l->status, "pending");
    return l;
}

/* The link's first report by event time, whatever came first: its time,
 * type and event id. */
static bool first_report(rf_run *r, rf_linkrow *l, const rp_event *ev, const char *source)
{
    if (!rf_set_text(&l->source, source) || !rf_set_text(&l->cause, ev->id))
        return oom(r, "recording a link");
    l->referred_ms = ev->ts_ms;
    l->dirty = true;
    return true;
}

/* The same link reported again (a `referral` and a `customer.upsert` saying
 * the same, or a replay): an earlier report moves the link's time, which
 * the conversion window and the burst guard follow. */
static bool report_again(rf_run *r, const rp_event *ev, const char *child, const char *source)
{
    rf_linkrow *l = rf_run_link(r, child);
    if (!l || !l->referrer || strcmp(l->status, "erased") == 0
        || !rf_comes_first(ev->ts_ms, ev->id, l->referred_ms, l->cause))
        return true;
    char *referrer = strdup(l->referrer);
    bool ok = referrer ? first_report(r, l, ev, source) : oom(r, "recording a link");
    ok = ok && rf_reburst(r, ev, referrer);
    l = rf_run_link(r, child);
    ok = ok && rf_settle(r, ev, l);
    free(referrer);
    return ok;
}

static bool record_link(rf_run *r, const rp_event *ev, const char *child, const char *parent,
                        const char *source)
{
    rf_shift shift;
    char *why;  /* the refusal's sentence, malloc'd by rf_link */
    rf_status st = rf_link(&r->forest, child, parent, &shift, &why);
    bool ok = rf_run_sync(r) ? true : oom(r, "linking");
    if (ok && st == RF_ERROR) {
        r->api->fail(r->ctx, "referral: %s", why ? why : "out of memory linking");
        ok = false;
    } else if (ok && st != RF_OK && st != RF_SAME) {
        ok = why ? refuse(r, ev, child, parent, st, why) : oom(r, "describing a refused link");
    }
    free(why);
    if (ok && st == RF_SAME)
        return report_again(r, ev, child, source);
    if (!ok || st != RF_OK)
        return ok;
    if (!rf_store_set_parent(r, child, parent) || !rf_store_shift(r, child, shift.delta))
        return false;
    rf_linkrow *l = link_row(r, child, parent, ev->ts_ms);
    if (!l || !first_report(r, l, ev, source))
        return oom(r, "recording a link");
    /* The guards, then the conversion: a link learnt after the referee's
     * first purchase converts it at once, and the revenue so far is
     * credited to the months it was spent in. */
    return rf_reburst(r, ev, parent) && rf_settle(r, ev, rf_run_link(r, child));
}

/* ------------------------------------------------------------------------
 * Events.
 * ---------------------------------------------------------------------- */

/* A referee or referrer named in data that cannot be a customer id (empty,
 * or longer than the wire allows a customer) links nobody: a fact about the
 * data that retrying cannot change, so it is logged, not failed. */
static bool usable_customer(rf_run *r, const rp_event *ev, const char *field, const char *id)
{
    if (rf_customer_id_ok(id))
        return true;
    r->api->log(r->ctx, RP_LOG_WARN, "referral: event %s: data.%s is %s; no link recorded",
                ev->id, field, id ? "longer than a customer id may be" : "empty");
    return false;
}

static bool on_referral(rf_run *r, const rp_event *ev)
{
    char *referee;
    if (!rf_data_str(r, ev, "referee", &referee))
        return false;
    bool ok = true;
    if (usable_customer(r, ev, "referee", referee)) {
        ok = rf_run_node(r, ev->customer) != RF_NONE ? true : oom(r, "adding a customer");
        ok = ok && record_link(r, ev, referee, ev->customer, "referral");
    }
    free(referee);
    return ok;
}

/* Keeps a profession or industry in normalised form (affinity.h); an absent
 * field keeps the stored value, as customer.upsert says. */
static bool set_trade(rf_run *r, const rp_event *ev, const char *field, char **kept, bool *changed)
{
    char *raw, term[RF_TERM_MAX];   /* a term is a short word list, not an id */
    if (!rf_data_str(r, ev, field, &raw))
        return false;
    if (!raw)
        return true;
    bool usable = rf_affinity_normalise(raw, term, sizeof term);
    free(raw);
    if (!usable) {
        r->api->log(r->ctx, RP_LOG_WARN, "referral: event %s: data.%s empty or longer than %d "
                    "characters; not used for introductions", ev->id, field, RF_TERM_MAX - 1);
        return true;
    }
    if (*kept && strcmp(*kept, term) == 0)
        return true;
    char *copy = strdup(term);
    if (!copy)
        return oom(r, "keeping a profession");
    free(*kept);
    *kept = copy;
    *changed = true;
    return true;
}

/* The customer's own time zone, when data names a known one. */
static bool set_timezone(rf_run *r, const rp_event *ev, rf_extra *x)
{
    char *tz;
    if (!rf_data_str(r, ev, "timezone", &tz))
        return false;
    rp_local_time probe;
    if (tz && r->api->to_local(tz, 0, &probe)) {
        free(x->timezone);
        x->timezone = tz;
        return true;
    }
    free(tz);
    return true;
}

/* A contact kept as the hash of its normalised form (fraud.h); *changed
 * tells whether the hash moved. */
static bool set_contact(rf_run *r, const rp_event *ev, const char *field, uint64_t *hash,
                        uint64_t (*hash_of)(const char *), bool *changed)
{
    char *text;
    if (!rf_data_str(r, ev, field, &text))
        return false;
    if (text && hash_of(text) != *hash) {
        *hash = hash_of(text);
        *changed = true;
    }
    free(text);
    return true;
}

/* A profile may change what the customer's links state: its own link (its
 * contacts against its referrer's, its time zone counting the days to
 * convert) and, when its contacts changed, the links of those it referred
 * (loaded for it, store.c). */
static bool settle_profile(rf_run *r, const rp_event *ev, bool contacts_changed)
{
    for (size_t k = 0; k < r->nlinks; k++) {
        rf_linkrow *l = &r->links[k];
        bool own = strcmp(l->referee, ev->customer) == 0;
        bool referred = contacts_changed && l->referrer && strcmp(l->referrer, ev->customer) == 0;
        if ((own || referred) && !rf_settle(r, ev, l))
            return false;
    }
    return true;
}

static bool on_upsert(rf_run *r, const rp_event *ev)
{
    int32_t i = rf_run_node(r, ev->customer);
    if (i == RF_NONE)
        return oom(r, "adding a customer");
    rf_extra *x = &r->extras[i];
    bool contacts = false, trade = false;
    if (!set_timezone(r, ev, x)
        || !set_contact(r, ev, "email", &x->email_hash, rf_email_hash, &contacts)
        || !set_contact(r, ev, "phone", &x->phone_hash, rf_phone_hash, &contacts)
        || !set_trade(r, ev, "profession", &x->profession, &trade)
        || !set_trade(r, ev, "industry", &x->industry, &trade))
        return false;
    if (trade) {
        x->trade_ms = !x->trade_changed || r->now > x->trade_ms ? r->now : x->trade_ms;
        x->trade_changed = true;
    }
    rf_touch(&r->forest, i);
    if (!settle_profile(r, ev, contacts))
        return false;
    char *referrer;
    if (!rf_data_str(r, ev, "referred_by", &referrer))
        return false;
    bool ok = true;
    if (referrer && usable_customer(r, ev, "referred_by", referrer))
        ok = record_link(r, ev, ev->customer, referrer, "customer.upsert");
    free(referrer);
    return ok;
}

/* The referee's first purchase by event time, whatever the arrival order. */
static bool note_purchase(rf_run *r, int32_t i, const rp_event *ev, double amount, const char *order)
{
    rf_extra *x = &r->extras[i];
    if (!rf_comes_first(ev->ts_ms, ev->id, x->first_purchase_ms, x->first_event))
        return true;
    if (!rf_set_text(&x->first_event, ev->id) || !rf_set_text(&x->first_order, order))
        return oom(r, "recording a first purchase");
    x->first_purchase_ms = ev->ts_ms;
    x->first_amount = amount;
    return true;
}

/* Revenue goes to the customer's month (its own calendar); a referee whose
 * referral converted credits it to its referrers at once. Then its link is
 * settled: an earlier first purchase may convert it, move its conversion,
 * or take it back. */
static bool apply_money(rf_run *r, const rp_event *ev, double sign, double amount, const char *order)
{
    int32_t i = rf_run_node(r, ev->customer);
    if (i == RF_NONE)
        return oom(r, "adding a customer");
    if (sign > 0 && !note_purchase(r, i, ev, amount, order))
        return false;
    double applied;
    if (rf_add_revenue(&r->forest, ev->customer, sign * amount, &applied) != RF_OK) {
        r->api->fail(r->ctx, "referral: the referral chain of %s is not loaded", ev->customer);
        return false;
    }
    rf_touch(&r->forest, i);
    char month[8];
    rf_month_of(r, i, ev->ts_ms, month);
    rf_linkrow *l = rf_run_link(r, ev->customer);
    bool credited = l && l->referrer && strcmp(l->status, "converted") == 0;
    if (credited && !rf_credit(r, i, applied, month))
        return false;
    if (applied != 0 && !rf_run_add_month(r, i, month, applied))
        return oom(r, "recording revenue by month");
    return !l || rf_settle(r, ev, l);
}

static bool on_money(rf_run *r, const rp_event *ev, double sign)
{
    double amount = 0;
    char *order;
    r->api->view_double(r->api->view_get(ev->data, "amount"), &amount);
    if (!rf_data_str(r, ev, "order_id", &order))
        return false;
    bool ok = apply_money(r, ev, sign, amount, order ? order : "");
    free(order);
    return ok;
}

static bool on_erase(rf_run *r, const rp_event *ev)
{
    int32_t i = rf_find(&r->forest, ev->customer);
    size_t children = 0, nshifts = 0;
    for (int32_t c = i != RF_NONE ? node_at(r, i)->first_child : RF_NONE; c != RF_NONE;
         c = node_at(r, c)->next_sibling)
        children++;
    rf_shift *shifts = malloc((children ? children : 1) * sizeof *shifts);
    if (!shifts)
        return oom(r, "erasing");
    bool ok = i == RF_NONE || rf_erase(&r->forest, ev->customer, shifts, children, &nshifts) != RF_ERROR;
    for (size_t k = 0; ok && k < nshifts; k++)
        ok = rf_store_shift(r, node_at(r, shifts[k].root)->id, shifts[k].delta);
    free(shifts);
    if (!ok) {
        r->api->fail(r->ctx, "referral: cannot erase %s: its chain is not loaded", ev->customer);
        return false;
    }
    if (i != RF_NONE) {
        rf_extra *x = &r->extras[i];
        free(x->timezone);
        free(x->profession);
        free(x->industry);
        free(x->first_event);
        free(x->first_order);
        *x = (rf_extra){.partition = x->partition, .first_purchase_ms = -1, .loaded = x->loaded};
    }
    for (size_t k = 0; k < r->nlinks; k++) {
        rf_linkrow *l = &r->links[k];
        if (l->referrer && strcmp(l->referrer, ev->customer) == 0) {
            free(l->referrer);
            l->referrer = NULL;
        }
        if (strcmp(l->referee, ev->customer) == 0)
            snprintf(l->status, sizeof l->status, "erased");
    }
    /* the key people follow at the next cut of the tenant clock (keypeople.c) */
    return rf_store_erase(r, ev->customer);
}

bool rf_handle_event(rf_run *r, const rp_event *ev)
{
    if (!ev->customer)
        return true;
    if (strcmp(ev->type, "referral") == 0)
        return on_referral(r, ev);
    if (strcmp(ev->type, "customer.upsert") == 0)
        return on_upsert(r, ev);
    if (strcmp(ev->type, "purchase") == 0)
        return on_money(r, ev, 1.0);
    if (strcmp(ev->type, "refund") == 0)
        return on_money(r, ev, -1.0);
    if (strcmp(ev->type, "customer.erase") == 0)
        return on_erase(r, ev);
    return true;
}
