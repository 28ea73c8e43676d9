/* test_clock.c - the engine clock in its three modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "clock.h"

static void fixed_clock_never_moves(void **state)
{
    rp_clock c;
    rp_clock_init(&c, RP_CLOCK_FIXED, 1700000000000LL);
    rp_clock_observe(&c, 1800000000000LL);
    assert_int_equal(rp_clock_now(&c), 1700000000000LL);
    assert_string_equal(rp_clock_mode_name(RP_CLOCK_FIXED), "fixed");
}

static void event_clock_follows_the_highest_ts(void **state)
{
    rp_clock c;
    rp_clock_init(&c, RP_CLOCK_EVENT, 0);
    rp_clock_observe(&c, 1000);
    rp_clock_observe(&c, 3000);
    rp_clock_observe(&c, 2000);          /* late events never move it back */
    assert_int_equal(rp_clock_now(&c), 3000);
}

static void wall_clock_is_near_time(void **state)
{
    rp_clock c;
    rp_clock_init(&c, RP_CLOCK_WALL, 0);
    int64_t now = (int64_t)time(NULL) * 1000;
    int64_t got = rp_clock_now(&c);
    assert_true(got >= now - 2000 && got <= now + 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_clock_never_moves),
        cmocka_unit_test(event_clock_follows_the_highest_ts),
        cmocka_unit_test(wall_clock_is_near_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
