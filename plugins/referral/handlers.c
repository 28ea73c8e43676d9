/*
 * handlers.c - one event applied to the run's working set: links (from
 * `referral` and `customer.upsert.referred_by`), revenue, conversion,
 * attribution, rewards, guards, key-people entry, erasure. The rules live in
 * the pure files; this file sequences them and records the facts.
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

/* The referee's calendar: its own time zone, else the tenant's default. */
static rp_local_time local_time(rf_run *r, int32_t i, int64_t ms)
{
    rp_local_time t;
    const char *tz = i != RF_NONE ? r->extras[i].timezone : NULL;
    if (!tz || !r->api->to_local(tz, ms, &t))
        r->api->to_local(r->s->default_tz, ms, &t);
    return t;
}

/* ------------------------------------------------------------------------
 * Key people: after a change at i, only i's ancestors changed influence.
 * ---------------------------------------------------------------------- */

static bool offer_from(rf_run *r, int32_t first)
{
    for (int32_t v = first; v != RF_NONE; v = node_at(r, v)->parent) {
        char *evicted;
        rf_offer o = rf_topset_offer(&r->top, node_at(r, v)->id, node_at(r, v)->influence,
                                     &evicted);
        if (o == RF_OFFER_ERROR)
            return oom(r, "updating key people");
        if (o != RF_OFFER_NONE)
            r->top_changed = true;
        bool ok = o != RF_OFFER_ENTERED || rf_emit_key_person(r, node_at(r, v), evicted);
        free(evicted);
        if (!ok)
            return false;
    }
    return true;
}

static bool offer_ancestors(rf_run *r, int32_t i)
{
    return offer_from(r, node_at(r, i)->parent);
}

/* ------------------------------------------------------------------------
 * Attribution and rewards.
 * ---------------------------------------------------------------------- */

static bool attribute(rf_run *r, int32_t referee, double amount, int64_t ts_ms)
{
    if (amount == 0)
        return true;
    size_t levels = r->s->attribution.levels > 0 ? r->s->attribution.levels : 1;
    int32_t *chain = malloc(levels * sizeof *chain);
    double *shares = malloc(levels * sizeof *shares);
    bool ok = chain && shares;
    size_t n = 0;
    for (int32_t v = node_at(r, referee)->parent; ok && v != RF_NONE && n < levels; v = node_at(r, v)->parent)
        chain[n++] = v;
    rp_local_time t = local_time(r, referee, ts_ms);
    char month[16];
    snprintf(month, sizeof month, "%04d-%02d", t.year, t.month);
    size_t used = ok ? rf_attribute(&r->s->attribution, amount, n, shares) : 0;
    for (size_t k = 0; ok && k < used; k++)
        ok = rf_store_attribute(r, node_at(r, chain[k])->id, month, shares[k]);
    if (!chain || !shares)
        ok = oom(r, "attributing revenue");
    free(chain);
    free(shares);
    return ok;
}

static bool evaluate_rewards(rf_run *r, const rp_event *ev, const rf_linkrow *l, int32_t referee)
{
    if (r->s->rewards.count == 0 || !l->referrer)
        return true;
    int32_t p = rf_find(&r->forest, l->referrer);
    rf_reward_facts facts = {
        .referrer = l->referrer,
        .referee = l->referee,
        .converted = strcmp(l->status, "converted") == 0,
        .referee_spend = node_at(r, referee)->own_revenue,
        .referrer_converted = p != RF_NONE ? r->extras[p].converted_referrals : 0,
        .held = l->flags != 0,
    };
    rf_reward due[2 * RF_MAX_RULES];
    size_t n = rf_rewards_due(&r->s->rewards, &facts, due, 2 * RF_MAX_RULES);
    for (size_t k = 0; k < n; k++) {
        bool fresh;
        if (!rf_store_reward(r, &due[k], ev->id, ev->ts_ms, &fresh))
            return false;
        if (!fresh || due[k].held)
            continue;
        int len = rf_reward_key(&due[k], NULL, 0);
        char *key = len >= 0 ? malloc((size_t)len + 1) : NULL;
        if (!key)
            return oom(r, "building a reward key");
        rf_reward_key(&due[k], key, (size_t)len + 1);
        bool ok = rf_emit_reward(r, &due[k], key);
        free(key);
        if (!ok)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Guards.
 * ---------------------------------------------------------------------- */

static unsigned contact_flags(rf_run *r, int32_t referee, int32_t referrer)
{
    rf_fraud_rules none = {.burst_max = 0};
    rf_fraud_input in = {
        .referrer_email = r->extras[referrer].email_hash, .referrer_phone = r->extras[referrer].phone_hash,
        .referee_email = r->extras[referee].email_hash, .referee_phone = r->extras[referee].phone_hash,
    };
    return rf_fraud_assess(&none, &in);
}

static bool emit_guard_flags(rf_run *r, const rf_linkrow *l, unsigned flags)
{
    const char *reasons[3];
    size_t n = 0;
    if (flags & RF_FLAG_SAME_EMAIL)
        reasons[n++] = "same_email";
    if (flags & RF_FLAG_SAME_PHONE)
        reasons[n++] = "same_phone";
    if (flags & RF_FLAG_BURST)
        reasons[n++] = "burst";
    char names[64], *message;   /* names: at most the three flag words */
    if (asprintf(&message, "referral of %s by %s held for review: %s", l->referee, l->referrer,
                 rf_flag_names(flags, names, sizeof names)) < 0)
        return oom(r, "describing a held referral");
    bool ok = rf_emit_flagged(r, l->referrer, l->referee, reasons, n, message, true);
    free(message);
    return ok;
}

/* The referrer's links already known (loaded for the run's window, or made
 * in the run) count against the burst limit; erased ones do not. */
static bool burst_flag(rf_run *r, const char *referrer, int64_t ts_ms, unsigned *flags)
{
    if (r->s->fraud.burst_max <= 0)
        return true;
    int64_t *times = malloc((r->nlinks ? r->nlinks : 1) * sizeof *times);
    if (!times)
        return oom(r, "counting recent referrals");
    size_t n = 0;
    for (size_t i = 0; i < r->nlinks; i++) {
        const rf_linkrow *l = &r->links[i];
        if (l->referrer && strcmp(l->referrer, referrer) == 0 && strcmp(l->status, "erased") != 0)
            times[n++] = l->referred_ms;
    }
    rf_fraud_input in = {.earlier_ms = times, .nearlier = n, .referred_ms = ts_ms};
    *flags |= rf_fraud_assess(&r->s->fraud, &in) & RF_FLAG_BURST;
    free(times);
    return true;
}

/* ------------------------------------------------------------------------
 * Conversion.
 * ---------------------------------------------------------------------- */

typedef struct sale {
    int64_t ms;
    const char *order_id;
    double amount;      /* the sale's amount, as reported */
    double attribute;   /* revenue to credit to the referrers now */
} sale;

static bool convert(rf_run *r, const rp_event *ev, rf_linkrow *l, int32_t referee, const sale *s)
{
    int32_t p = rf_find(&r->forest, l->referrer);
    if (p == RF_NONE || rf_set_converted(&r->forest, l->referee) == RF_ERROR) {
        r->api->fail(r->ctx, "referral: referrer %s of %s not loaded", l->referrer, l->referee);
        return false;
    }
    snprintf(l->status, sizeof l->status, "converted");
    unsigned fresh = contact_flags(r, referee, p) & ~l->flags;
    l->flags |= fresh;
    if (fresh && !emit_guard_flags(r, l, fresh))
        return false;
    if (!l->flags) {
        r->extras[p].converted_referrals++;
        node_at(r, p)->dirty = true;
    }
    rp_local_time from = local_time(r, referee, l->referred_ms), to = local_time(r, referee, s->ms);
    rf_converted_info info = {
        .referrer = l->referrer, .referee = l->referee, .depth = node_at(r, referee)->depth,
        .days_to_convert = rf_days_to_convert(from.year, from.month, from.day, to.year, to.month, to.day),
        .referred_ms = l->referred_ms, .converted_ms = s->ms, .order_id = s->order_id,
        .amount = s->amount, .flagged = l->flags != 0,
    };
    return rf_store_update_link(r, l, s->ms, info.days_to_convert, (int32_t)info.depth)
           && rf_emit_converted(r, &info)
           && attribute(r, referee, s->attribute, s->ms)
           && evaluate_rewards(r, ev, l, referee)
           && offer_ancestors(r, referee);
}

/* A pending link meets the referee's first purchase (or its absence). */
static bool settle(rf_run *r, const rp_event *ev, rf_linkrow *l, int32_t referee, const sale *s)
{
    int64_t first = r->extras[referee].first_purchase_ms;
    rf_conversion c = rf_conversion_check(l->referred_ms, first, r->now, r->s->window_ms, r->s->grace_ms);
    if (c == RF_CONV_CONVERTED)
        return convert(r, ev, l, referee, s);
    if (c == RF_CONV_PENDING)
        return true;
    snprintf(l->status, sizeof l->status, "%s", rf_conversion_name(c));
    return rf_store_update_link(r, l, -1, -1, node_at(r, referee)->depth);
}

/* ------------------------------------------------------------------------
 * Links.
 * ---------------------------------------------------------------------- */

static bool refuse(rf_run *r, const rp_event *ev, const char *child, const char *parent,
                   rf_status st, const char *message)
{
    const char *reason = rf_status_name(st);
    return rf_store_rejection(r, ev->id, child, parent, reason, message, ev->ts_ms)
           && rf_emit_flagged(r, parent, child, &reason, 1, message, false);
}

static rf_linkrow *link_row(rf_run *r, const char *child, const char *parent, int64_t ts_ms)
{
    rf_linkrow *l = rf_run_link(r, child);
    if (!l)
        return rf_run_add_link(r, child, parent, ts_ms);
    char *copy = strdup(parent);
    if (!copy)
        return NULL;
    free(l->referrer);
    l->referrer = copy;
    l->referred_ms = ts_ms;
    l->flags = 0;
    snprintf(l->status, sizeof l->status, "pending");
    return l;
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
    if (!ok || st != RF_OK)
        return ok;
    int32_t c = rf_find(&r->forest, child), p = rf_find(&r->forest, parent);
    unsigned flags = contact_flags(r, c, p);
    if (!rf_store_set_parent(r, child, parent) || !rf_store_shift(r, child, shift.delta)
        || !burst_flag(r, parent, ev->ts_ms, &flags))
        return false;
    rf_linkrow *l = link_row(r, child, parent, ev->ts_ms);
    if (!l)
        return oom(r, "recording a link");
    l->flags = flags;
    if (!rf_store_insert_link(r, l, source, ev->id, node_at(r, c)->depth)
        || (flags && !emit_guard_flags(r, l, flags)) || !offer_ancestors(r, c))
        return false;
    /* A link learnt after the referee's first purchase settles at once; the
     * revenue so far is credited to the conversion's month. */
    sale s = {.ms = r->extras[c].first_purchase_ms, .order_id = "",
              .amount = node_at(r, c)->own_revenue, .attribute = node_at(r, c)->own_revenue};
    return settle(r, ev, l, c, &s);
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

/* A contact kept as the hash of its normalised form (fraud.h). */
static bool set_contact(rf_run *r, const rp_event *ev, const char *field, uint64_t *hash,
                        uint64_t (*hash_of)(const char *))
{
    char *text;
    if (!rf_data_str(r, ev, field, &text))
        return false;
    if (text)
        *hash = hash_of(text);
    free(text);
    return true;
}

static bool on_upsert(rf_run *r, const rp_event *ev)
{
    int32_t i = rf_run_node(r, ev->customer);
    if (i == RF_NONE)
        return oom(r, "adding a customer");
    rf_extra *x = &r->extras[i];
    if (!set_timezone(r, ev, x)
        || !set_contact(r, ev, "email", &x->email_hash, rf_email_hash)
        || !set_contact(r, ev, "phone", &x->phone_hash, rf_phone_hash)
        || !set_trade(r, ev, "profession", &x->profession, &x->trade_changed)
        || !set_trade(r, ev, "industry", &x->industry, &x->trade_changed))
        return false;
    node_at(r, i)->dirty = true;
    char *referrer;
    if (!rf_data_str(r, ev, "referred_by", &referrer))
        return false;
    bool ok = true;
    if (referrer && usable_customer(r, ev, "referred_by", referrer))
        ok = record_link(r, ev, ev->customer, referrer, "customer.upsert");
    free(referrer);
    return ok;
}

static bool apply_money(rf_run *r, const rp_event *ev, double sign, double amount, const char *order)
{
    int32_t i = rf_run_node(r, ev->customer);
    if (i == RF_NONE)
        return oom(r, "adding a customer");
    bool first = false;
    if (sign > 0 && (r->extras[i].first_purchase_ms < 0 || ev->ts_ms < r->extras[i].first_purchase_ms)) {
        first = r->extras[i].first_purchase_ms < 0;
        r->extras[i].first_purchase_ms = ev->ts_ms;
    }
    double applied;
    if (rf_add_revenue(&r->forest, ev->customer, sign * amount, &applied) != RF_OK) {
        r->api->fail(r->ctx, "referral: the referral chain of %s is not loaded", ev->customer);
        return false;
    }
    rf_linkrow *l = rf_run_link(r, ev->customer);
    if (!l || !l->referrer)
        return true;
    sale s = {.ms = ev->ts_ms, .order_id = order, .amount = amount, .attribute = applied};
    if (strcmp(l->status, "pending") == 0 && first)
        return settle(r, ev, l, i, &s);
    if (strcmp(l->status, "converted") != 0)
        return true;
    return attribute(r, i, applied, ev->ts_ms) && evaluate_rewards(r, ev, l, i) && offer_ancestors(r, i);
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
    /* the former referrer's chain loses influence: its scores are refreshed below */
    int32_t former_parent = i != RF_NONE ? node_at(r, i)->parent : RF_NONE;
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
    if (rf_topset_remove(&r->top, ev->customer))
        r->top_changed = true;
    return rf_store_erase(r, ev->customer) && offer_from(r, former_parent);
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
