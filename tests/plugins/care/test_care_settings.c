/*
 * test_care_settings.c - a bad value of the care plugin's settings, for one
 * tenant or for the whole plugin, refuses the start of the real rapportd
 * with a message naming the tenant, the key and the value: one case per
 * setting type (duration, integer, bool, enum, list, time zone) and per
 * complex value parsed in settings_check (budgets, offsets, priorities,
 * holidays, quiet hours). ABI 1 started with --plugin.care.acme.inbox_interval=15x
 * and dead-lettered acme's first event, and reported a bad `budget` as
 * `budget_vip = ""`. A good override starts.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rp_test.h"

typedef struct refusal {
    const char *flag;       /* --plugin.care.<flag> */
    const char *want;       /* in the message, after "plugin care: " */
} refusal;

static const refusal refusals[] = {
    {"acme.inbox_interval=15x", "tenant acme: setting inbox_interval = \"15x\""},
    {"acme.inbox_interval=0s", "tenant acme: setting inbox_interval = \"0s\""},
    {"acme.campaign_max=many", "tenant acme: setting campaign_max = \"many\""},
    {"acme.exempt_priority=9", "tenant acme: setting exempt_priority = \"9\""},
    {"acme.consent_default=perhaps", "tenant acme: setting consent_default = \"perhaps\""},
    {"acme.holiday_calendar=FR", "tenant acme: setting holiday_calendar = \"FR\""},
    {"acme.holiday_tiers=vip,,key", "tenant acme: setting holiday_tiers = \"vip,,key\""},
    {"acme.holiday_tiers=vip,gold", "tenant acme: holiday_tiers = \"gold\": unknown tier"},
    {"acme.budget=7d:x", "tenant acme: budget = \"7d:x\""},
    {"acme.budget_vip=30x:2", "tenant acme: budget_vip = \"30x:2\""},
    {"acme.budget=1d:1,2d:1,3d:1,4d:1,5d:1", "tenant acme: budget = \"1d:1,2d:1,3d:1,4d:1,5d:1\": at most 4"},
    {"acme.purchase_offsets=see_off:0d,greting:2d", "tenant acme: purchase_offsets = "
                                                    "\"see_off:0d,greting:2d\": unknown name \"greting\""},
    {"acme.cadence=vip:14", "tenant acme: cadence = \"vip:14\": vip: want a duration"},
    {"acme.risk_factors=high:2d", "tenant acme: risk_factors = \"high:2d\""},
    {"acme.priorities=birthday:9", "tenant acme: priorities = \"birthday:9\""},
    {"acme.holiday_extra=2026-02-30", "tenant acme: holiday_extra = \"2026-02-30\""},
    {"acme.quiet_hours=21:00-25:00", "tenant acme: quiet_hours = \"21:00-25:00\""},
    {"acme.due_time=10h", "tenant acme: due_time = \"10h\""},
    /* a TIMEZONE key: the host's check and wording, not the plugin's */
    {"acme.default_timezone=Mars/Olympus", "tenant acme: setting default_timezone = \"Mars/Olympus\" must be "
                                           "an IANA time zone such as Europe/London or UTC"},
    /* plugin-wide: a bad budget is named as itself, not as budget_vip = "" */
    {"budget=7d:x", "plugin care: budget = \"7d:x\""},
};

static void test_bad_values_refuse_the_start(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_care_settings");
    char database[4096];
    snprintf(database, sizeof database, "--database=%s", conninfo);
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        char flag[512];
        snprintf(flag, sizeof flag, "--plugin.care.%s", refusals[i].flag);
        const char *args[] = {"--plugins=care", "--clock=event", database, flag, NULL};
        const char *facts[] = {"refusing to start", refusals[i].want, NULL};
        rp_test_expect_refusal(args, facts);
    }
    free(conninfo);
}

/* The same overrides, valid: the daemon starts and the tenant's values are
 * in force (its own contact_budget rows once it is seen). */
static void test_good_values_start(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_care_settings_ok");
    PGconn *db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", "--clock=event", "--plugin.care.acme.inbox_interval=15s",
                          "--plugin.care.acme.budget=7d:2", "--plugin.care.acme.holiday_calendar=CN",
                          "--plugin.care.acme.default_timezone=Asia/Shanghai",
                          "--plugin.care.acme.priorities=birthday:1", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    char *reply = rp_test_publish_json(d,
        "{\"id\":\"p1\",\"type\":\"purchase\",\"ts\":1774612800000,\"tenant\":\"acme\","
        "\"customer\":\"c1\",\"data\":{\"order_id\":\"o-1\",\"amount\":1,\"currency\":\"CNY\"}}");
    assert_non_null(reply);
    assert_non_null(strstr(reply, "accepted"));
    free(reply);
    rp_test_wait_idle(db, 30000);
    /* Bought 20:00 in Shanghai: the greeting two days later at 10:00 there */
    assert_int_equal(rp_test_sql_int(db, "SELECT due_ms FROM care_tasks WHERE task_id = 'greeting:c1:order:o-1'"),
                     1774749600000LL);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM contact_budget WHERE tenant = 'acme'"
                                         " AND window_ms = 604800000 AND max_touches = 2"), 6);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_tenants WHERE tenant = 'acme'"
                                         " AND inbox_due_ms = 1774612815000"), 1);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_values_refuse_the_start),
        cmocka_unit_test(test_good_values_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
