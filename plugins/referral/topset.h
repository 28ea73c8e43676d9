/*
 * topset.h - the key people of a tenant: the `cap` customers with the
 * highest influence, at least `min_score`.
 *
 * The set spans the tenant's customers of every partition, so the plugin
 * updates it on the tenant clock (rf_next_cut): at each cut the members are
 * loaded with their current influence and the best customers are offered
 * in rank order (influence, then id). A customer enters when the set has room,
 * or when its influence is strictly greater than the lowest member's; that
 * member is evicted (ties: the member with the greater id goes, so the
 * result does not depend on load order). A member whose influence falls
 * (refund, erase) stays until someone displaces it: leaving the set needs a
 * challenger, which keeps the set from flapping on small corrections.
 *
 * Pure logic, no I/O. O(cap) per offer; cap is small (tens).
 */
#ifndef REFERRAL_TOPSET_H
#define REFERRAL_TOPSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rf_member {
    char *id;       /* owned */
    double score;
} rf_member;

typedef struct rf_topset {
    rf_member *members;
    size_t count, cap;
    double min_score;
} rf_topset;

typedef enum rf_offer {
    RF_OFFER_NONE = 0,   /* not a member and not entering */
    RF_OFFER_UPDATED,    /* already a member: score updated */
    RF_OFFER_ENTERED,    /* entered; *evicted says whether someone left */
    RF_OFFER_ERROR       /* out of memory */
} rf_offer;

/* false on out of memory (cap 0 is allowed: nobody ever enters). */
bool rf_topset_init(rf_topset *t, size_t cap, double min_score);
void rf_topset_free(rf_topset *t);

/* Adds a stored member without any rule (loading the persisted set). */
bool rf_topset_load(rf_topset *t, const char *id, double score);

/* *evicted receives the evicted member's id (malloc'd, the caller frees
 * it), or NULL if nobody left. */
rf_offer rf_topset_offer(rf_topset *t, const char *id, double score, char **evicted);

bool rf_topset_contains(const rf_topset *t, const char *id);

/* Removes a member (right to be forgotten); false if it was not one. */
bool rf_topset_remove(rf_topset *t, const char *id);

/* The set is recomputed at cuts of the tenant clock: every whole multiple
 * of every_ms since the epoch (every UTC midnight for 1d), the same instants
 * whatever the arrival order of the events or the number of partitions.
 * The first cut strictly after t. every_ms > 0. */
int64_t rf_next_cut(int64_t t, int64_t every_ms);

#endif
