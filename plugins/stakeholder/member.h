/*
 * member.h - a person's membership of one org as a fold of its events.
 *
 * Each stakeholder.upsert and stakeholder.left is kept as one entry (table
 * stakeholder_member_log). The membership at any instant is the fold of the
 * entries up to it in event-time order (ts, then event id, bytewise), so it
 * is the same whatever order the events arrived in: an upsert that arrives
 * after a later left still counts before it. The rules of one step are the
 * ones docs/plugins/stakeholder.md gives per event:
 *   upsert  roles replaced; influence, title and interests kept when absent
 *           (influence 3 at first); attitude kept when absent while the
 *           person is an active member, neutral when (re)joining without
 *           one; joined_ms set when (re)joining; left_* cleared;
 *   left    active member: inactive, left_ms and left_reason set; anyone
 *           else: nothing (a left of a non-member is a no-op).
 * Pure: no host API, unit-tested directly.
 */
#ifndef STAKEHOLDER_MEMBER_H
#define STAKEHOLDER_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct sh_member_entry {
    int64_t ts_ms;
    const char *event_id;
    bool left;                     /* stakeholder.left; else stakeholder.upsert */
    unsigned roles;                /* upsert: SH_ROLE_BIT set */
    bool has_attitude;
    sh_attitude attitude;
    bool has_influence;
    int64_t influence;
    /* NULL when absent (strings are borrowed) */
    const char *title, *interests_collective, *interests_personal, *reason;
} sh_member_entry;

typedef struct sh_member_state {
    bool joined;                   /* at least one upsert applied: the member row exists */
    bool active;
    unsigned roles;
    sh_attitude attitude;
    int64_t influence;
    const char *title, *interests_collective, *interests_personal;
    int64_t joined_ms;             /* of the upsert that (re)joined */
    int64_t left_ms;               /* -1 unless inactive after a left */
    const char *left_reason;
    int64_t updated_ms;            /* of the last entry that changed something */
} sh_member_state;

/* Event-time order: ts, then event id bytewise (qsort comparator). */
int sh_member_entry_cmp(const void *a, const void *b);

/* Folds the first n entries (already in event-time order) into *out. */
void sh_member_fold(const sh_member_entry *entries, size_t n, sh_member_state *out);

/* The number of leading entries that come strictly before instant t_ms
 * (entries in event-time order): fold that many for the state as of t_ms. */
size_t sh_member_before(const sh_member_entry *entries, size_t n, int64_t t_ms);

#endif
