/*
 * schedule.c - survey send times and calendar labels (schedule.h).
 */
#include <stdio.h>

#include "schedule.h"

/* Days since 1970-01-01 and back (proleptic Gregorian, Hinnant's method). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

bool sv_schedule_after_days(sv_to_local_fn to_local, sv_from_local_fn from_local, const char *tz,
                            int64_t from_ms, int days, int send_hour, int64_t *due_ms)
{
    rp_local_time lt;
    if (!to_local(tz, from_ms, &lt))
        return false;
    int y, m, d;
    civil_from_days(days_from_civil(lt.year, lt.month, lt.day) + days, &y, &m, &d);
    return from_local(tz, y, m, d, send_hour, 0, due_ms);
}

bool sv_schedule_next_quarter(sv_to_local_fn to_local, sv_from_local_fn from_local, const char *tz,
                              int64_t from_ms, int send_hour, int64_t *due_ms)
{
    rp_local_time lt;
    if (!to_local(tz, from_ms, &lt))
        return false;
    int first_month_next = ((lt.month - 1) / 3 + 1) * 3 + 1;   /* 4, 7, 10 or 13 */
    int year = lt.year + (first_month_next > 12);
    int month = first_month_next > 12 ? 1 : first_month_next;
    return from_local(tz, year, month, 1, send_hour, 0, due_ms);
}

bool sv_month_label(sv_to_local_fn to_local, const char *tz, int64_t utc_ms, char *buf, size_t size)
{
    rp_local_time lt;
    if (!to_local(tz, utc_ms, &lt))
        return false;
    snprintf(buf, size, "%04d-%02d", lt.year, lt.month);
    return true;
}

bool sv_quarter_label(sv_to_local_fn to_local, const char *tz, int64_t utc_ms, char *buf, size_t size)
{
    rp_local_time lt;
    if (!to_local(tz, utc_ms, &lt))
        return false;
    snprintf(buf, size, "%04d-Q%d", lt.year, (lt.month - 1) / 3 + 1);
    return true;
}
