/*
 * evidence.h - what the scoring plugin remembers about one customer, and the
 * pure functions that turn events into evidence and evidence into the nine
 * sub-scores of seed 003 and one value score.
 *
 * Everything here is free of the database and the host: "now" and every input
 * are parameters, so each formula is unit-tested with exact values.
 *
 * The evidence is a flat struct of doubles so that it round-trips through one
 * float8[] column (scoring_customers.evidence) without a schema change per
 * counter. Counters marked "decayed" lose half their weight every half-life:
 * they all refer to one instant, ref_ms, and are scaled together when the
 * customer is brought forward to a later instant (sc_decay_to).
 */
#ifndef SCORING_EVIDENCE_H
#define SCORING_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_CRITERIA 9
#define SC_OPEN_DEALS 8
#define SC_DAY_MS 86400000.0
#define SC_WEEK_MS (7.0 * SC_DAY_MS)

/* The nine criteria of seed 003, in the seed's order. */
typedef enum sc_criterion {
    SC_C_PURCHASE_POWER = 0,  /* 1 purchase desire and power (RFM) */
    SC_C_INFLUENCEABLE,       /* 2 care contacts followed by a purchase */
    SC_C_NOT_PICKY,           /* 3 few refunds/complaints per purchase */
    SC_C_SHORT_NEGOTIATION,   /* 4 deal.opened -> deal.won quickly */
    SC_C_PRICE_INSENSITIVE,   /* 5 buys at list price, shallow discounts */
    SC_C_WORD_OF_MOUTH,       /* 6 referrals made and converted */
    SC_C_SUGGESTIONS,         /* 7 proactive suggestions */
    SC_C_COOPERATION,         /* 8 surveys, activities, cooperative complaints */
    SC_C_PROMO_LOYALTY        /* 9 keeps buying during competitor promotions */
} sc_criterion;

extern const char *const sc_criterion_names[SC_CRITERIA];

typedef struct sc_evidence {
    double ref_ms;              /* instant the decayed counters refer to */
    double first_purchase_ms;   /* 0 = never purchased */
    double last_purchase_ms;
    double repeat_n;            /* BG/NBD x: purchases after the first (not decayed) */
    double purchases;           /* decayed */
    double spend;               /* decayed, in the tenant's currency, net of refunds (may be
                                   negative after a refund handled before its purchase;
                                   read through sc_monetary) */
    double refunds;             /* decayed */
    double complaints;          /* decayed */
    double care_touches;        /* decayed, resolved care touches */
    double care_converted;      /* decayed, touches followed by a purchase in the window */
    double care_pending;        /* touches still inside their window (not decayed) */
    double care_pending_ms;     /* time of the latest pending touch */
    double deals_closed;        /* decayed, won or lost deals with a known open time */
    double deal_points;         /* decayed, sum of per-deal speed scores 0..1 */
    double priced;              /* decayed, purchases carrying list_price or discount */
    double full_price;          /* decayed, of those: bought at list price */
    double depth_sum;           /* decayed, sum of discount depths 0..1 */
    double referrals;           /* decayed, friends referred */
    double referrals_converted; /* decayed, referred friends who purchased */
    double suggestions;         /* decayed */
    double coop_good;           /* decayed: survey answers, activities, cooperative resolutions */
    double coop_bad;            /* decayed: uncooperative complaint resolutions */
    double promo_days;          /* decayed days inside competitor promotion windows */
    double promo_purchases;     /* decayed purchases inside those windows */
    double base_days;           /* decayed days outside them (since the first purchase) */
    double base_purchases;      /* decayed purchases outside them */
    double promo_seen_ms;       /* exposure accounted up to here */
    double stat_in;             /* unused: the running RFM sums these fed were replaced */
    double stat_f;              /*   by a snapshot on the tenant clock (sc_stats_add); */
    double stat_m;              /*   kept so stored rows keep their layout */
    double deal_key[SC_OPEN_DEALS];    /* hash of open deal ids (0 = free slot) */
    double deal_opened[SC_OPEN_DEALS]; /* their deal.opened times (0: not seen yet) */
    /* Appended fields (a row stored before them reads 0 for each). */
    double deal_closed[SC_OPEN_DEALS]; /* a close seen before its opening: its time */
    double deal_won[SC_OPEN_DEALS];    /* ... and 1 if it was won, 0 if lost */
    double ref_link_ms;         /* the referee's link: event time (0: none, or kept from
                                   before links had one: never replaced) */
    double ref_conv_ms;         /* time of the conversion credit sent to the referrer (0: none) */
} sc_evidence;

#define SC_EVIDENCE_FIELDS (sizeof(sc_evidence) / sizeof(double))

/* Parameters of the formulas; per tenant (see settings.c for config keys). */
typedef struct sc_params {
    double half_life_ms;          /* evidence decay */
    double recency_half_life_ms;  /* recency sub-score halves every ... */
    double influence_window_ms;   /* a purchase this soon after care counts */
    double negotiation_half_ms;   /* a deal won after this long scores 50 */
    double prior_weight;          /* pseudo-count pulling ratios towards 1/2 */
    double referral_scale;        /* referral points for a word-of-mouth 50 */
    double suggestion_scale;      /* suggestions for a suggestion score of 50 */
    double weights[SC_CRITERIA];
} sc_params;

void sc_params_default(sc_params *p);

/* Running moments of ln(1+frequency) and ln(1+monetary) over the tenant's
 * purchasing customers (the "tenant's own distribution" of RFM). */
typedef struct sc_tenant_stats {
    double n, sf, sff, sm, smm;
} sc_tenant_stats;

/* A competitor promotion window. */
typedef struct sc_promo {
    int64_t starts_ms, ends_ms;
} sc_promo;

/* ---- decay ---------------------------------------------------------- */

double sc_decay_factor(double dt_ms, double half_life_ms);
/* Scales every decayed counter from ref_ms to t (no-op if t <= ref_ms). */
void sc_decay_to(sc_evidence *e, double t_ms, double half_life_ms);
/* Adds amount to a decayed counter for an event at t: a late event (t before
 * ref_ms) enters with the weight it would have by now. */
void sc_add(sc_evidence *e, double *counter, double amount, double t_ms, double half_life_ms);

/* ---- events -> evidence --------------------------------------------- */

/* Resolves pending care touches whose window closed before t without a
 * purchase (lazy evaluation: called before every event and evaluation). */
void sc_settle_care(sc_evidence *e, double t_ms, const sc_params *p);

/* Accounts competitor-promotion exposure from promo_seen_ms up to t.
 * promos sorted by starts_ms. Each day of exposure weighs by its own age
 * (the decayed integral over the stretch), so the result does not depend on
 * where stretches were cut, i.e. on when the customer was evaluated. */
void sc_account_promos(sc_evidence *e, double t_ms, const sc_promo *promos, size_t n,
                       const sc_params *p);

/* A purchase: amount >= 0; list_price/discount < 0 when absent.
 * Returns true if it is now the customer's first purchase by event time:
 * there was none, or it is earlier than every purchase handled so far (a
 * late event), in which case the previous first becomes a repeat purchase.
 * first, last, x (repeat_n) and every counter end up the same whatever the
 * order purchases arrive in. */
bool sc_on_purchase(sc_evidence *e, double t_ms, double amount, double list_price,
                    double discount, const sc_promo *promos, size_t n, const sc_params *p);
void sc_on_refund(sc_evidence *e, double t_ms, double amount, const sc_params *p);
void sc_on_complaint(sc_evidence *e, double t_ms, const sc_params *p);
void sc_on_care(sc_evidence *e, double t_ms, const sc_params *p);
/* A deal.opened; completes the deal when its close came first (late event). */
void sc_on_deal_opened(sc_evidence *e, double t_ms, uint64_t deal_hash, const sc_params *p);
/* won: true for deal.won, false for deal.lost. */
void sc_on_deal_closed(sc_evidence *e, double t_ms, uint64_t deal_hash, bool won,
                       const sc_params *p);
void sc_on_referral_made(sc_evidence *e, double t_ms, const sc_params *p);
void sc_on_referral_converted(sc_evidence *e, double t_ms, const sc_params *p);
/* Takes back a credit given at t_ms (a late event moved or removed it). */
void sc_on_referral_withdrawn(sc_evidence *e, double t_ms, bool converted, const sc_params *p);

/* When a referee's link converts: at max(first purchase, link) if the
 * first purchase (by event time) is no more than grace_ms before the link
 * (earlier, the referee was a customer before anyone referred them); 0 when
 * it does not convert (yet). A function of the two times only, so it is
 * the same whatever order the link and the purchases arrive in. */
double sc_referral_conversion_ms(double first_purchase_ms, double link_ms, double grace_ms);
void sc_on_suggestion(sc_evidence *e, double t_ms, const sc_params *p);
/* good: survey answer, activity attended, cooperative resolution. */
void sc_on_cooperation(sc_evidence *e, double t_ms, bool good, const sc_params *p);

/* A 52-bit hash of a deal id (exact in a double, never 0). */
uint64_t sc_deal_hash(const char *id, size_t len);

/* ---- evidence -> scores --------------------------------------------- */

/* Net spend for criterion 1's M: spend, never below 0. */
double sc_monetary(const sc_evidence *e);

/* The nine sub-scores 0..100 at now (evidence brought forward on a copy);
 * NAN marks a criterion without evidence ("unknown"). */
void sc_subscores(const sc_evidence *e, double now_ms, const sc_params *p,
                  const sc_tenant_stats *stats, double out[SC_CRITERIA]);

/* Weighted mean over known criteria with the weights renormalised.
 * *confidence = number of known criteria. NAN when none is known. */
double sc_total(const double sub[SC_CRITERIA], const double weights[SC_CRITERIA], int *confidence);

/* The ratio k/n pulled towards 1/2 by m pseudo-observations. */
double sc_shrink(double k, double n, double m);

/* Standard normal CDF. */
double sc_phi(double z);

/* The criteria that moved most between two sub-score vectors (unknown
 * counts as 0 for the delta; unchanged unknowns are skipped). Writes up to
 * max indexes ordered by |delta| descending; returns how many. */
size_t sc_top_moves(const double before[SC_CRITERIA], const double after[SC_CRITERIA],
                    size_t max, int *index, double *delta);

/* ---- the tenant's RFM distribution ------------------------------------ */

/* Adds one purchasing customer to a snapshot of the distribution taken at
 * at_ms: ln(1+purchases) and ln(1+max(0, spend)) with both counters (which
 * refer to ref_ms) decayed to at_ms, so every customer is seen at the same
 * instant. Callers add customers in a fixed order (by customer id), which
 * makes the sums the same in every run. */
void sc_stats_add(sc_tenant_stats *st, double ref_ms, double purchases, double spend,
                  double at_ms, double half_life_ms);

#endif
