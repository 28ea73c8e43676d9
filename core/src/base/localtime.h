/*
 * localtime.h - time-zone arithmetic for the whole project (ICU's ucal
 * underneath, so every IANA zone and every DST rule is handled by a library
 * made for it, and nothing depends on the process-wide TZ variable, which is
 * not thread-safe). The host API hands these to plugins as to_local/from_local.
 */
#ifndef RP_LOCALTIME_H
#define RP_LOCALTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"

/* True for a zone of the tz database ICU knows ("Europe/London", "UTC",
 * links like "US/Eastern"); false for unknown ids, "Etc/Unknown" and custom
 * offsets like "GMT+05:00". Every function below is thread-safe. */
bool rp_tz_is_valid(const char *tz);
/* The wall clock of tz at utc_ms (year 0 = 1 BC, proleptic Gregorian).
 * False if tz is not valid. */
bool rp_tz_to_local(const char *tz, int64_t utc_ms, rp_local_time *out);
/* The instant the wall clock of tz reads year-month-day hour:minute:00.
 * A wall time in a spring-forward gap moves forward by the gap (London,
 * 2026-03-29 01:30 -> 02:30 BST = 01:30 UTC); one that occurs twice at
 * fall-back resolves to the first, earlier instant (2026-10-25 01:30 ->
 * 01:30 BST = 00:30 UTC). False if tz is not valid or the date does not
 * exist (31 April, 29 February of a common year, hour 24). */
bool rp_tz_from_local(const char *tz, int year, int month, int day,
                      int hour, int minute, int64_t *utc_ms);

#endif
