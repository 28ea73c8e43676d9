/*
 * bizhours.h - service-level arithmetic in business hours: the instant a
 * number of business milliseconds after a start, and the business time
 * between two instants, in a tenant's time zone with its working days,
 * opening hours and holiday calendar (libs/holidays/holidays.h).
 *
 * Each working day contributes the span from its local opening to its local
 * closing instant, both computed with from_local, so a day on which the
 * clocks change still counts its real length (09:00-17:00 is 8 hours on
 * either side of a DST change that happens at night) and the due instant is
 * right in UTC. Weekends, holidays and nights add nothing.
 *
 * Pure logic apart from the time-zone functions it is given.
 */
#ifndef SURVEY_BIZHOURS_H
#define SURVEY_BIZHOURS_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "holidays.h"

typedef bool (*sv_to_local_fn)(const char *tz, int64_t utc_ms, rp_local_time *out);
typedef bool (*sv_from_local_fn)(const char *tz, int year, int month, int day,
                                 int hour, int minute, int64_t *utc_ms);

typedef struct sv_calendar {
    const char *tz;
    int open_minute, close_minute;   /* minutes after local midnight, open < close */
    unsigned weekdays;               /* bit d set: weekday d (0 = Sunday) is working */
    const char *holidays;            /* built-in calendar name ("UK", "CN", "none") */
    const rp_holiday *extra;         /* the tenant's extra holidays */
    int extra_count;
    sv_to_local_fn to_local;
    sv_from_local_fn from_local;
} sv_calendar;

/* Parses "HH:MM-HH:MM" into minutes; false if malformed or not open < close. */
bool sv_parse_hours(const char *text, int *open_minute, int *close_minute);
/* Parses "mon,tue,wed,thu,fri" (any of sun..sat) into a weekday mask. */
bool sv_parse_weekdays(const char *text, unsigned *mask);

/* The instant business_ms of business time after start_ms. False if the
 * zone is unknown or no working day exists within ten years. */
bool sv_bh_add(const sv_calendar *cal, int64_t start_ms, int64_t business_ms, int64_t *due_ms);

/* Business time between from_ms and to_ms (0 if to <= from). */
bool sv_bh_between(const sv_calendar *cal, int64_t from_ms, int64_t to_ms, int64_t *business_ms);

#endif
