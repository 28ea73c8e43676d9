/*
 * localday.h - local calendar days for the synthetic layer: when a care
 * task after a purchase falls due. The care plugin puts a purchase's
 * follow-up N days after the purchase's local date at its due time
 * (docs/plugins/care.md, `purchase_offsets`, `due_time`); the synthetic
 * layer does the work on that day, so it needs the same instant.
 *
 * Uses the C library's time-zone database (TZ, /usr/share/zoneinfo) and is
 * not thread-safe: rapport-synth is single-threaded. A zone the database
 * does not know counts as UTC, as does NULL or "" (the care plugin's
 * default zone for customers without one).
 */
#ifndef RP_SYNTH_LOCALDAY_H
#define RP_SYNTH_LOCALDAY_H

#include <stdbool.h>
#include <stdint.h>

/* The instant (ms since the epoch) of minute_of_day (0..1439) local time
 * on the local calendar day `days` after the local day of ts_ms, in zone
 * (mktime with the zone's own DST rule; the care plugin's 10:00 is never in
 * a spring-forward gap). False when the time cannot be represented. */
bool synth_local_day_at(const char *zone, int64_t ts_ms, int days, int minute_of_day, int64_t *out);

/* The instant of minute_of_day local time on the civil date year-month-day
 * in zone (holidays and special days, which are dates, not instants). */
bool synth_local_date_at(const char *zone, int year, int month, int day, int minute_of_day, int64_t *out);

#endif
