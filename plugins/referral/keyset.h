/*
 * keyset.h - a set of strings (the reward ledger keys a run already knows),
 * so "was this reward new?" is answered in memory instead of by one
 * INSERT ... RETURNING round trip per due reward.
 *
 * Pure logic, no I/O. Open addressing, kept at most half full.
 */
#ifndef REFERRAL_KEYSET_H
#define REFERRAL_KEYSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rf_keyset {
    char **slots;       /* owned copies or NULL */
    size_t nslots;      /* 0 or a power of two */
    size_t count;
} rf_keyset;

void rf_keyset_free(rf_keyset *s);
bool rf_keyset_contains(const rf_keyset *s, const char *key);
/* Adds a copy; true in *added when it was new. false on out of memory. */
bool rf_keyset_add(rf_keyset *s, const char *key, bool *added);

#endif
