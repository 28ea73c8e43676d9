/*
 * holidays_cn.c - the statutory public holidays of mainland China by rule
 * (National Holidays regulation, as amended 2008 and 2024).
 *
 * Lunar dates (Spring Festival, Dragon Boat, Mid-Autumn) come from ICU's
 * Chinese calendar, read in Asia/Shanghai; Qingming is the day of the
 * "Pure Brightness" solar term, from the usual 1901-2099 approximation
 * (D = floor(Y * 0.2422 + C) - floor(Y / 4), Y the year within its century;
 * the term falls on 4 or 5 April). The State Council's yearly bridge and
 * make-up working days are not statutory rules: tenants add them as extra
 * dates.
 */
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "holidays_internal.h"

#define SHANGHAI_UTC_OFFSET_MS (8 * 3600 * 1000.0)
#define MS_PER_DAY 86400000.0

/* The Gregorian date of lunar month/day in the lunar year that begins in
 * Gregorian `year`. false if ICU cannot say. */
static bool lunar_to_civil(int year, int lunar_month, int lunar_day, long *days)
{
    UChar zone[16];
    u_uastrcpy(zone, "Asia/Shanghai");
    UErrorCode status = U_ZERO_ERROR;
    UCalendar *cal = ucal_open(zone, -1, "zh_CN@calendar=chinese", UCAL_DEFAULT, &status);
    if (U_FAILURE(status))
        return false;
    /* Mid-year of `year` lies in the lunar year that began that winter; its
     * extended year is what we set the lunar fields in. */
    double mid_year = (double)civil_to_days(year, 7, 1) * MS_PER_DAY;
    ucal_setMillis(cal, mid_year, &status);
    int32_t lunar_year = ucal_get(cal, UCAL_EXTENDED_YEAR, &status);
    ucal_clear(cal);
    ucal_set(cal, UCAL_EXTENDED_YEAR, lunar_year);
    ucal_set(cal, UCAL_MONTH, lunar_month - 1);
    ucal_set(cal, UCAL_IS_LEAP_MONTH, 0);
    ucal_set(cal, UCAL_DATE, lunar_day);
    ucal_set(cal, UCAL_HOUR_OF_DAY, 12);
    UDate when = ucal_getMillis(cal, &status);
    ucal_close(cal);
    if (U_FAILURE(status))
        return false;
    /* Noon in Shanghai, then the civil day in UTC+8 (no DST there since 1991). */
    *days = (long)((when + SHANGHAI_UTC_OFFSET_MS) / MS_PER_DAY);
    return true;
}

static void add_lunar(holiday_list *list, int year, int month, int day, int length,
                      const char *name)
{
    long first;
    if (!lunar_to_civil(year, month, day, &first))
        return;
    for (int i = 0; i < length; i++) {
        int y, m, d;
        days_to_civil(first + i, &y, &m, &d);
        holiday_add(list, y, m, d, name);
    }
}

/* The 20th and 21st centuries differ only in the constant C. */
static int qingming_day(int year)
{
    int y = year % 100;
    double c = year >= 2000 ? 4.81 : 5.59;
    return (int)(y * 0.2422 + c) - y / 4;
}

void holidays_cn(int year, holiday_list *list)
{
    holiday_add(list, year, 1, 1, "New Year's Day");
    long new_year;
    if (year >= 2025 && lunar_to_civil(year, 1, 1, &new_year)) {
        int y, m, d;    /* the 2024 amendment added Spring Festival Eve */
        days_to_civil(new_year - 1, &y, &m, &d);
        holiday_add(list, y, m, d, "Spring Festival Eve");
    }
    add_lunar(list, year, 1, 1, 3, "Spring Festival");
    holiday_add(list, year, 4, qingming_day(year), "Qingming Festival");
    holiday_add(list, year, 5, 1, "Labour Day");
    if (year >= 2025)
        holiday_add(list, year, 5, 2, "Labour Day");
    add_lunar(list, year, 5, 5, 1, "Dragon Boat Festival");
    add_lunar(list, year, 8, 15, 1, "Mid-Autumn Festival");
    for (int day = 1; day <= 3; day++)
        holiday_add(list, year, 10, day, "National Day");
}
