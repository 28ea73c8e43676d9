/*
 * test_settings.c - a bad survey setting refuses the start of the real
 * rapportd (ABI 2: the host parses the typed table and the plugin's
 * settings_check parses the composite values, for every TENANT.KEY
 * override, before anything runs), with a message naming the key, the
 * tenant and the value. Under ABI 1 these started cleanly and failed the
 * tenant's first events (or, for a value the plugin read as text, were
 * taken wrongly). One bad value of each type, and of each composite key;
 * a run that does start is stopped after 20 s and fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rp_test.h"

typedef struct bad {
    const char *key, *value;   /* of tenant acme, unless plugin-wide */
    const char *named;         /* the (bad part of the) value the message shows */
    bool plugin_wide;
} bad;

static const bad cases[] = {
    {"fatigue", "15x", "15x", false},                                   /* DURATION */
    {"purchase_delay", "36h", "36h", false},                            /* whole days */
    {"send_hour", "24", "24", false},                                   /* INT range */
    {"satisfied_nps", "5", "5", false},                                 /* INT, across keys */
    {"silent_factor", "1", "1", false},                                 /* DOUBLE */
    {"quarterly", "perhaps", "perhaps", false},                         /* BOOL */
    {"holidays", "XX", "XX", false},                                    /* ENUM */
    {"detractor_severity", "urgent", "urgent", false},                  /* ENUM */
    {"business_days", "mon,funday", "funday", false},                   /* LIST item */
    {"holidays_extra", "2026-13-01", "2026-13-01", false},              /* LIST item */
    {"escalation_levels", "owner", "owner", false},                     /* LIST count */
    {"timezone", "Mars/Olympus", "Mars/Olympus", false},                /* TIMEZONE */
    {"business_hours", "17:00-09:00", "17:00-09:00", false},            /* STRING: hours */
    {"sla_first_response", "low=24h,normal=8x,high=4h,critical=1h", "normal=8x", false}, /* table */
    {"sla_resolution", "low=120h", "low=120h", false},                  /* STRING: table */
    {"business_hours", "9-5", "9-5", true},                             /* plugin-wide */
};

static void survey_bad_values_refuse_the_start(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad *b = &cases[i];
        char flag[256];
        snprintf(flag, sizeof flag, "--plugin.survey.%s%s=%s", b->plugin_wide ? "" : "acme.", b->key, b->value);
        printf("%s\n", flag);
        /* the message names the key, the tenant and the (bad part of the) value */
        const char *args[] = {"--plugins=survey", flag, NULL};
        const char *facts[] = {b->key, b->named, b->plugin_wide ? "survey" : "acme", NULL};
        rp_test_expect_refusal(args, facts);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(survey_bad_values_refuse_the_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
