/*
 * localtime.c - IANA time-zone arithmetic with ICU's ucal (localtime.h).
 *
 * Thread safety: a UCalendar is not safe to share between threads, so each
 * thread keeps its own calendars, one per zone it met last (a small cache
 * behind a pthread key, closed when the thread ends). Opening one per call
 * was measured: ucal_open builds a GregorianCalendar with its locale's week
 * data each time, and that was 40 % of the care plugin's own CPU on the
 * retail benchmark. A cached calendar is fully reset by every use
 * (ucal_setMillis, or ucal_clear + ucal_setDateTime), so no state leaks from
 * one call to the next.
 *
 * Wall times that do not exist (spring-forward gap) move forward by the gap:
 * UCAL_WALLTIME_LAST reads them in the offset in force before the gap, so
 * 01:30 in London's 01:00-02:00 gap is 01:30 GMT = 02:30 BST. Ambiguous ones
 * (fall-back) take the first, earlier, instant (UCAL_WALLTIME_FIRST). Both
 * attributes are set explicitly rather than relying on ICU's defaults.
 */
#include "localtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#define ZONE_ID_MAX 128

static bool zone_to_uchars(const char *tz, UChar *out, int32_t cap)
{
    if (!tz || !*tz || strlen(tz) >= (size_t)cap)
        return false;
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8(out, cap, NULL, tz, -1, &status);
    return U_SUCCESS(status);
}

/* ICU answers U_ILLEGAL_ARGUMENT_ERROR for ids it has never heard of, and
 * is_system = false for "Etc/Unknown" (what ucal_open silently falls back to)
 * and for custom ids like "GMT+05:00": only zones of the tz database pass. */
static bool zone_is_known(const UChar *zone)
{
    UChar canonical[ZONE_ID_MAX];
    UErrorCode status = U_ZERO_ERROR;
    UBool is_system = false;
    ucal_getCanonicalTimeZoneID(zone, -1, canonical, ZONE_ID_MAX, &is_system, &status);
    return U_SUCCESS(status) && is_system;
}

bool rp_tz_is_valid(const char *tz)
{
    UChar zone[ZONE_ID_MAX];
    return zone_to_uchars(tz, zone, ZONE_ID_MAX) && zone_is_known(zone);
}

static UCalendar *open_calendar(const char *tz)
{
    UChar zone[ZONE_ID_MAX];
    if (!zone_to_uchars(tz, zone, ZONE_ID_MAX) || !zone_is_known(zone))
        return NULL;
    UErrorCode status = U_ZERO_ERROR;
    UCalendar *cal = ucal_open(zone, -1, "en_US@calendar=gregorian", UCAL_GREGORIAN, &status);
    /* Proleptic Gregorian: no Julian switch in 1582, like PostgreSQL. */
    ucal_setGregorianChange(cal, -8.64e15, &status);
    if (U_FAILURE(status)) {
        if (cal)
            ucal_close(cal);
        return NULL;
    }
    ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
    ucal_setAttribute(cal, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_LAST);
    return cal;
}

/* ------------------------------------------------- per-thread calendars */

#define CALENDARS_PER_THREAD 16   /* zones in use at once by one worker; more just reopen */

typedef struct cached_calendar {
    char zone[ZONE_ID_MAX];
    UCalendar *cal;
} cached_calendar;

typedef struct calendar_cache {
    cached_calendar slots[CALENDARS_PER_THREAD];
    unsigned next_victim;        /* round robin: cheap, and fair enough here */
} calendar_cache;

static pthread_key_t cache_key;
static bool cache_key_ok;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void close_cache(void *p)
{
    calendar_cache *cache = p;
    for (size_t i = 0; i < CALENDARS_PER_THREAD; i++)
        if (cache->slots[i].cal)
            ucal_close(cache->slots[i].cal);
    free(cache);
}

static void make_cache_key(void)
{
    cache_key_ok = pthread_key_create(&cache_key, close_cache) == 0;
}

static calendar_cache *thread_cache(void)
{
    pthread_once(&cache_once, make_cache_key);
    if (!cache_key_ok)
        return NULL;
    calendar_cache *cache = pthread_getspecific(cache_key);
    if (!cache && (cache = calloc(1, sizeof *cache)) && pthread_setspecific(cache_key, cache) != 0) {
        free(cache);
        cache = NULL;
    }
    return cache;
}

/* The calendar of zone tz for this thread, or NULL for an unknown zone.
 * *owned says the caller must close it (only when no cache could be made). */
static UCalendar *calendar_for(const char *tz, bool *owned)
{
    *owned = false;
    calendar_cache *cache = thread_cache();
    if (cache)
        for (size_t i = 0; i < CALENDARS_PER_THREAD; i++)
            if (cache->slots[i].cal && strcmp(cache->slots[i].zone, tz) == 0)
                return cache->slots[i].cal;
    UCalendar *cal = open_calendar(tz);     /* validates tz, so it fits in a slot */
    if (!cal || !cache) {
        *owned = cal != NULL;
        return cal;
    }
    cached_calendar *slot = &cache->slots[cache->next_victim];
    cache->next_victim = (cache->next_victim + 1) % CALENDARS_PER_THREAD;
    if (slot->cal)
        ucal_close(slot->cal);
    snprintf(slot->zone, sizeof slot->zone, "%s", tz);
    slot->cal = cal;
    return cal;
}

static void release_calendar(UCalendar *cal, bool owned)
{
    if (owned)
        ucal_close(cal);
}

bool rp_tz_to_local(const char *tz, int64_t utc_ms, rp_local_time *out)
{
    bool owned;
    UCalendar *cal = tz ? calendar_for(tz, &owned) : NULL;
    if (!cal)
        return false;
    UErrorCode status = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)utc_ms, &status);
    rp_local_time local = {
        /* Extended year: 0 is 1 BC, the same numbering rp_tz_from_local takes. */
        .year = ucal_get(cal, UCAL_EXTENDED_YEAR, &status),
        .month = ucal_get(cal, UCAL_MONTH, &status) + 1,
        .day = ucal_get(cal, UCAL_DATE, &status),
        .hour = ucal_get(cal, UCAL_HOUR_OF_DAY, &status),
        .minute = ucal_get(cal, UCAL_MINUTE, &status),
        .second = ucal_get(cal, UCAL_SECOND, &status),
        .weekday = ucal_get(cal, UCAL_DAY_OF_WEEK, &status) - UCAL_SUNDAY,
        .utc_offset_s = (ucal_get(cal, UCAL_ZONE_OFFSET, &status) +
                         ucal_get(cal, UCAL_DST_OFFSET, &status)) / 1000,
    };
    release_calendar(cal, owned);
    if (U_FAILURE(status))
        return false;
    *out = local;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return month == 2 && leap ? 29 : days[month - 1];
}

static bool wall_time_is_valid(int year, int month, int day, int hour, int minute)
{
    return month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month) &&
           hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59;
}

/* The calendar stays lenient because ICU applies UCAL_SKIPPED_WALL_TIME only
 * then (a strict calendar refuses gap times); lenient would also roll
 * 31 February into March, so the fields are checked here first. */
bool rp_tz_from_local(const char *tz, int year, int month, int day, int hour, int minute, int64_t *utc_ms)
{
    if (!wall_time_is_valid(year, month, day, hour, minute))
        return false;
    bool owned;
    UCalendar *cal = tz ? calendar_for(tz, &owned) : NULL;
    if (!cal)
        return false;
    UErrorCode status = U_ZERO_ERROR;
    ucal_clear(cal);
    ucal_setDateTime(cal, year, month - 1, day, hour, minute, 0, &status);
    UDate when = ucal_getMillis(cal, &status);
    release_calendar(cal, owned);
    if (U_FAILURE(status))
        return false;
    *utc_ms = (int64_t)when;
    return true;
}
