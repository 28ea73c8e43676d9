/*
 * holidays_uk.c - England & Wales bank holidays by rule (Banking and
 * Financial Dealings Act 1971 and the yearly proclamations).
 *
 * Fixed days that fall on a weekend are replaced by the next weekday that is
 * not already a holiday ("substitute day"). The few one-off proclamations
 * (moved May holidays, jubilees, royal events) are listed because no rule can
 * produce them.
 */
#include <stddef.h>

#include "holidays_internal.h"

/* Easter Sunday in the Gregorian calendar (anonymous Gregorian computus). */
static void easter_sunday(int year, int *month, int *day)
{
    int a = year % 19, b = year / 100, c = year % 100;
    int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    *month = (h + l - 7 * m + 114) / 31;
    *day = (h + l - 7 * m + 114) % 31 + 1;
}

static void add_offset(holiday_list *list, long base_days, long offset, const char *name)
{
    int y, m, d;
    days_to_civil(base_days + offset, &y, &m, &d);
    holiday_add(list, y, m, d, name);
}

static int days_in_month(int year, int month)
{
    long first = civil_to_days(year, month, 1);
    long next = month == 12 ? civil_to_days(year + 1, 1, 1) : civil_to_days(year, month + 1, 1);
    return (int)(next - first);
}

/* Day of the month of the first (first = true) or last Monday. */
static int monday_of(int year, int month, bool first)
{
    if (first)
        return 1 + (8 - civil_weekday(year, month, 1)) % 7;
    int last = days_in_month(year, month);
    return last - (civil_weekday(year, month, last) + 6) % 7;
}

typedef struct one_off {
    int year, month, day;
    const char *name;
} one_off;

/* Proclaimed days; the May holidays a proclamation moved are listed in
 * moved_may below. */
static const one_off one_offs[] = {
    {1999, 12, 31, "Millennium Eve"},
    {2002, 6, 3, "Golden Jubilee"},
    {2011, 4, 29, "Royal Wedding"},
    {2012, 6, 5, "Diamond Jubilee"},
    {2022, 6, 3, "Platinum Jubilee"},
    {2022, 9, 19, "State Funeral of Queen Elizabeth II"},
    {2023, 5, 8, "Coronation of King Charles III"},
};

typedef struct moved_holiday {
    int year, month, day;
    int rule;                 /* 0: early May, 1: spring */
} moved_holiday;

static const moved_holiday moved[] = {
    {1995, 5, 8, 0},   /* VE Day 50th anniversary */
    {2020, 5, 8, 0},   /* VE Day 75th anniversary */
    {2002, 6, 4, 1},
    {2012, 6, 4, 1},
    {2022, 6, 2, 1},
};

static void add_may_holiday(holiday_list *list, int year, int rule)
{
    for (size_t i = 0; i < sizeof moved / sizeof moved[0]; i++)
        if (moved[i].year == year && moved[i].rule == rule) {
            holiday_add(list, year, moved[i].month, moved[i].day,
                        rule == 0 ? "Early May bank holiday" : "Spring bank holiday");
            return;
        }
    if (rule == 0)
        holiday_add(list, year, 5, monday_of(year, 5, true), "Early May bank holiday");
    else
        holiday_add(list, year, 5, monday_of(year, 5, false), "Spring bank holiday");
}

/* Christmas and Boxing Day with their substitutes: a holiday on Saturday or
 * Sunday moves to the next weekday not taken by the other. */
static void add_christmas(holiday_list *list, int year)
{
    long christmas = civil_to_days(year, 12, 25);
    int wd = civil_weekday(year, 12, 25);
    long christmas_on = christmas, boxing_on = christmas + 1;
    if (wd == 6) {            /* Sat: Christmas -> Mon 27, Boxing (Sun) -> Tue 28 */
        christmas_on = christmas + 2;
        boxing_on = christmas + 3;
    } else if (wd == 0) {     /* Sun: Boxing stays Mon 26, Christmas -> Tue 27 */
        christmas_on = christmas + 2;
    } else if (wd == 5) {     /* Fri: Boxing (Sat) -> Mon 28 */
        boxing_on = christmas + 3;
    }
    add_offset(list, christmas_on, 0, "Christmas Day");
    add_offset(list, boxing_on, 0, "Boxing Day");
}

static void add_new_year(holiday_list *list, int year)
{
    int wd = civil_weekday(year, 1, 1);
    int day = wd == 6 ? 3 : wd == 0 ? 2 : 1;
    holiday_add(list, year, 1, day, "New Year's Day");
}

void holidays_uk(int year, holiday_list *list)
{
    add_new_year(list, year);
    int em, ed;
    easter_sunday(year, &em, &ed);
    long easter = civil_to_days(year, em, ed);
    add_offset(list, easter, -2, "Good Friday");
    add_offset(list, easter, 1, "Easter Monday");
    add_may_holiday(list, year, 0);
    add_may_holiday(list, year, 1);
    holiday_add(list, year, 8, monday_of(year, 8, false), "Summer bank holiday");
    add_christmas(list, year);
    for (size_t i = 0; i < sizeof one_offs / sizeof one_offs[0]; i++)
        if (one_offs[i].year == year)
            holiday_add(list, year, one_offs[i].month, one_offs[i].day, one_offs[i].name);
}
