/*
 * holidays.c - calendar lookup, tenant extra dates and the civil-date
 * arithmetic the rule-based calendars use (holidays.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holidays_internal.h"

typedef struct calendar {
    const char *name;
    void (*fill)(int year, holiday_list *list);
} calendar;

static void holidays_none(int year, holiday_list *list)
{
    (void)year;
    (void)list;
}

static const calendar calendars[] = {
    {"UK", holidays_uk},
    {"CN", holidays_cn},
    {"none", holidays_none},
};

static const calendar *find_calendar(const char *name)
{
    for (size_t i = 0; name && i < sizeof calendars / sizeof calendars[0]; i++)
        if (strcmp(name, calendars[i].name) == 0)
            return &calendars[i];
    return NULL;
}

bool rp_holidays_known(const char *name)
{
    return find_calendar(name) != NULL;
}

void holiday_add(holiday_list *list, int year, int month, int day, const char *name)
{
    if (list->count < list->max)
        list->out[list->count] = (rp_holiday){year, month, day, name};
    list->count++;
}

static int compare_dates(const void *a, const void *b)
{
    const rp_holiday *x = a, *y = b;
    long dx = civil_to_days(x->year, x->month, x->day);
    long dy = civil_to_days(y->year, y->month, y->day);
    return (dx > dy) - (dx < dy);
}

int rp_holidays_in_year(const char *name, int year, rp_holiday *out, int max)
{
    const calendar *cal = find_calendar(name);
    if (!cal)
        return -1;
    holiday_list list = {out, max, 0};
    cal->fill(year, &list);
    int written = list.count < max ? list.count : max;
    qsort(out, (size_t)written, sizeof *out, compare_dates);
    return written;
}

/* ---- tenant extra dates ---------------------------------------------------- */

static bool valid_date(int year, int month, int day)
{
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
        return false;
    int y, m, d;
    days_to_civil(civil_to_days(year, month, day), &y, &m, &d);
    return y == year && m == month && d == day;
}

/* Parses one "YYYY-MM-DD[:name]" entry of len bytes. The name is not kept
 * (entries name static text only): extra dates are called "holiday". */
static bool parse_entry(const char *entry, size_t len, rp_holiday *out)
{
    char date[16];
    size_t date_len = len;
    const char *colon = memchr(entry, ':', len);
    if (colon)
        date_len = (size_t)(colon - entry);
    while (date_len > 0 && entry[0] == ' ') {
        entry++;
        date_len--;
    }
    while (date_len > 0 && entry[date_len - 1] == ' ')
        date_len--;
    if (date_len != 10)
        return false;
    memcpy(date, entry, date_len);
    date[date_len] = '\0';
    int year, month, day, used = 0;
    if (sscanf(date, "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3 || used != 10
        || !valid_date(year, month, day))
        return false;
    *out = (rp_holiday){year, month, day, "holiday"};
    return true;
}

int rp_holidays_parse_extra(const char *text, rp_holiday *out, int max, char *err, int err_size)
{
    int count = 0;
    const char *p = text ? text : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        size_t blank = strspn(p, " ");
        if (blank < len) {
            if (count == max) {
                snprintf(err, (size_t)err_size, "more than %d extra holidays", max);
                return -1;
            }
            if (!parse_entry(p, len, &out[count])) {
                snprintf(err, (size_t)err_size,
                         "extra holiday '%.*s' is not a date YYYY-MM-DD[:name]", (int)len, p);
                return -1;
            }
            count++;
        }
        p += len + (p[len] == ',');
    }
    return count;
}

bool rp_holidays_is_holiday(const char *name, const rp_holiday *extra, int extra_count,
                            int year, int month, int day, const char **holiday_name)
{
    for (int i = 0; i < extra_count; i++)
        if (extra[i].year == year && extra[i].month == month && extra[i].day == day) {
            if (holiday_name)
                *holiday_name = extra[i].name;
            return true;
        }
    rp_holiday days[RP_HOLIDAYS_MAX_PER_YEAR];
    int n = rp_holidays_in_year(name, year, days, RP_HOLIDAYS_MAX_PER_YEAR);
    for (int i = 0; i < n; i++)
        if (days[i].month == month && days[i].day == day) {
            if (holiday_name)
                *holiday_name = days[i].name;
            return true;
        }
    return false;
}

/* ---- civil dates (Howard Hinnant's days-from-civil algorithm, restated) ---- */

long civil_to_days(int year, int month, int day)
{
    long y = year - (month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void days_to_civil(long days, int *year, int *month, int *day)
{
    days += 719468;
    long era = (days >= 0 ? days : days - 146096) / 146097;
    long doe = days - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

int civil_weekday(int year, int month, int day)
{
    long days = civil_to_days(year, month, day);   /* 1970-01-01 was a Thursday */
    return (int)(((days % 7) + 11) % 7);
}
