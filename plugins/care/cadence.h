/*
 * cadence.h - how often a customer without other contact is contacted:
 * a base interval per tier, multiplied by a factor per churn-risk level
 * (a core customer whose risk rises is contacted sooner; a low-value,
 * low-risk one rarely). Unknown tier -> "potential", unknown risk ->
 * "unknown" (both present in the defaults). Pure logic.
 */
#ifndef CARE_CADENCE_H
#define CARE_CADENCE_H

#include <stdint.h>

#include "pairs.h"

typedef struct cr_cadence {
    cr_pairs tier_interval;   /* tier -> ms, e.g. vip:14d */
    cr_pairs risk_factor;     /* risk level -> factor, e.g. high:0.5 */
    int64_t min_interval_ms;  /* never more often than this */
} cr_cadence;

/* The interval between regular contacts in ms. */
int64_t cr_cadence_ms(const cr_cadence *c, const char *tier, const char *risk);

#endif
