/*
 * settings.c - the stakeholder plugin's configuration keys and their
 * validation (docs/plugins/stakeholder.md explains each one). The values are
 * plugin-wide: relationship strength means the same thing for every tenant.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "glue.h"

const rp_config_key sh_config_keys[] = {
    {"half_life", RP_CONFIG_DURATION, "30d", "an interaction counts half after this long"},
    {"strength_scale", RP_CONFIG_DOUBLE, "2",
     "recency-weighted interactions that make strength 50 (> 0)"},
    {"adequate_strength", RP_CONFIG_DOUBLE, "40",
     "strength (0..100) at which a tie covers a role; below it the tie is weak"},
    {"weight_contact", RP_CONFIG_DOUBLE, "1", "weight of a contact event (>= 0)"},
    {"weight_care_done", RP_CONFIG_DOUBLE, "1", "weight of a care.done event (>= 0)"},
    {"weight_activity", RP_CONFIG_DOUBLE, "2", "weight of an activity.attended event (>= 0)"},
    {"champion_priority", RP_CONFIG_INT, "1",
     "priority (1 highest .. 5) of the care task created when a champion leaves"},
    {NULL, 0, NULL, NULL},
};

static bool weight(rp_ctx *ctx, const rp_host_api *api, const char *key, double *out, char *err,
                   size_t errlen)
{
    *out = api->config_double(ctx, key);
    if (isfinite(*out) && *out >= 0)
        return true;
    snprintf(err, errlen, "%s %g: expected a number >= 0", key, *out);
    return false;
}

bool sh_settings_load(rp_ctx *ctx, const rp_host_api *api, sh_settings *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->strength.half_life_ms = api->config_duration_ms(ctx, "half_life");
    s->strength.scale = api->config_double(ctx, "strength_scale");
    s->adequate_strength = api->config_double(ctx, "adequate_strength");
    s->champion_priority = api->config_int(ctx, "champion_priority");
    if (s->strength.half_life_ms <= 0) {
        snprintf(err, errlen, "half_life: expected a positive duration like 30d");
        return false;
    }
    if (!(isfinite(s->strength.scale) && s->strength.scale > 0)) {
        snprintf(err, errlen, "strength_scale %g: expected a number > 0", s->strength.scale);
        return false;
    }
    if (!(s->adequate_strength >= 0 && s->adequate_strength < 100)) {
        snprintf(err, errlen, "adequate_strength %g: expected 0 <= value < 100", s->adequate_strength);
        return false;
    }
    if (s->champion_priority < 1 || s->champion_priority > 5) {
        snprintf(err, errlen, "champion_priority %lld: expected 1..5", (long long)s->champion_priority);
        return false;
    }
    return weight(ctx, api, "weight_contact", &s->weight_contact, err, errlen)
        && weight(ctx, api, "weight_care_done", &s->weight_care_done, err, errlen)
        && weight(ctx, api, "weight_activity", &s->weight_activity, err, errlen);
}
