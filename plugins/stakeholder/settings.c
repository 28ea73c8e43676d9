/*
 * settings.c - the stakeholder plugin's configuration keys as a typed table
 * (docs/plugins/stakeholder.md explains each one) and the rules the table
 * cannot express.
 *
 * Every key may be overridden per tenant: each tenant's strengths, gaps,
 * decay timers and care requests are computed from its own rows with its own
 * settings only (stakeholder_orgs records the values each evaluation used),
 * so one tenant's sales cycle or threshold never touches another's data.
 *
 * The host parses and range-checks the values (ranges are inclusive) before
 * anything runs; sh_settings_check adds the strict bounds and the rule
 * across keys, so a bad value refuses the start instead of failing events.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "glue.h"

#define PER_TENANT RP_SETTING_PER_TENANT
#define DAY_MS (24.0 * 3600 * 1000)

const rp_setting sh_settings_table[] = {
    {"half_life", RP_SETTING_DURATION, offsetof(sh_settings, strength.half_life_ms), "30d",
     1, 3650 * DAY_MS, NULL, PER_TENANT, "an interaction counts half after this long"},
    {"strength_scale", RP_SETTING_DOUBLE, offsetof(sh_settings, strength.scale), "2",
     0, 1e6, NULL, PER_TENANT, "recency-weighted interactions that make strength 50 (> 0)"},
    {"adequate_strength", RP_SETTING_DOUBLE, offsetof(sh_settings, adequate_strength), "40",
     0, 100, NULL, PER_TENANT,
     "strength (0 <= value < 100) at which a tie covers a role; below it the tie is weak"},
    {"weight_contact", RP_SETTING_DOUBLE, offsetof(sh_settings, weight_contact), "1",
     0, 1e6, NULL, PER_TENANT, "weight of a contact event"},
    {"weight_care_done", RP_SETTING_DOUBLE, offsetof(sh_settings, weight_care_done), "1",
     0, 1e6, NULL, PER_TENANT, "weight of a care.done event"},
    {"weight_activity", RP_SETTING_DOUBLE, offsetof(sh_settings, weight_activity), "2",
     0, 1e6, NULL, PER_TENANT, "weight of an activity.attended event"},
    {"champion_priority", RP_SETTING_INT, offsetof(sh_settings, champion_priority), "1",
     1, 5, NULL, PER_TENANT,
     "priority (1 highest .. 5) of the care task created when a champion leaves"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

int sh_settings_check(void *settings, const char *tenant, char *err, size_t errlen)
{
    (void)tenant;   /* the host names the tenant in the refusal */
    const sh_settings *s = settings;
    /* strict bounds: the table's ranges are inclusive */
    if (!(s->strength.scale > 0)) {
        snprintf(err, errlen, "strength_scale = %g: must be > 0", s->strength.scale);
        return RP_ERROR;
    }
    if (!(s->adequate_strength < 100)) {
        /* strength is 100 * raw / (raw + scale) < 100: no tie would ever cover a role */
        snprintf(err, errlen, "adequate_strength = %g: must be < 100 (strength never reaches 100)",
                 s->adequate_strength);
        return RP_ERROR;
    }
    if (s->adequate_strength > 0 && s->weight_contact == 0 && s->weight_care_done == 0
        && s->weight_activity == 0) {
        snprintf(err, errlen,
                 "weight_contact, weight_care_done and weight_activity = 0 with adequate_strength = %g:"
                 " no tie could ever cover a role (give one interaction a weight > 0)",
                 s->adequate_strength);
        return RP_ERROR;
    }
    return RP_OK;
}
