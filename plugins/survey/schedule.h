/*
 * schedule.h - when survey requests go out, on the customer's local
 * calendar: N days after the trigger's local date at the send hour (so a
 * purchase on Monday 15:00 surveys on the next Monday at 10:00 local, across
 * DST changes), and quarterly surveys on the first day of the next calendar
 * quarter at the send hour. Also the month label ("YYYY-MM") and the quarter
 * label ("YYYY-Qn") of an instant in a zone.
 *
 * Pure logic apart from the time-zone functions it is given.
 */
#ifndef SURVEY_SCHEDULE_H
#define SURVEY_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bizhours.h"

/* days calendar days after the local date of from_ms, at send_hour:00. */
bool sv_schedule_after_days(sv_to_local_fn to_local, sv_from_local_fn from_local, const char *tz,
                            int64_t from_ms, int days, int send_hour, int64_t *due_ms);

/* The first day of the calendar quarter after from_ms, at send_hour:00. */
bool sv_schedule_next_quarter(sv_to_local_fn to_local, sv_from_local_fn from_local, const char *tz,
                              int64_t from_ms, int send_hour, int64_t *due_ms);

bool sv_month_label(sv_to_local_fn to_local, const char *tz, int64_t utc_ms, char *buf, size_t size);
bool sv_quarter_label(sv_to_local_fn to_local, const char *tz, int64_t utc_ms, char *buf, size_t size);

#endif
