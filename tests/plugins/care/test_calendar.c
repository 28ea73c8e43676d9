/*
 * test_calendar.c - civil-day arithmetic, month_day parsing, next yearly
 * occurrences (29 February birthdays fall on 28 February in common years),
 * and the stored special-day list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "calendar.h"
#include "specialday.h"

static void assert_date(cr_date d, int y, int m, int day)
{
    assert_int_equal(d.year, y);
    assert_int_equal(d.month, m);
    assert_int_equal(d.day, day);
}

static void test_civil_days(void **state)
{
    (void)state;
    assert_int_equal(cr_days_from_civil((cr_date){1970, 1, 1}), 0);
    assert_int_equal(cr_days_from_civil((cr_date){2000, 3, 1}), 11017);
    assert_date(cr_civil_from_days(11017), 2000, 3, 1);
    assert_date(cr_civil_from_days(-1), 1969, 12, 31);
    assert_date(cr_date_add_days((cr_date){2024, 2, 28}, 1), 2024, 2, 29);
    assert_date(cr_date_add_days((cr_date){2026, 2, 28}, 1), 2026, 3, 1);
    assert_date(cr_date_add_days((cr_date){2026, 12, 31}, 1), 2027, 1, 1);
    assert_true(cr_is_leap(2000));
    assert_false(cr_is_leap(2100));
    assert_int_equal(cr_days_in_month(2100, 2), 28);
}

static void test_parse_month_day(void **state)
{
    (void)state;
    int y, m, d;
    assert_true(cr_parse_month_day("1984-02-29", &y, &m, &d));
    assert_int_equal(y, 1984);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);
    assert_true(cr_parse_month_day("--02-29", &y, &m, &d));
    assert_int_equal(y, 0);
    assert_false(cr_parse_month_day("1985-02-29", &y, &m, &d)); /* not a real date */
    assert_false(cr_parse_month_day("--02-30", &y, &m, &d));
    assert_false(cr_parse_month_day("--13-01", &y, &m, &d));
    assert_false(cr_parse_month_day("02-03", &y, &m, &d));
    assert_false(cr_parse_month_day(NULL, &y, &m, &d));
}

static void test_next_occurrence(void **state)
{
    (void)state;
    assert_date(cr_next_occurrence(5, 3, (cr_date){2026, 1, 10}), 2026, 5, 3);
    assert_date(cr_next_occurrence(5, 3, (cr_date){2026, 5, 3}), 2026, 5, 3);  /* on the day */
    assert_date(cr_next_occurrence(5, 3, (cr_date){2026, 5, 4}), 2027, 5, 3);
    /* Leap-day birthdays: 28 February in common years, 29 in leap years. */
    assert_date(cr_next_occurrence(2, 29, (cr_date){2026, 1, 1}), 2026, 2, 28);
    assert_date(cr_next_occurrence(2, 29, (cr_date){2026, 3, 1}), 2027, 2, 28);
    assert_date(cr_next_occurrence(2, 29, (cr_date){2027, 3, 1}), 2028, 2, 29);
    assert_date(cr_next_occurrence(2, 29, (cr_date){2028, 2, 29}), 2028, 2, 29);
    assert_date(cr_next_occurrence(2, 29, (cr_date){2099, 12, 31}), 2100, 2, 28);
}

static void test_specials_round_trip(void **state)
{
    (void)state;
    char buf[256] = "";
    assert_true(cr_specials_append(buf, sizeof buf, "birthday", "", 2, 29));
    assert_true(cr_specials_append(buf, sizeof buf, "family_birthday", "daughter|Anna", 11, 2));
    assert_true(cr_specials_append(buf, sizeof buf, "anniversary", "wedding", 6, 10));
    assert_string_equal(buf, "birthday||02-29\nfamily_birthday|daughter Anna|11-02\n"
                             "anniversary|wedding|06-10\n");
    cr_special s[CR_SPECIALS_MAX];
    assert_int_equal(cr_specials_parse(buf, s, CR_SPECIALS_MAX), 3);
    assert_string_equal(s[1].kind, "family_birthday");
    assert_string_equal(s[1].label, "daughter Anna");
    assert_int_equal(s[1].month, 11);
    assert_date(cr_special_next(&s[0], (cr_date){2027, 1, 1}), 2027, 2, 28);
    /* Garbage lines are skipped, not fatal. */
    assert_int_equal(cr_specials_parse("x\nbirthday||13-01\nanniversary|a|01-05", s, 4), 1);
    assert_int_equal(s[0].day, 5);
    char tiny[16] = "";
    assert_false(cr_specials_append(tiny, sizeof tiny, "anniversary", "wedding", 6, 10));
    assert_string_equal(tiny, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_days),
        cmocka_unit_test(test_parse_month_day),
        cmocka_unit_test(test_next_occurrence),
        cmocka_unit_test(test_specials_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
