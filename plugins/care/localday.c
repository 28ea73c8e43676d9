/*
 * localday.c - local due times and quiet hours (see localday.h).
 */
#include <ctype.h>

#include "localday.h"

bool cr_local_date(const cr_tz *z, const char *tz, int64_t utc_ms, cr_date *out)
{
    rp_local_time lt;
    if (!z->to_local(tz, utc_ms, &lt))
        return false;
    *out = (cr_date){lt.year, lt.month, lt.day};
    return true;
}

bool cr_at_local(const cr_tz *z, const char *tz, cr_date date, int minute_of_day, int64_t *out)
{
    return z->from_local(tz, date.year, date.month, date.day, minute_of_day / 60,
                         minute_of_day % 60, out);
}

bool cr_days_later_at(const cr_tz *z, const char *tz, int64_t base_ms, int days,
                      int minute_of_day, int64_t *out)
{
    cr_date base;
    if (!cr_local_date(z, tz, base_ms, &base))
        return false;
    return cr_at_local(z, tz, cr_date_add_days(base, days), minute_of_day, out);
}

static bool in_quiet(int minute, int start, int end)
{
    if (start < end)
        return minute >= start && minute < end;
    return minute >= start || minute < end;
}

bool cr_quiet_shift(const cr_tz *z, const char *tz, int64_t due_ms, int quiet_start,
                    int quiet_end, int64_t *out)
{
    rp_local_time lt;
    if (!z->to_local(tz, due_ms, &lt))
        return false;
    int minute = lt.hour * 60 + lt.minute;
    if (quiet_start == quiet_end || !in_quiet(minute, quiet_start, quiet_end)) {
        *out = due_ms;
        return true;
    }
    cr_date date = {lt.year, lt.month, lt.day};
    /* Evening part of a window that wraps midnight: its end is tomorrow. */
    if (quiet_start > quiet_end && minute >= quiet_start)
        date = cr_date_add_days(date, 1);
    return cr_at_local(z, tz, date, quiet_end, out);
}

bool cr_parse_hhmm(const char *text, int *minute_of_day)
{
    if (!text || !isdigit((unsigned char)text[0]) || !isdigit((unsigned char)text[1])
        || text[2] != ':' || !isdigit((unsigned char)text[3]) || !isdigit((unsigned char)text[4])
        || text[5] != '\0')
        return false;
    int hour = (text[0] - '0') * 10 + (text[1] - '0');
    int minute = (text[3] - '0') * 10 + (text[4] - '0');
    if (hour > 23 || minute > 59)
        return false;
    *minute_of_day = hour * 60 + minute;
    return true;
}
