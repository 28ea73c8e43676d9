/*
 * bizhours.c - business-hours arithmetic, one local day at a time
 * (bizhours.h).
 */
#include <stdio.h>
#include <string.h>

#include "bizhours.h"

#define MAX_DAYS 3660   /* ten years: a calendar with no working day at all */

typedef struct civil {
    int year, month, day;
} civil;

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

static civil next_day(civil d)
{
    if (++d.day > days_in_month(d.year, d.month)) {
        d.day = 1;
        if (++d.month > 12) {
            d.month = 1;
            d.year++;
        }
    }
    return d;
}

/* Sakamoto's method: 0 = Sunday. */
static int weekday_of(civil d)
{
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    int y = d.month < 3 ? d.year - 1 : d.year;
    return (y + y / 4 - y / 100 + y / 400 + t[d.month - 1] + d.day) % 7;
}

static bool is_working(const sv_calendar *cal, civil d)
{
    if (!(cal->weekdays & (1u << weekday_of(d))))
        return false;
    return !rp_holidays_is_holiday(cal->holidays, cal->extra, cal->extra_count,
                                   d.year, d.month, d.day, NULL);
}

/* The day's opening and closing instants. */
static bool day_span(const sv_calendar *cal, civil d, int64_t *open_ms, int64_t *close_ms)
{
    return cal->from_local(cal->tz, d.year, d.month, d.day, cal->open_minute / 60,
                           cal->open_minute % 60, open_ms)
           && cal->from_local(cal->tz, d.year, d.month, d.day, cal->close_minute / 60,
                              cal->close_minute % 60, close_ms);
}

static bool local_date(const sv_calendar *cal, int64_t utc_ms, civil *out)
{
    rp_local_time lt;
    if (!cal->to_local(cal->tz, utc_ms, &lt))
        return false;
    *out = (civil){lt.year, lt.month, lt.day};
    return true;
}

bool sv_bh_add(const sv_calendar *cal, int64_t start_ms, int64_t business_ms, int64_t *due_ms)
{
    civil d;
    if (!local_date(cal, start_ms, &d))
        return false;
    int64_t left = business_ms > 0 ? business_ms : 0;
    for (int i = 0; i < MAX_DAYS; i++, d = next_day(d)) {
        if (!is_working(cal, d))
            continue;
        int64_t open_ms, close_ms;
        if (!day_span(cal, d, &open_ms, &close_ms))
            return false;
        int64_t from = start_ms > open_ms ? start_ms : open_ms;
        if (from >= close_ms)
            continue;
        /* A zero budget is due at the next business instant, not at start. */
        if (left <= close_ms - from) {
            *due_ms = from + left;
            return true;
        }
        left -= close_ms - from;
    }
    return false;
}

bool sv_bh_between(const sv_calendar *cal, int64_t from_ms, int64_t to_ms, int64_t *business_ms)
{
    *business_ms = 0;
    if (to_ms <= from_ms)
        return true;
    civil d, last;
    if (!local_date(cal, from_ms, &d) || !local_date(cal, to_ms, &last))
        return false;
    for (int i = 0; i < MAX_DAYS * 10; i++, d = next_day(d)) {
        if (is_working(cal, d)) {
            int64_t open_ms, close_ms;
            if (!day_span(cal, d, &open_ms, &close_ms))
                return false;
            int64_t a = from_ms > open_ms ? from_ms : open_ms;
            int64_t b = to_ms < close_ms ? to_ms : close_ms;
            if (b > a)
                *business_ms += b - a;
        }
        if (d.year == last.year && d.month == last.month && d.day == last.day)
            return true;
    }
    return false;
}

bool sv_parse_hours(const char *text, int *open_minute, int *close_minute)
{
    int oh, om, ch, cm;
    char tail;
    if (!text || sscanf(text, "%d:%d-%d:%d%c", &oh, &om, &ch, &cm, &tail) != 4)
        return false;
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || ch < 0 || ch > 23 || cm < 0 || cm > 59)
        return false;
    *open_minute = oh * 60 + om;
    *close_minute = ch * 60 + cm;
    return *open_minute < *close_minute;
}

bool sv_parse_weekdays(const char *text, unsigned *mask)
{
    static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    *mask = 0;
    const char *p = text;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int d = 0; d < 7; d++)
            if (len == 3 && strncmp(p, names[d], 3) == 0)
                found = d;
        if (found < 0)
            return false;
        *mask |= 1u << found;
        p += len;
        if (*p == ',')
            p++;
    }
    return *mask != 0;
}
