/*
 * evidence.c - turning one customer's events into decayed evidence.
 *
 * Every behavioural counter decays exponentially with the tenant's half-life
 * so that old behaviour weighs less (FIELD-NOTES: "points only ever go up" is
 * the complaint we answer). Counters share one reference instant, so bringing
 * a customer forward is one multiplication per counter, and an event that
 * arrives late is added with the weight it would have had by now.
 *
 * Late events (issue 18): every fact here is a function of the events' times,
 * not of the order they arrive in. Counters are sums (commutative); first and
 * last purchase are the minimum and maximum time; x counts purchases after
 * the first; exposure to promotions is an integral, whatever its cuts; a
 * deal's close may come before its opening; a referral converts at a time
 * computed from the first purchase and the link.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <rapport/rp_fnv.h>

#include "evidence.h"

/* The counters sc_decay_to scales; times and BG/NBD counts are not decayed. */
static const size_t decayed_fields[] = {
    offsetof(sc_evidence, purchases), offsetof(sc_evidence, spend),
    offsetof(sc_evidence, refunds), offsetof(sc_evidence, complaints),
    offsetof(sc_evidence, care_touches), offsetof(sc_evidence, care_converted),
    offsetof(sc_evidence, deals_closed), offsetof(sc_evidence, deal_points),
    offsetof(sc_evidence, priced), offsetof(sc_evidence, full_price),
    offsetof(sc_evidence, depth_sum), offsetof(sc_evidence, referrals),
    offsetof(sc_evidence, referrals_converted), offsetof(sc_evidence, suggestions),
    offsetof(sc_evidence, coop_good), offsetof(sc_evidence, coop_bad),
    offsetof(sc_evidence, promo_days), offsetof(sc_evidence, promo_purchases),
    offsetof(sc_evidence, base_days), offsetof(sc_evidence, base_purchases),
};

double sc_decay_factor(double dt_ms, double half_life_ms)
{
    if (dt_ms <= 0 || !(half_life_ms > 0))
        return 1.0;
    return exp2(-dt_ms / half_life_ms);
}

void sc_decay_to(sc_evidence *e, double t_ms, double half_life_ms)
{
    if (t_ms <= e->ref_ms)
        return;
    double f = sc_decay_factor(t_ms - e->ref_ms, half_life_ms);
    for (size_t i = 0; i < sizeof decayed_fields / sizeof decayed_fields[0]; i++) {
        double *c = (double *)((char *)e + decayed_fields[i]);
        *c *= f;
    }
    e->ref_ms = t_ms;
}

void sc_add(sc_evidence *e, double *counter, double amount, double t_ms, double half_life_ms)
{
    if (t_ms >= e->ref_ms) {
        sc_decay_to(e, t_ms, half_life_ms);
        *counter += amount;
    } else {
        *counter += amount * sc_decay_factor(e->ref_ms - t_ms, half_life_ms);
    }
}

void sc_settle_care(sc_evidence *e, double t_ms, const sc_params *p)
{
    if (e->care_pending <= 0 || t_ms - e->care_pending_ms <= p->influence_window_ms)
        return;
    /* The window closed without a purchase: the touches did not convert. */
    sc_add(e, &e->care_touches, e->care_pending, e->care_pending_ms + p->influence_window_ms,
           p->half_life_ms);
    e->care_pending = 0;
    e->care_pending_ms = 0;
}

/* Days of [from, to), each instant s weighing 2^-((at - s) / h): the
 * integral, so that [a, c) gives the sum of [a, b) and [b, c) whatever b. */
static double decayed_days(double from, double to, double at, double h)
{
    if (!(to > from))
        return 0;
    if (!(h > 0))
        return (to - from) / SC_DAY_MS;
    double k = M_LN2 / h;
    return sc_decay_factor(at - to, h) * -expm1(-k * (to - from)) / k / SC_DAY_MS;
}

/* Exposure of [from, to), decayed to `to`: the days inside the union of the
 * (sorted) windows into promo_days, the rest into base_days. */
static void add_exposure(sc_evidence *e, double from, double to, const sc_promo *promos, size_t n,
                         const sc_params *p)
{
    double h = p->half_life_ms;
    double inside = 0, reach = from;
    for (size_t i = 0; i < n; i++) {
        double s = fmax((double)promos[i].starts_ms, reach);
        double en = fmin((double)promos[i].ends_ms, to);
        if (en > s) {
            inside += decayed_days(s, en, to, h);
            reach = en;
        }
    }
    double base = fmax(0.0, decayed_days(from, to, to, h) - inside);
    sc_add(e, &e->promo_days, inside, to, h);
    sc_add(e, &e->base_days, base, to, h);
}

static bool in_promo(double t, const sc_promo *promos, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t >= (double)promos[i].starts_ms && t < (double)promos[i].ends_ms)
            return true;
    return false;
}

void sc_account_promos(sc_evidence *e, double t_ms, const sc_promo *promos, size_t n,
                       const sc_params *p)
{
    if (e->first_purchase_ms <= 0 || t_ms <= e->promo_seen_ms)
        return;
    add_exposure(e, e->promo_seen_ms, t_ms, promos, n, p);
    e->promo_seen_ms = t_ms;
}

/* Discount depth 0..1 of one purchase, or -1 without price information. */
static double discount_depth(double amount, double list_price, double discount)
{
    if (discount >= 0 && amount + discount > 0)
        return fmin(1.0, discount / (amount + discount));
    if (list_price > 0)
        return fmin(1.0, fmax(0.0, (list_price - amount) / list_price));
    return -1;
}

/* A repeat purchase at t counts inside a competitor's window or outside. */
static void add_repeat(sc_evidence *e, double t_ms, const sc_promo *promos, size_t n, double h)
{
    e->repeat_n += 1;
    sc_add(e, in_promo(t_ms, promos, n) ? &e->promo_purchases : &e->base_purchases, 1, t_ms, h);
}

/* Moves first_purchase_ms to t: the purchase that was first becomes a
 * repeat, and the stretch from t to it becomes exposure, both counted as
 * they would have been had t arrived in order. */
static void move_first_back(sc_evidence *e, double t_ms, const sc_promo *promos, size_t n,
                            const sc_params *p)
{
    double was = e->first_purchase_ms;
    add_repeat(e, was, promos, n, p->half_life_ms);
    add_exposure(e, t_ms, was, promos, n, p);
    e->first_purchase_ms = t_ms;
}

bool sc_on_purchase(sc_evidence *e, double t_ms, double amount, double list_price,
                    double discount, const sc_promo *promos, size_t n, const sc_params *p)
{
    double h = p->half_life_ms;
    bool none_before = e->first_purchase_ms <= 0;
    bool first = none_before || t_ms < e->first_purchase_ms;
    sc_settle_care(e, t_ms, p);
    if (none_before) {
        e->first_purchase_ms = t_ms;
        e->last_purchase_ms = t_ms;
        e->promo_seen_ms = t_ms;
    } else if (first) {
        move_first_back(e, t_ms, promos, n, p);
    } else {
        sc_account_promos(e, t_ms, promos, n, p);
        add_repeat(e, t_ms, promos, n, h);
    }
    if (t_ms > e->last_purchase_ms)
        e->last_purchase_ms = t_ms;
    sc_add(e, &e->purchases, 1, t_ms, h);
    sc_add(e, &e->spend, amount > 0 ? amount : 0, t_ms, h);

    double depth = discount_depth(amount, list_price, discount);
    if (depth >= 0) {
        sc_add(e, &e->priced, 1, t_ms, h);
        sc_add(e, &e->depth_sum, depth, t_ms, h);
        if (depth < 0.005)
            sc_add(e, &e->full_price, 1, t_ms, h);
    }
    if (e->care_pending > 0 && t_ms >= e->care_pending_ms) {
        /* Still inside the window (settled above otherwise), and after the
         * touch (a late purchase from before it converts nothing): converted. */
        sc_add(e, &e->care_touches, e->care_pending, e->care_pending_ms, h);
        sc_add(e, &e->care_converted, e->care_pending, e->care_pending_ms, h);
        e->care_pending = 0;
        e->care_pending_ms = 0;
    }
    return first;
}

void sc_on_refund(sc_evidence *e, double t_ms, double amount, const sc_params *p)
{
    sc_add(e, &e->refunds, 1, t_ms, p->half_life_ms);
    /* Monetary value is net of refunds. Not clamped here: a refund handled
     * before its purchase must cancel it when the purchase comes, so the sum
     * stays a sum (sc_monetary clamps where it is read). */
    if (amount > 0)
        sc_add(e, &e->spend, -amount, t_ms, p->half_life_ms);
}

double sc_monetary(const sc_evidence *e)
{
    return e->spend > 0 ? e->spend : 0;
}

void sc_on_complaint(sc_evidence *e, double t_ms, const sc_params *p)
{
    sc_add(e, &e->complaints, 1, t_ms, p->half_life_ms);
}

void sc_on_care(sc_evidence *e, double t_ms, const sc_params *p)
{
    sc_settle_care(e, t_ms, p);
    e->care_pending += 1;
    if (t_ms > e->care_pending_ms)
        e->care_pending_ms = t_ms;
}

static void free_deal_slot(sc_evidence *e, int i)
{
    e->deal_key[i] = 0;
    e->deal_opened[i] = 0;
    e->deal_closed[i] = 0;
    e->deal_won[i] = 0;
}

/* The evidence of one closed deal: opened at opened_ms, closed at t_ms. */
static void close_deal(sc_evidence *e, double opened_ms, double t_ms, bool won, const sc_params *p)
{
    double took_ms = fmax(0.0, t_ms - opened_ms);
    double speed = won ? sc_decay_factor(took_ms, p->negotiation_half_ms) : 0.0;
    sc_add(e, &e->deals_closed, 1, t_ms, p->half_life_ms);
    sc_add(e, &e->deal_points, speed, t_ms, p->half_life_ms);
}

void sc_on_deal_opened(sc_evidence *e, double t_ms, uint64_t deal_hash, const sc_params *p)
{
    /* Reopening replaces; otherwise take a free slot, else the oldest one. */
    int slot = -1;
    for (int i = 0; i < SC_OPEN_DEALS; i++)
        if (e->deal_key[i] == (double)deal_hash)
            slot = i;
    if (slot >= 0 && e->deal_closed[slot] > 0 && t_ms <= e->deal_closed[slot]) {
        /* Its close came first (a late opening): the deal is complete. */
        close_deal(e, t_ms, e->deal_closed[slot], e->deal_won[slot] > 0, p);
        free_deal_slot(e, slot);
        return;
    }
    for (int i = 0; slot < 0 && i < SC_OPEN_DEALS; i++)
        if (e->deal_key[i] == 0)
            slot = i;
    if (slot < 0) {
        slot = 0;
        for (int i = 1; i < SC_OPEN_DEALS; i++)
            if (e->deal_opened[i] < e->deal_opened[slot])
                slot = i;
    }
    free_deal_slot(e, slot);
    e->deal_key[slot] = (double)deal_hash;
    e->deal_opened[slot] = t_ms;
}

void sc_on_deal_closed(sc_evidence *e, double t_ms, uint64_t deal_hash, bool won,
                       const sc_params *p)
{
    for (int i = 0; i < SC_OPEN_DEALS; i++) {
        if (e->deal_key[i] != (double)deal_hash || e->deal_closed[i] > 0)
            continue;
        close_deal(e, e->deal_opened[i], t_ms, won, p);
        free_deal_slot(e, i);
        return;
    }
    /* No deal.opened seen: no evidence yet. The close waits in a slot for
     * its opening, which may still come (a late event); until then the
     * negotiation time is unknown. */
    int slot = 0;   /* a free slot, else the one opened longest ago */
    for (int i = 0; i < SC_OPEN_DEALS; i++) {
        bool older = e->deal_key[slot] != 0 && e->deal_opened[i] < e->deal_opened[slot];
        if (e->deal_key[i] == 0 || older)
            slot = i;
    }
    free_deal_slot(e, slot);
    e->deal_key[slot] = (double)deal_hash;
    e->deal_closed[slot] = t_ms;
    e->deal_won[slot] = won ? 1 : 0;
}

void sc_on_referral_made(sc_evidence *e, double t_ms, const sc_params *p)
{
    sc_add(e, &e->referrals, 1, t_ms, p->half_life_ms);
}

void sc_on_referral_converted(sc_evidence *e, double t_ms, const sc_params *p)
{
    sc_add(e, &e->referrals_converted, 1, t_ms, p->half_life_ms);
}

void sc_on_referral_withdrawn(sc_evidence *e, double t_ms, bool converted, const sc_params *p)
{
    sc_add(e, converted ? &e->referrals_converted : &e->referrals, -1, t_ms, p->half_life_ms);
}

double sc_referral_conversion_ms(double first_purchase_ms, double link_ms, double grace_ms)
{
    if (first_purchase_ms <= 0 || first_purchase_ms < link_ms - grace_ms)
        return 0;
    return fmax(first_purchase_ms, link_ms);
}

void sc_on_suggestion(sc_evidence *e, double t_ms, const sc_params *p)
{
    sc_add(e, &e->suggestions, 1, t_ms, p->half_life_ms);
}

void sc_on_cooperation(sc_evidence *e, double t_ms, bool good, const sc_params *p)
{
    sc_add(e, good ? &e->coop_good : &e->coop_bad, 1, t_ms, p->half_life_ms);
}

uint64_t sc_deal_hash(const char *id, size_t len)
{
    /* FNV-1a 64, folded to 52 bits so it is exact in a float8. It starts
     * from 1469598103934665603, not from FNV's offset basis (a digit of
     * 14695981039346656037 went missing when it was written): the stored
     * deal hashes were computed so, and it stays. */
    uint64_t h = rp_fnv1a64_update(1469598103934665603ULL, id, len);
    h = (h ^ (h >> 52)) & ((1ULL << 52) - 1);
    return h ? h : 1;
}

void sc_stats_add(sc_tenant_stats *st, double ref_ms, double purchases, double spend,
                  double at_ms, double half_life_ms)
{
    double w = sc_decay_factor(at_ms - ref_ms, half_life_ms);
    double f = log1p(purchases * w), m = log1p((spend > 0 ? spend : 0) * w);
    st->n += 1;
    st->sf += f;
    st->sff += f * f;
    st->sm += m;
    st->smm += m * m;
}
