/*
 * calendar.h - civil-date arithmetic (proleptic Gregorian) and the yearly
 * special days: birthdays, family birthdays and anniversaries given as
 * "YYYY-MM-DD" or "--MM-DD" (proto rule month_day).
 *
 * A special day on 29 February is kept on 28 February in common years (the
 * last day of February the customer would call "their" day; the greeting is
 * then never late). Pure logic, no I/O.
 */
#ifndef CARE_CALENDAR_H
#define CARE_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cr_date {
    int year, month, day;
} cr_date;

bool cr_is_leap(int year);
int cr_days_in_month(int year, int month);
/* Days since 1970-01-01 of a date, and back. */
int64_t cr_days_from_civil(cr_date d);
cr_date cr_civil_from_days(int64_t days);
cr_date cr_date_add_days(cr_date d, int64_t days);

/* Parses "YYYY-MM-DD" or "--MM-DD"; *year is 0 when the year is unknown.
 * False for anything else or a day the month never has (Feb 30). */
bool cr_parse_month_day(const char *text, int *year, int *month, int *day);

/* The first yearly occurrence of month/day on or after `from` (29 February
 * falls on 28 February in common years). */
cr_date cr_next_occurrence(int month, int day, cr_date from);

#endif
