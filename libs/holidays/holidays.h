/*
 * holidays.h - public-holiday calendars shared by the care and survey plugins
 * (care: holiday greetings; survey: business-hours SLA arithmetic).
 *
 * Built-in calendars are rules, not tables, so they work for any year:
 *   "UK"   England & Wales bank holidays (Easter from the Gregorian computus,
 *          substitute days when a fixed holiday falls on a weekend);
 *   "CN"   the seven Chinese public holidays on their day (New Year, Spring
 *          Festival and Mid-Autumn and Dragon Boat from the Chinese lunar
 *          calendar via ICU, Qingming from the solar term, Labour Day,
 *          National Day); the State Council's yearly bridge/make-up days are
 *          announced each year and belong in a tenant's extra dates;
 *   "none" no holidays.
 * A tenant adds its own dates with rp_holidays_parse_extra().
 *
 * Compiled into each plugin that uses it (static library rapport_holidays,
 * hidden symbols), so no plugin depends on another at load time.
 */
#ifndef RAPPORT_PLUGIN_HOLIDAYS_H
#define RAPPORT_PLUGIN_HOLIDAYS_H

#include <stdbool.h>

#define RP_HOLIDAYS_MAX_PER_YEAR 32
#define RP_HOLIDAYS_MAX_EXTRA 256

typedef struct rp_holiday {
    int year, month, day;     /* a civil date in the tenant's calendar */
    const char *name;         /* static text, e.g. "Spring Festival" */
} rp_holiday;

/* True if `calendar` names a built-in calendar ("UK", "CN", "none"). */
bool rp_holidays_known(const char *calendar);

/* The holidays of `calendar` in `year`, in date order. Returns how many were
 * written to out (at most max), or -1 if the calendar is unknown. */
int rp_holidays_in_year(const char *calendar, int year, rp_holiday *out, int max);

/* A tenant's own extra dates: "YYYY-MM-DD[:name],..." parsed into out.
 * Returns the count, or -1 with a message in err naming the bad entry. */
int rp_holidays_parse_extra(const char *text, rp_holiday *out, int max,
                            char *err, int err_size);

/* True if the date is a holiday of `calendar` or one of the extra dates;
 * *name (if not NULL) gets its name. */
bool rp_holidays_is_holiday(const char *calendar, const rp_holiday *extra, int extra_count,
                            int year, int month, int day, const char **name);

#endif
