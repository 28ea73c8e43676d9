/*
 * topset.h - the key people of a tenant: the `cap` customers with the
 * highest influence, at least `min_score`, detected incrementally.
 *
 * Influence only changes for the ancestors of whoever was linked, converted
 * or bought, so the plugin offers exactly those customers after each change
 * instead of re-ranking everyone. A customer enters when the set has room,
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

#endif
