/*
 * attribution.h - which referrers are credited with a referred customer's
 * revenue, and how much each.
 *
 * Rules (config `attribution`):
 *   direct  the referee's referrer gets all of it;
 *   decay   the referrer (level 1) and the people above it up to `levels`
 *           levels get shares proportional to decay^(level - 1), normalised
 *           so the shares add up to the amount. Normalising keeps attributed
 *           revenue summable: a report's total never exceeds what referred
 *           customers really spent, however long the chains are.
 * With a chain shorter than `levels` the available levels share everything.
 *
 * Pure logic, no I/O. O(levels).
 */
#ifndef REFERRAL_ATTRIBUTION_H
#define REFERRAL_ATTRIBUTION_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rf_attribution_mode {
    RF_ATTR_DIRECT = 1,
    RF_ATTR_DECAY
} rf_attribution_mode;

typedef struct rf_attribution_rule {
    rf_attribution_mode mode;
    double decay;      /* 0 < decay <= 1 (decay mode) */
    size_t levels;     /* >= 1 (decay mode) */
} rf_attribution_rule;

/* "direct" or "decay"; false otherwise. */
bool rf_attribution_mode_parse(const char *text, rf_attribution_mode *out);

/* chain_len: referrers available above the referee (1 = only the direct
 * referrer). Writes shares[0..n-1] (level 1 first) and returns n, which is
 * 0 when chain_len is 0. shares must hold max(levels, 1) values. */
size_t rf_attribute(const rf_attribution_rule *rule, double amount, size_t chain_len,
                    double *shares);

#endif
