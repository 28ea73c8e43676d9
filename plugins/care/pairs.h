/*
 * pairs.h - the "name:value,name:value" lists of the care plugin's
 * configuration (cadence per tier, risk factors, purchase offsets, budgets).
 * Values are numbers, optionally with a duration unit (ms, s, m, h, d, w),
 * returned in milliseconds when a unit is given. Pure logic.
 */
#ifndef CARE_PAIRS_H
#define CARE_PAIRS_H

#include <stdbool.h>
#include <stddef.h>

#define CR_PAIRS_MAX 16
#define CR_PAIR_NAME 32

typedef struct cr_pair {
    char name[CR_PAIR_NAME];
    double value;       /* in ms when has_unit */
    bool has_unit;
} cr_pair;

typedef struct cr_pairs {
    cr_pair items[CR_PAIRS_MAX];
    size_t count;
} cr_pairs;

/* Empty text gives an empty list. False with a message in err naming the
 * bad entry. */
bool cr_pairs_parse(const char *text, cr_pairs *out, char *err, size_t errlen);

/* The value named `name`, or NULL. */
const cr_pair *cr_pairs_find(const cr_pairs *p, const char *name);

/* Parses "90s", "15m", "7d", "2w" (a bare number is days) into ms. */
bool cr_parse_duration(const char *text, double *ms);

#endif
