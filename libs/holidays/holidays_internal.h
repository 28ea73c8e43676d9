/*
 * holidays_internal.h - what the calendar files share: civil-date helpers
 * and one entry point per built-in calendar.
 */
#ifndef RAPPORT_HOLIDAYS_INTERNAL_H
#define RAPPORT_HOLIDAYS_INTERNAL_H

#include "holidays.h"

/* A list being filled, capped at max (extra holidays are counted, not written). */
typedef struct holiday_list {
    rp_holiday *out;
    int max;
    int count;
} holiday_list;

void holiday_add(holiday_list *list, int year, int month, int day, const char *name);

/* Day of the week of a civil date, 0 = Sunday .. 6 = Saturday. */
int civil_weekday(int year, int month, int day);
/* Days since 1970-01-01 of a civil date and back (proleptic Gregorian). */
long civil_to_days(int year, int month, int day);
void days_to_civil(long days, int *year, int *month, int *day);

void holidays_uk(int year, holiday_list *list);
void holidays_cn(int year, holiday_list *list);

#endif
