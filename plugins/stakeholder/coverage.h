/*
 * coverage.h - how well an enterprise client's buying roles are covered.
 *
 * A role is covered by an active person holding it whose attitude is not
 * `opponent` and whose strength is at least the adequate threshold. A role
 * that is not covered is a gap of one kind, checked in this order:
 *   nobody          no active person holds the role;
 *   only_opponents  everyone holding it is an opponent;
 *   only_weak       someone non-negative holds it, but every such tie is
 *                   below the threshold.
 * Threads are the people who cover at least one role; an account with
 * exactly one is single-threaded (one person carries everything we have).
 * The coverage score is the share of the six roles covered, 0..100, rounded.
 */
#ifndef STAKEHOLDER_COVERAGE_H
#define STAKEHOLDER_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

typedef enum sh_gap_kind {
    SH_GAP_NONE = 0,          /* covered */
    SH_GAP_NOBODY,
    SH_GAP_ONLY_OPPONENTS,
    SH_GAP_ONLY_WEAK
} sh_gap_kind;

/* What coverage needs to know of one active member. */
typedef struct sh_member_view {
    unsigned roles;           /* SH_ROLE_BIT set */
    sh_attitude attitude;
    double strength;          /* 0..100 at the moment of evaluation */
} sh_member_view;

typedef struct sh_coverage {
    sh_gap_kind gap[SH_ROLE_COUNT];
    int covered_roles;
    int threads;
    bool single_threaded;
    int score;                /* 0..100 */
    int members;              /* active members evaluated */
} sh_coverage;

void sh_coverage_compute(const sh_member_view *members, size_t count, double adequate_strength,
                         sh_coverage *out);

const char *sh_gap_kind_name(sh_gap_kind kind);   /* "none" for SH_GAP_NONE */
bool sh_gap_kind_parse(const char *name, sh_gap_kind *out);

/* One change of one role's gap between two evaluations. A change of kind
 * (nobody -> only_weak) is the old gap closing and the new one opening. */
typedef struct sh_gap_change {
    sh_role role;
    sh_gap_kind kind;
    bool opened;              /* false: closed */
} sh_gap_change;

/* Writes the changes from `before` to `after` (closings first, in role
 * order) into out (room for 2 * SH_ROLE_COUNT) and returns their number. */
size_t sh_gap_changes(const sh_gap_kind before[SH_ROLE_COUNT], const sh_gap_kind after[SH_ROLE_COUNT],
                      sh_gap_change out[2 * SH_ROLE_COUNT]);

#endif
