/*
 * settle.c - what a referral link states, recomputed from the facts
 * whatever order the events came in (issue 18), and what a change of it
 * does: the referrer's converted count, the referee's contribution to its
 * chain's influence, attribution of the referee's revenue, rewards, and the
 * derived events.
 *
 * The facts are the link's first report (its time, by rf_comes_first), the
 * referee's first purchase by event time (time, order id, amount), the
 * referee's and referrer's contacts and the referrer's other links (the
 * guards). The status and the conversion follow from them (conversion.h),
 * so a link learnt after the purchases converts the right order, and a
 * first purchase that arrives after a later one still converts.
 *
 * Derived events already published are never recalled. A change of
 * something a `referral.converted` stated is sent again with "correction":
 * true (and the status now: a conversion a late event took back says
 * "preexisting" or "expired"); a flag lifted after `referral.flagged` is
 * sent again the same way with the flags that still hold. A conversion or a
 * flag that is new is announced as usual.
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

static bool is_status(const char *status, const char *name)
{
    return strcmp(status, name) == 0;
}

/* The referee's calendar: its own time zone, else the tenant's default. */
rp_local_time rf_local_time(rf_run *r, int32_t i, int64_t ms)
{
    rp_local_time t;
    const char *tz = i != RF_NONE ? r->extras[i].timezone : NULL;
    if (!tz || !r->api->to_local(tz, ms, &t))
        r->api->to_local(r->s->default_tz, ms, &t);
    return t;
}

void rf_month_of(rf_run *r, int32_t i, int64_t ms, char month[8])
{
    rp_local_time t = rf_local_time(r, i, ms);
    snprintf(month, 8, "%04d-%02d", t.year % 10000, t.month % 100);
}

/* ------------------------------------------------------------------------
 * Attribution and rewards.
 * ---------------------------------------------------------------------- */

bool rf_credit(rf_run *r, int32_t referee, double amount, const char *month)
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
    size_t used = ok ? rf_attribute(&r->s->attribution, amount, n, shares) : 0;
    for (size_t k = 0; ok && k < used; k++)
        ok = rf_store_attribute(r, node_at(r, chain[k])->id, month, shares[k]);
    if (!chain || !shares)
        ok = oom(r, "attributing revenue");
    free(chain);
    free(shares);
    return ok;
}

/* The referee's revenue of every month, credited (sign 1) when its
 * referral converts, debited (-1) when a late event takes the conversion
 * back: each month's revenue in its own month, so attribution is the same
 * whenever the conversion was learnt. */
static bool credit_history(rf_run *r, int32_t referee, double sign)
{
    char (*months)[8];
    double *amounts;
    size_t n;
    if (!rf_store_history(r, referee, &months, &amounts, &n))
        return false;
    bool ok = true;
    for (size_t k = 0; ok && k < n; k++)
        ok = rf_credit(r, referee, sign * amounts[k], months[k]);
    free(months);
    free(amounts);
    return ok;
}

bool rf_evaluate_rewards(rf_run *r, const rp_event *ev, const rf_linkrow *l, int32_t referee)
{
    if (r->s->rewards.count == 0 || !l->referrer)
        return true;
    int32_t p = rf_find(&r->forest, l->referrer);
    rf_reward_facts facts = {
        .referrer = l->referrer,
        .referee = l->referee,
        .converted = is_status(l->status, "converted"),
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
 * The link's state from the facts.
 * ---------------------------------------------------------------------- */

typedef struct link_state {
    char status[16];
    unsigned flags;
    int64_t converted_ms, days;
    const char *order_id;   /* borrowed from the referee's extras */
    double amount;
} link_state;

/* Contact guards: the referee's e-mail or phone is the referrer's. */
static unsigned contact_flags(rf_run *r, int32_t referee, int32_t referrer)
{
    rf_fraud_rules none = {.burst_max = 0};
    rf_fraud_input in = {
        .referrer_email = r->extras[referrer].email_hash, .referrer_phone = r->extras[referrer].phone_hash,
        .referee_email = r->extras[referee].email_hash, .referee_phone = r->extras[referee].phone_hash,
    };
    return rf_fraud_assess(&none, &in);
}

/* The state the facts give. With the referee not loaded (a link read only
 * for the burst guard) only the burst flag can change: the rest stands. */
static link_state compute(rf_run *r, const rf_linkrow *l, int32_t c, unsigned burst)
{
    link_state s = {.flags = (l->flags & ~(unsigned)RF_FLAG_BURST) | burst,
                    .converted_ms = l->converted_ms, .days = l->days, .order_id = l->order_id,
                    .amount = l->amount};
    snprintf(s.status, sizeof s.status, "%s", l->status);
    if (c == RF_NONE)
        return s;
    int32_t p = rf_find(&r->forest, l->referrer);
    if (p != RF_NONE)
        s.flags = contact_flags(r, c, p) | burst;
    const rf_extra *x = &r->extras[c];
    /* Without a purchase the link is pending, not expired by the clock: the
     * engine time at which some event of the referee happens to be handled
     * would decide it (see docs, "Late events and arrival order"). */
    rf_conversion conv = rf_conversion_check(l->referred_ms, x->first_purchase_ms, l->referred_ms,
                                             r->s->window_ms, r->s->grace_ms);
    snprintf(s.status, sizeof s.status, "%s", rf_conversion_name(conv));
    if (conv != RF_CONV_CONVERTED) {
        s.converted_ms = s.days = -1;
        s.order_id = NULL;
        s.amount = 0;
        return s;
    }
    rp_local_time from = rf_local_time(r, c, l->referred_ms), to = rf_local_time(r, c, x->first_purchase_ms);
    s.converted_ms = x->first_purchase_ms;
    s.days = rf_days_to_convert(from.year, from.month, from.day, to.year, to.month, to.day);
    s.order_id = x->first_order ? x->first_order : "";
    s.amount = x->first_amount;
    return s;
}

/* No order id and an empty one are the same to a consumer (a conversion
 * stored before step 2 has none). */
static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether the state differs from what a `referral.converted` stated. */
static bool conversion_changed(const rf_linkrow *l, const link_state *s)
{
    return !is_status(s->status, "converted") || s->converted_ms != l->converted_ms
           || s->days != l->days || !same_text(s->order_id, l->order_id) || s->amount != l->amount
           || (s->flags != 0) != (l->flags != 0) || l->referred_ms != l->stated_ms;
}

/* ------------------------------------------------------------------------
 * Derived events.
 * ---------------------------------------------------------------------- */

static bool emit_flags(rf_run *r, const rf_linkrow *l, unsigned flags, bool correction)
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
    int len = flags ? asprintf(&message, "referral of %s by %s held for review: %s", l->referee,
                               l->referrer, rf_flag_names(flags, names, sizeof names))
                    : asprintf(&message, "referral of %s by %s no longer held for review",
                               l->referee, l->referrer);
    if (len < 0)
        return oom(r, "describing a held referral");
    bool ok = rf_emit_flagged(r, l->referrer, l->referee, reasons, n, message, flags != 0,
                              correction);
    free(message);
    return ok;
}

/* A flag that is new is announced as usual; a lifted one sends the flags
 * that still hold as a correction. */
static bool announce_flags(rf_run *r, const rf_linkrow *l, unsigned before, unsigned after)
{
    if (before & ~after)
        return emit_flags(r, l, after, true);
    if (after & ~before)
        return emit_flags(r, l, after & ~before, false);
    return true;
}

/* A conversion (new or corrected) states the new facts; one a late event
 * took back repeats the facts it had stated, with the status now. */
static bool announce_conversion(rf_run *r, const rf_linkrow *l, int32_t c, const link_state *s,
                                bool correction)
{
    bool holds = is_status(s->status, "converted");
    rf_converted_info info = {
        .referrer = l->referrer, .referee = l->referee,
        .depth = c != RF_NONE ? node_at(r, c)->depth : l->depth,
        .days_to_convert = holds ? s->days : l->days, .referred_ms = l->referred_ms,
        .converted_ms = holds ? s->converted_ms : l->converted_ms,
        .order_id = holds ? s->order_id : l->order_id,
        .amount = holds ? s->amount : l->amount,
        .flagged = s->flags != 0, .correction = correction, .status = s->status,
    };
    if (!info.order_id)
        info.order_id = "";
    return rf_emit_converted(r, &info);
}

/* ------------------------------------------------------------------------
 * Applying a new state.
 * ---------------------------------------------------------------------- */

/* The referee's conversion in the forest (influence) and its revenue in
 * the referrers' attribution follow the status. */
static bool follow_status(rf_run *r, int32_t c, bool was, bool is)
{
    if (was == is)
        return true;
    rf_status st = is ? rf_set_converted(&r->forest, node_at(r, c)->id)
                      : rf_unset_converted(&r->forest, node_at(r, c)->id);
    if (st == RF_ERROR) {
        r->api->fail(r->ctx, "referral: the referral chain of %s is not loaded", node_at(r, c)->id);
        return false;
    }
    return credit_history(r, c, is ? 1.0 : -1.0);
}

static bool store_state(rf_run *r, rf_linkrow *l, const link_state *s)
{
    if (!rf_set_text(&l->order_id, s->order_id))
        return oom(r, "recording a conversion");
    snprintf(l->status, sizeof l->status, "%s", s->status);
    l->flags = s->flags;
    l->converted_ms = s->converted_ms;
    l->days = s->days;
    l->amount = s->amount;
    l->stated_ms = l->referred_ms;
    l->dirty = true;
    return true;
}

static bool apply(rf_run *r, const rp_event *ev, rf_linkrow *l, int32_t c, const link_state *s)
{
    bool was = is_status(l->status, "converted"), is = is_status(s->status, "converted");
    int32_t p = rf_find(&r->forest, l->referrer);
    int64_t counted = (is && !s->flags) - (was && !l->flags);
    if (counted && p != RF_NONE) {
        r->extras[p].converted_referrals += counted;
        rf_touch(&r->forest, p);
    }
    if (c != RF_NONE && !follow_status(r, c, was, is))
        return false;
    if (!announce_flags(r, l, l->flags, s->flags))
        return false;
    bool announce = is && !was, correct = was && conversion_changed(l, s);
    if ((announce || correct) && !announce_conversion(r, l, c, s, correct))
        return false;
    bool changed = announce || correct || strcmp(l->status, s->status) != 0 || l->flags != s->flags
                   || l->referred_ms != l->stated_ms;
    if (changed && !store_state(r, l, s))
        return false;
    return !is || c == RF_NONE || rf_evaluate_rewards(r, ev, l, c);
}

static bool live(const rf_linkrow *l)
{
    return l->referrer && !is_status(l->status, "erased");
}

bool rf_settle(rf_run *r, const rp_event *ev, rf_linkrow *l)
{
    if (!live(l))
        return true;
    int32_t c = rf_find(&r->forest, l->referee);
    if (c == RF_NONE)
        return true;
    link_state s = compute(r, l, c, l->flags & RF_FLAG_BURST);
    return apply(r, ev, l, c, &s);
}

/* ------------------------------------------------------------------------
 * The burst guard over one referrer's links.
 * ---------------------------------------------------------------------- */

bool rf_reburst(rf_run *r, const rp_event *ev, const char *referrer)
{
    if (r->s->fraud.burst_max <= 0)
        return true;
    size_t *at = malloc((r->nlinks ? r->nlinks : 1) * sizeof *at);
    int64_t *times = calloc(r->nlinks ? r->nlinks : 1, sizeof *times);
    bool *flagged = calloc(r->nlinks ? r->nlinks : 1, sizeof *flagged);
    size_t n = 0;
    bool ok = at && times && flagged;
    for (size_t k = 0; ok && k < r->nlinks; k++)
        if (live(&r->links[k]) && strcmp(r->links[k].referrer, referrer) == 0) {
            at[n] = k;
            times[n++] = r->links[k].referred_ms;
        }
    ok = ok && rf_burst_flags(&r->s->fraud, times, n, flagged);
    for (size_t k = 0; ok && k < n; k++) {
        rf_linkrow *l = &r->links[at[k]];
        unsigned burst = flagged[k] ? RF_FLAG_BURST : 0;
        /* a link whose window was not loaded whole keeps its flag */
        if (l->referred_ms < r->burst_from || l->referred_ms > r->burst_to
            || (l->flags & RF_FLAG_BURST) == burst)
            continue;
        int32_t c = rf_find(&r->forest, l->referee);
        link_state s = compute(r, l, c, burst);
        ok = apply(r, ev, l, c, &s);
    }
    if (!at || !times || !flagged)
        ok = oom(r, "counting recent referrals");
    free(at);
    free(times);
    free(flagged);
    return ok;
}
