/*
 * calendar.c - civil dates as day counts (Howard Hinnant's well-known
 * era-based algorithm, written out here) and yearly recurrences.
 */
#include <ctype.h>
#include <string.h>

#include "calendar.h"

bool cr_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int cr_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && cr_is_leap(year) ? 29 : days[month - 1];
}

int64_t cr_days_from_civil(cr_date d)
{
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (d.month + 9) % 12;                 /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

cr_date cr_civil_from_days(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int year = (int)(yoe + era * 400 + (month <= 2));
    return (cr_date){year, month, day};
}

cr_date cr_date_add_days(cr_date d, int64_t days)
{
    return cr_civil_from_days(cr_days_from_civil(d) + days);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool cr_parse_month_day(const char *text, int *year, int *month, int *day)
{
    if (!text)
        return false;
    size_t len = strlen(text);
    int y = 0, m, d;
    const char *md;
    if (len == 7 && text[0] == '-' && text[1] == '-')
        md = text + 2;
    else if (len == 10 && text[4] == '-' && digits(text, 4, &y))
        md = text + 5;
    else
        return false;
    if (md[2] != '-' || !digits(md, 2, &m) || !digits(md + 3, 2, &d))
        return false;
    /* A year-less date may be 29 February; a dated one must exist. */
    int max = cr_days_in_month(y ? y : 2000, m);
    if (d < 1 || d > max)
        return false;
    *year = y;
    *month = m;
    *day = d;
    return true;
}

static cr_date occurrence_in(int year, int month, int day)
{
    if (month == 2 && day == 29 && !cr_is_leap(year))
        day = 28;
    return (cr_date){year, month, day};
}

cr_date cr_next_occurrence(int month, int day, cr_date from)
{
    cr_date this_year = occurrence_in(from.year, month, day);
    if (cr_days_from_civil(this_year) >= cr_days_from_civil(from))
        return this_year;
    return occurrence_in(from.year + 1, month, day);
}
