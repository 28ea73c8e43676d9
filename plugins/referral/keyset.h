/*
 * keyset.h - a set of strings (the reward ledger keys a run already knows),
 * so "was this reward new?" is answered in memory instead of by one
 * INSERT ... RETURNING round trip per due reward.
 *
 * Pure logic, no I/O. A uthash table of key copies.
 */
#ifndef REFERRAL_KEYSET_H
#define REFERRAL_KEYSET_H

#include <stdbool.h>
#include <stddef.h>

struct rf_keyset_entry;   /* private to keyset.c */

typedef struct rf_keyset {
    struct rf_keyset_entry *head;   /* NULL = empty; a zeroed set is empty */
    size_t count;
} rf_keyset;

void rf_keyset_free(rf_keyset *s);
bool rf_keyset_contains(const rf_keyset *s, const char *key);
/* Adds a copy; true in *added when it was new. false on out of memory. */
bool rf_keyset_add(rf_keyset *s, const char *key, bool *added);

#endif
