/*
 * evidence.c - turning one customer's events into decayed evidence.
 *
 * Every behavioural counter decays exponentially with the tenant's half-life
 * so that old behaviour weighs less (FIELD-NOTES: "points only ever go up" is
 * the complaint we answer). Counters share one reference instant, so bringing
 * a customer forward is one multiplication per counter, and an event that
 * arrives late is added with the weight it would have had by now.
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

/* Length of [from, to) covered by the union of the (sorted) windows. */
static double promo_overlap_ms(double from, double to, const sc_promo *promos, size_t n)
{
    double covered = 0, reach = from;
    for (size_t i = 0; i < n; i++) {
        double s = fmax((double)promos[i].starts_ms, reach);
        double en = fmin((double)promos[i].ends_ms, to);
        if (en > s) {
            covered += en - s;
            reach = en;
        }
    }
    return covered;
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
    double span = t_ms - e->promo_seen_ms;
    double inside = promo_overlap_ms(e->promo_seen_ms, t_ms, promos, n);
    sc_add(e, &e->promo_days, inside / SC_DAY_MS, t_ms, p->half_life_ms);
    sc_add(e, &e->base_days, (span - inside) / SC_DAY_MS, t_ms, p->half_life_ms);
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

bool sc_on_purchase(sc_evidence *e, double t_ms, double amount, double list_price,
                    double discount, const sc_promo *promos, size_t n, const sc_params *p)
{
    double h = p->half_life_ms;
    bool first = e->first_purchase_ms <= 0;
    sc_settle_care(e, t_ms, p);
    if (first) {
        e->first_purchase_ms = t_ms;
        e->promo_seen_ms = t_ms;
    } else {
        e->repeat_n += 1;
        sc_account_promos(e, t_ms, promos, n, p);
        sc_add(e, in_promo(t_ms, promos, n) ? &e->promo_purchases : &e->base_purchases,
               1, t_ms, h);
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
    if (e->care_pending > 0) {
        /* Still inside the window (settled above otherwise): converted. */
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
    /* Monetary value is net of refunds. */
    if (amount > 0) {
        sc_add(e, &e->spend, -amount, t_ms, p->half_life_ms);
        if (e->spend < 0)
            e->spend = 0;
    }
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

void sc_on_deal_opened(sc_evidence *e, double t_ms, uint64_t deal_hash)
{
    /* Reopening replaces; otherwise take a free slot, else the oldest one. */
    int slot = -1;
    for (int i = 0; i < SC_OPEN_DEALS; i++)
        if (e->deal_key[i] == (double)deal_hash)
            slot = i;
    for (int i = 0; slot < 0 && i < SC_OPEN_DEALS; i++)
        if (e->deal_key[i] == 0)
            slot = i;
    if (slot < 0) {
        slot = 0;
        for (int i = 1; i < SC_OPEN_DEALS; i++)
            if (e->deal_opened[i] < e->deal_opened[slot])
                slot = i;
    }
    e->deal_key[slot] = (double)deal_hash;
    e->deal_opened[slot] = t_ms;
}

void sc_on_deal_closed(sc_evidence *e, double t_ms, uint64_t deal_hash, bool won,
                       const sc_params *p)
{
    for (int i = 0; i < SC_OPEN_DEALS; i++) {
        if (e->deal_key[i] != (double)deal_hash)
            continue;
        double took_ms = fmax(0.0, t_ms - e->deal_opened[i]);
        double speed = won ? sc_decay_factor(took_ms, p->negotiation_half_ms) : 0.0;
        sc_add(e, &e->deals_closed, 1, t_ms, p->half_life_ms);
        sc_add(e, &e->deal_points, speed, t_ms, p->half_life_ms);
        e->deal_key[i] = 0;
        e->deal_opened[i] = 0;
        return;
    }
    /* No deal.opened seen: the negotiation time is unknown, no evidence. */
}

void sc_on_referral_made(sc_evidence *e, double t_ms, const sc_params *p)
{
    sc_add(e, &e->referrals, 1, t_ms, p->half_life_ms);
}

void sc_on_referral_converted(sc_evidence *e, double t_ms, const sc_params *p)
{
    sc_add(e, &e->referrals_converted, 1, t_ms, p->half_life_ms);
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

void sc_stats_update(sc_evidence *e, sc_tenant_stats *delta)
{
    if (e->first_purchase_ms <= 0)
        return;
    double f = log1p(e->purchases), m = log1p(e->spend);
    if (e->stat_in > 0) {
        delta->sf -= e->stat_f;
        delta->sff -= e->stat_f * e->stat_f;
        delta->sm -= e->stat_m;
        delta->smm -= e->stat_m * e->stat_m;
    } else {
        delta->n += 1;
    }
    delta->sf += f;
    delta->sff += f * f;
    delta->sm += m;
    delta->smm += m * m;
    e->stat_in = 1;
    e->stat_f = f;
    e->stat_m = m;
}
