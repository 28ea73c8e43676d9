/*
 * tiers.h - the customer pyramid of seed 004 (vip, key, ordinary, small,
 * potential), moved both ways with hysteresis, and churn-risk levels.
 * Pure logic: no database, "now" is a parameter.
 */
#ifndef SCORING_TIERS_H
#define SCORING_TIERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sc_tier {
    SC_TIER_VIP = 0,
    SC_TIER_KEY,
    SC_TIER_ORDINARY,
    SC_TIER_SMALL,
    SC_TIER_POTENTIAL,
    SC_TIER_COUNT,
    SC_TIER_NONE = -1
} sc_tier;

extern const char *const sc_tier_names[SC_TIER_COUNT];

/* -1 (SC_TIER_NONE) when name is not a tier. */
sc_tier sc_tier_parse(const char *name);

typedef struct sc_tier_rules {
    double threshold[SC_TIER_POTENTIAL]; /* minimum score of vip, key, ordinary, small */
    double margin;                       /* hysteresis band around each threshold */
    int64_t dwell_ms;                    /* minimum stay before the next move */
} sc_tier_rules;

void sc_tier_rules_default(sc_tier_rules *r);

/* The tier a score falls in without history (no purchase -> potential). */
sc_tier sc_tier_plain(const sc_tier_rules *r, double score, bool has_purchase);

/* The tier after an evaluation at now. current = SC_TIER_NONE places the
 * customer without hysteresis. A promotion needs score >= threshold + margin,
 * a demotion score < threshold(current) - margin; either waits until the
 * customer has spent dwell_ms in the current tier unless waive_dwell (first
 * purchase, expired pin). *blocked_until_ms is set to the end of the dwell
 * when a move is waiting for it, else 0. */
sc_tier sc_tier_next(const sc_tier_rules *r, sc_tier current, int64_t tier_since_ms,
                     int64_t now_ms, double score, bool has_purchase, bool waive_dwell,
                     int64_t *blocked_until_ms);

/* A set of tiers as a bit mask from the items of a list ("vip", "key");
 * false on an unknown name (copied into bad). */
bool sc_tier_set_parse(const char *const *items, size_t count, unsigned *mask,
                       char *bad, size_t badlen);

/* ---- churn risk ------------------------------------------------------ */

#define SC_RISK_MAX_LEVELS 8

/* Levels ordered from the riskiest: level i applies while
 * p_alive < below[i]; the last level has below = +inf. */
typedef struct sc_risk_levels {
    int count;
    char name[SC_RISK_MAX_LEVELS][24];
    double below[SC_RISK_MAX_LEVELS];
} sc_risk_levels;

/* Parses the items of a list such as "high<0.3", "medium<0.6", "low":
 * 2..SC_RISK_MAX_LEVELS levels, names of 1..23 bytes, bounds increasing,
 * each in (0, 1], the last level without one. err names the offending
 * item. */
bool sc_risk_parse(const char *const *items, size_t count, sc_risk_levels *out,
                   char *err, size_t errlen);

/* The level name for p_alive; "unknown" when p_alive is NAN. */
const char *sc_risk_level(const sc_risk_levels *levels, double p_alive);

#endif
