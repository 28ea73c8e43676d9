/*
 * localday.h - due times on the customer's own wall clock: "N days after
 * this instant's local date, at HH:MM local", and quiet hours. DST is the
 * time-zone library's business: the caller passes the host's to_local /
 * from_local (unit tests pass the core's localtime.c directly).
 *
 * Pure logic apart from the injected functions.
 */
#ifndef CARE_LOCALDAY_H
#define CARE_LOCALDAY_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "calendar.h"

typedef struct cr_tz {
    bool (*to_local)(const char *tz, int64_t utc_ms, rp_local_time *out);
    bool (*from_local)(const char *tz, int year, int month, int day, int hour, int minute,
                       int64_t *utc_ms);
} cr_tz;

/* The local calendar date of an instant. */
bool cr_local_date(const cr_tz *z, const char *tz, int64_t utc_ms, cr_date *out);

/* The instant the wall clock of tz reads `date` at minute_of_day (0..1439).
 * A time in a spring-forward gap moves forward by the gap. */
bool cr_at_local(const cr_tz *z, const char *tz, cr_date date, int minute_of_day, int64_t *out);

/* `days` calendar days after the local date of base_ms, at minute_of_day:
 * "2 days later at 10:00 local" whatever DST does in between. */
bool cr_days_later_at(const cr_tz *z, const char *tz, int64_t base_ms, int days,
                      int minute_of_day, int64_t *out);

/* Quiet hours [start, end) in minutes of the local day; start > end wraps
 * midnight (21:00-09:00), start == end means none. A due time inside them
 * moves to their end (the same morning, or the next one). */
bool cr_quiet_shift(const cr_tz *z, const char *tz, int64_t due_ms, int quiet_start,
                    int quiet_end, int64_t *out);

/* Parses "HH:MM" into minutes of the day; false if malformed. */
bool cr_parse_hhmm(const char *text, int *minute_of_day);

#endif
