/* localday.c - local calendar days through the C library (see localday.h). */
#include "localday.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The zone TZ is set to, so that tzset() reads a zone file only when the
 * zone changes. */
static char current_zone[128];

static void use_zone(const char *zone)
{
    if (!zone || !*zone || strlen(zone) >= sizeof current_zone - 1)
        zone = "UTC";
    if (strcmp(current_zone, zone) == 0)
        return;
    char tz[sizeof current_zone + 1];
    snprintf(tz, sizeof tz, ":%s", zone);   /* ":" = a zone file name, never a POSIX rule */
    setenv("TZ", tz, 1);
    tzset();
    snprintf(current_zone, sizeof current_zone, "%s", zone);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* mktime of a local wall time (normalising an overflowing day), zone in use. */
static bool wall_time_at(struct tm *local, int minute_of_day, int64_t *out)
{
    local->tm_hour = minute_of_day / 60;
    local->tm_min = minute_of_day % 60;
    local->tm_sec = 0;
    local->tm_isdst = -1;
    time_t at = mktime(local);
    if (at == (time_t)-1)
        return false;
    *out = (int64_t)at * 1000;
    return true;
}

bool synth_local_day_at(const char *zone, int64_t ts_ms, int days, int minute_of_day, int64_t *out)
{
    use_zone(zone);
    time_t t = (time_t)floor_div(ts_ms, 1000);
    struct tm local;
    if (!localtime_r(&t, &local))
        return false;
    local.tm_mday += days;
    return wall_time_at(&local, minute_of_day, out);
}

bool synth_local_date_at(const char *zone, int year, int month, int day, int minute_of_day, int64_t *out)
{
    use_zone(zone);
    struct tm local = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day};
    return wall_time_at(&local, minute_of_day, out);
}
