/*
 * test_bizhours.c - service-level arithmetic in business hours (09:00-17:00,
 * Monday to Friday) with pinned instants in real zones: over a weekend,
 * over the Easter bank holidays (UK calendar), across the spring-forward
 * change in London and the fall-back change in New York, and in Shanghai
 * with a tenant's extra holiday; and the business time between two instants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bizhours.h"
#include "localtime.h"

#define HOUR 3600000LL

static sv_calendar calendar(const char *tz, const char *holidays, const rp_holiday *extra, int nextra)
{
    sv_calendar cal = {.tz = tz, .holidays = holidays, .extra = extra, .extra_count = nextra,
                       .to_local = rp_tz_to_local, .from_local = rp_tz_from_local};
    assert_true(sv_parse_hours("09:00-17:00", &cal.open_minute, &cal.close_minute));
    assert_true(sv_parse_weekdays("mon,tue,wed,thu,fri", &cal.weekdays));
    return cal;
}

static int64_t add(const sv_calendar *cal, int64_t start, int64_t ms)
{
    int64_t due = 0;
    assert_true(sv_bh_add(cal, start, ms, &due));
    return due;
}

static void test_over_a_weekend(void **state)
{
    (void)state;
    sv_calendar cal = calendar("Europe/London", "none", NULL, 0);
    /* Friday 2026-03-06 16:00 GMT + 4h: 1h on Friday, 3h on Monday -> 12:00 */
    assert_int_equal(add(&cal, 1772812800000LL, 4 * HOUR), 1773057600000LL);
    /* Saturday noon + 0: the next business instant, Monday 09:00 */
    assert_int_equal(add(&cal, 1772884800000LL, 0), 1773046800000LL);
    /* Saturday noon + 3h: Monday 12:00 */
    assert_int_equal(add(&cal, 1772884800000LL, 3 * HOUR), 1773057600000LL);
    /* 8h from Monday 09:00 ends exactly at closing */
    assert_int_equal(add(&cal, 1773046800000LL, 8 * HOUR), 1773046800000LL + 8 * HOUR);
}

static void test_over_easter(void **state)
{
    (void)state;
    sv_calendar cal = calendar("Europe/London", "UK", NULL, 0);
    /* Thursday 2026-04-02 16:00 BST + 2h: Good Friday, the weekend and
     * Easter Monday are skipped -> Tuesday 2026-04-07 10:00 BST (09:00Z) */
    assert_int_equal(add(&cal, 1775142000000LL, 2 * HOUR), 1775552400000LL);
    sv_calendar plain = calendar("Europe/London", "none", NULL, 0);
    /* without the calendar: Friday 2026-04-03 10:00 BST (09:00Z) */
    assert_int_equal(add(&plain, 1775142000000LL, 2 * HOUR), 1775206800000LL);
}

static void test_across_dst(void **state)
{
    (void)state;
    sv_calendar london = calendar("Europe/London", "none", NULL, 0);
    /* Friday 2026-03-27 15:00 GMT + 4h: 2h Friday, clocks go forward on
     * Sunday, Monday 09:00 BST + 2h = 11:00 BST = 10:00Z */
    assert_int_equal(add(&london, 1774623600000LL, 4 * HOUR), 1774864800000LL);
    sv_calendar ny = calendar("America/New_York", "none", NULL, 0);
    /* Friday 2026-10-30 16:00 EDT + 2h: clocks go back on Sunday, Monday
     * 2026-11-02 10:00 EST = 15:00Z */
    assert_int_equal(add(&ny, 1793390400000LL, 2 * HOUR), 1793631600000LL);
}

static void test_extra_holiday_in_shanghai(void **state)
{
    (void)state;
    rp_holiday extra[1];
    char err[128];
    assert_int_equal(rp_holidays_parse_extra("2026-10-01:National Day", extra, 1, err, sizeof err), 1);
    sv_calendar cal = calendar("Asia/Shanghai", "none", extra, 1);
    /* Wednesday 2026-09-30 16:00 CST + 2h: Thursday is off -> Friday
     * 2026-10-02 10:00 CST = 02:00Z */
    assert_int_equal(add(&cal, 1790755200000LL, 2 * HOUR), 1790820000000LL + 24 * HOUR);
    sv_calendar open = calendar("Asia/Shanghai", "none", NULL, 0);
    assert_int_equal(add(&open, 1790755200000LL, 2 * HOUR), 1790820000000LL);
}

static void test_between(void **state)
{
    (void)state;
    sv_calendar cal = calendar("Europe/London", "none", NULL, 0);
    int64_t biz = -1;
    /* Friday 16:00 to Monday 12:00 is four business hours */
    assert_true(sv_bh_between(&cal, 1772812800000LL, 1773057600000LL, &biz));
    assert_int_equal(biz, 4 * HOUR);
    /* across the spring-forward weekend: Friday 15:00 GMT to Monday 11:00 BST */
    assert_true(sv_bh_between(&cal, 1774623600000LL, 1774864800000LL, &biz));
    assert_int_equal(biz, 4 * HOUR);
    /* within one night: nothing */
    assert_true(sv_bh_between(&cal, 1772812800000LL + 2 * HOUR, 1772812800000LL + 10 * HOUR, &biz));
    assert_int_equal(biz, 0);
    assert_true(sv_bh_between(&cal, 1773057600000LL, 1772812800000LL, &biz));
    assert_int_equal(biz, 0);
}

static void test_parsing(void **state)
{
    (void)state;
    int open, close;
    unsigned mask;
    assert_true(sv_parse_hours("08:30-18:15", &open, &close));
    assert_int_equal(open, 510);
    assert_int_equal(close, 1095);
    assert_false(sv_parse_hours("17:00-09:00", &open, &close));
    assert_false(sv_parse_hours("9-17", &open, &close));
    assert_true(sv_parse_weekdays("sun,sat", &mask));
    assert_int_equal(mask, 0x41u);
    assert_false(sv_parse_weekdays("monday", &mask));
    assert_false(sv_parse_weekdays("", &mask));
}

static void test_no_working_day(void **state)
{
    (void)state;
    sv_calendar cal = calendar("Europe/London", "none", NULL, 0);
    cal.weekdays = 0;
    int64_t due;
    assert_false(sv_bh_add(&cal, 1772812800000LL, HOUR, &due));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_over_a_weekend),
        cmocka_unit_test(test_over_easter),
        cmocka_unit_test(test_across_dst),
        cmocka_unit_test(test_extra_holiday_in_shanghai),
        cmocka_unit_test(test_between),
        cmocka_unit_test(test_parsing),
        cmocka_unit_test(test_no_working_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
