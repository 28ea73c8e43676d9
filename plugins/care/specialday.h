/*
 * specialday.h - a customer's special days as the care plugin keeps them
 * (care_customers.special_days): one per line, "KIND|LABEL|MM-DD", KIND
 * birthday, family_birthday or anniversary. Pure logic.
 */
#ifndef CARE_SPECIALDAY_H
#define CARE_SPECIALDAY_H

#include <stdbool.h>
#include <stddef.h>

#include "calendar.h"

#define CR_SPECIALS_MAX 16

typedef struct cr_special {
    char kind[20];
    char label[64];       /* "", "daughter Anna", "wedding" */
    int month, day;
} cr_special;

/* Parses the stored text; malformed lines are skipped. Returns the count. */
size_t cr_specials_parse(const char *text, cr_special *out, size_t max);

/* Appends one special day to buf (size bytes) in the stored form; '|' and
 * newlines in the label become spaces. False if it does not fit. */
bool cr_specials_append(char *buf, size_t size, const char *kind, const char *label,
                        int month, int day);

/* The next occurrence of s on or after from (29 Feb -> 28 Feb in common years). */
cr_date cr_special_next(const cr_special *s, cr_date from);

#endif
