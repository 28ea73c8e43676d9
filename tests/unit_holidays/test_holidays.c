/*
 * test_holidays.c - the UK and CN calendars against the officially published
 * dates (gov.uk bank-holiday lists; State Council notices), the tenant extra
 * dates parser and its errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "holidays.h"

/* The year's holidays as "MM-DD MM-DD ..." for one comparison per year. */
static const char *dates_of(const char *calendar, int year)
{
    static char text[512];
    rp_holiday days[RP_HOLIDAYS_MAX_PER_YEAR];
    int n = rp_holidays_in_year(calendar, year, days, RP_HOLIDAYS_MAX_PER_YEAR);
    size_t len = 0;
    text[0] = '\0';
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%02d-%02d",
                                i ? " " : "", days[i].month, days[i].day);
    return text;
}

static void uk_matches_published_lists(void **state)
{
    (void)state;
    /* 2010: Christmas on Saturday -> substitutes Mon 27 and Tue 28. */
    assert_string_equal(dates_of("UK", 2010), "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28");
    /* 2011: New Year on Saturday -> Mon 3 Jan; the Royal Wedding; Christmas on Sunday. */
    assert_string_equal(dates_of("UK", 2011), "01-03 04-22 04-25 04-29 05-02 05-30 08-29 12-26 12-27");
    /* 2020: the early May holiday moved to Friday 8 May (VE Day). */
    assert_string_equal(dates_of("UK", 2020), "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28");
    /* 2022: spring holiday moved to 2 June, Platinum Jubilee, State Funeral, Christmas on Sunday. */
    assert_string_equal(dates_of("UK", 2022), "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27");
    assert_string_equal(dates_of("UK", 2026), "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28");
}

static void cn_matches_state_council_days(void **state)
{
    (void)state;
    /* Statutory days only (bridge days are tenant extras). 2010: Spring
     * Festival 14 Feb, Qingming 5 Apr, Dragon Boat 16 Jun, Mid-Autumn 22 Sep. */
    assert_string_equal(dates_of("CN", 2010),
                        "01-01 02-14 02-15 02-16 04-05 05-01 06-16 09-22 10-01 10-02 10-03");
    /* 2011: 3 Feb, 5 Apr, 6 Jun, 12 Sep. */
    assert_string_equal(dates_of("CN", 2011),
                        "01-01 02-03 02-04 02-05 04-05 05-01 06-06 09-12 10-01 10-02 10-03");
    /* 2020: 25 Jan, 4 Apr, 25 Jun, 1 Oct (Mid-Autumn on National Day itself). */
    assert_string_equal(dates_of("CN", 2020),
                        "01-01 01-25 01-26 01-27 04-04 05-01 06-25 10-01 10-01 10-02 10-03");
    /* 2025: Spring Festival Eve added (28 Jan), Labour Day 2 days. */
    assert_string_equal(dates_of("CN", 2025),
                        "01-01 01-28 01-29 01-30 01-31 04-04 05-01 05-02 05-31 10-01 10-02 10-03 10-06");
}

static void lookup_names_and_extras(void **state)
{
    (void)state;
    const char *name = NULL;
    assert_true(rp_holidays_is_holiday("UK", NULL, 0, 2011, 4, 29, &name));
    assert_string_equal(name, "Royal Wedding");
    assert_false(rp_holidays_is_holiday("UK", NULL, 0, 2011, 4, 28, NULL));
    assert_false(rp_holidays_is_holiday("none", NULL, 0, 2011, 12, 25, NULL));
    assert_true(rp_holidays_known("CN"));
    assert_false(rp_holidays_known("FR"));
    assert_int_equal(rp_holidays_in_year("FR", 2011, NULL, 0), -1);

    rp_holiday extra[4];
    char err[128];
    assert_int_equal(rp_holidays_parse_extra("2011-12-27:company day, 2012-01-02", extra, 4, err, sizeof err), 2);
    assert_true(rp_holidays_is_holiday("none", extra, 2, 2012, 1, 2, &name));
    assert_string_equal(name, "holiday");
    assert_int_equal(rp_holidays_parse_extra("", extra, 4, err, sizeof err), 0);
    assert_int_equal(rp_holidays_parse_extra("2011-02-30", extra, 4, err, sizeof err), -1);
    assert_string_equal(err, "extra holiday '2011-02-30' is not a date YYYY-MM-DD[:name]");
    assert_int_equal(rp_holidays_parse_extra("2011-1-2", extra, 4, err, sizeof err), -1);
    assert_int_equal(rp_holidays_parse_extra("2011-01-01,2011-01-02,2011-01-03", extra, 2, err, sizeof err), -1);
    assert_string_equal(err, "more than 2 extra holidays");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uk_matches_published_lists),
        cmocka_unit_test(cn_matches_state_council_days),
        cmocka_unit_test(lookup_names_and_extras),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
