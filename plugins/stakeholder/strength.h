/*
 * strength.h - relationship strength of one person: a recency-weighted sum
 * of interactions (contact, care.done, activity.attended) mapped to 0..100.
 *
 *   raw(t)      = sum over interactions i of  w_i * 2^(-(t - t_i) / H)
 *   strength(t) = 100 * raw(t) / (raw(t) + K)
 *
 * H is the half-life (an interaction counts half after H), w_i the weight of
 * the interaction's kind, K the raw sum that maps to 50 ("strength_scale").
 * The sum is kept as one number: raw at a reference instant (the latest
 * interaction), so updating and reading cost O(1) and the result does not
 * depend on the order interactions arrive in. Reading before the reference
 * instant returns raw at the reference (never extrapolated upwards).
 */
#ifndef STAKEHOLDER_STRENGTH_H
#define STAKEHOLDER_STRENGTH_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sh_strength_params {
    int64_t half_life_ms;   /* H, > 0 */
    double scale;           /* K, > 0 */
} sh_strength_params;

typedef struct sh_strength {
    double raw;             /* the sum at ref_ms */
    int64_t ref_ms;         /* instant of the latest interaction; 0 with raw 0 */
} sh_strength;

/* Adds one interaction of weight w at at_ms. */
void sh_strength_add(sh_strength *s, int64_t at_ms, double weight, const sh_strength_params *p);

/* raw(now). */
double sh_strength_raw_at(const sh_strength *s, int64_t now_ms, const sh_strength_params *p);

/* 100 * raw / (raw + K), in [0, 100). */
double sh_strength_score(double raw, const sh_strength_params *p);

/* strength(now). */
double sh_strength_at(const sh_strength *s, int64_t now_ms, const sh_strength_params *p);

/* The first instant (ms, rounded up) at which strength drops strictly below
 * `score`; INT64_MAX when it is already below at the reference instant (it
 * never crosses from above) or score <= 0 (never reached). */
int64_t sh_strength_falls_below(const sh_strength *s, double score, const sh_strength_params *p);

#endif
