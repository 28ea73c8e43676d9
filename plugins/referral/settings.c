/*
 * settings.c - the referral plugin's settings table and the check that
 * parses its compound values (settings.h). Every key is a business rule of
 * one tenant's referral programme, so every key may be overridden per
 * tenant. docs/plugins/referral.md explains each key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

#define DAY_MS 86400000.0
#define PER_TENANT RP_SETTING_PER_TENANT

static const char *const attribution_choices[] = {"direct", "decay", NULL};
static const rf_attribution_mode attribution_modes[] = {RF_ATTR_DIRECT, RF_ATTR_DECAY};

const rp_setting rf_settings_table[] = {
    {.key = "conversion_window", .type = RP_SETTING_DURATION,
     .offset = offsetof(rf_settings, window_ms), .default_value = "90d",
     .min = 0, .max = 3650 * DAY_MS, .flags = PER_TENANT,
     .help = "a first purchase this long after the referral still converts it"},
    {.key = "conversion_grace", .type = RP_SETTING_DURATION,
     .offset = offsetof(rf_settings, grace_ms), .default_value = "1d",
     .min = 0, .max = 365 * DAY_MS, .flags = PER_TENANT,
     .help = "a first purchase this long before the referral still converts it"},
    {.key = "max_depth", .type = RP_SETTING_INT,
     .offset = offsetof(rf_settings, max_depth), .default_value = "32",
     .min = 1, .max = 1000, .flags = PER_TENANT,
     .help = "deepest allowed referral chain; deeper links are refused"},
    {.key = "influence_decay", .type = RP_SETTING_DOUBLE,
     .offset = offsetof(rf_settings, influence.decay), .default_value = "0.5",
     .min = 0, .max = 1, .flags = PER_TENANT,
     .help = "influence weight kept per step down the chain (> 0, <= 1)"},
    {.key = "influence_revenue_weight", .type = RP_SETTING_DOUBLE,
     .offset = offsetof(rf_settings, influence.revenue_weight), .default_value = "1",
     .min = 0, .max = 1000, .flags = PER_TENANT,
     .help = "weight of a referee's revenue in influence"},
    {.key = "influence_revenue_unit", .type = RP_SETTING_DOUBLE,
     .offset = offsetof(rf_settings, influence.revenue_unit), .default_value = "1000",
     .min = 0, .max = 1e15, .flags = PER_TENANT,
     .help = "revenue adding 1 x weight on a log2 scale (> 0)"},
    {.key = "key_people_top", .type = RP_SETTING_INT,
     .offset = offsetof(rf_settings, top), .default_value = "10",
     .min = 0, .max = 10000, .flags = PER_TENANT,
     .help = "size of the key-people set"},
    {.key = "key_people_min", .type = RP_SETTING_DOUBLE,
     .offset = offsetof(rf_settings, top_min), .default_value = "3",
     .min = 0, .max = 1e15, .flags = PER_TENANT,
     .help = "minimum influence of a key person"},
    {.key = "key_people_every", .type = RP_SETTING_DURATION,
     .offset = offsetof(rf_settings, cut_every_ms), .default_value = "1d",
     .min = 60000, .max = 366 * DAY_MS, .flags = PER_TENANT,
     .help = "the key people are recomputed on the tenant clock at every multiple of this "
             "since the epoch (1d: every UTC midnight)"},
    {.key = "reward_rules", .type = RP_SETTING_LIST,
     .offset = offsetof(rf_settings, reward_rules), .default_value = "",
     .min = 0, .max = RF_MAX_RULES, .flags = PER_TENANT,
     .help = "TRIGGER:SIDES:AMOUNT,... with TRIGGER conversion | spend>=X | referrals>=N and "
             "SIDES referrer | referee | both; empty: no rewards"},
    {.key = "burst_max", .type = RP_SETTING_INT,
     .offset = offsetof(rf_settings, fraud.burst_max), .default_value = "5",
     .min = 0, .max = 1e9, .flags = PER_TENANT,
     .help = "referrals per burst_window before the next is flagged; 0 disables"},
    {.key = "burst_window", .type = RP_SETTING_DURATION,
     .offset = offsetof(rf_settings, fraud.burst_window_ms), .default_value = "1d",
     .min = 0, .max = 365 * DAY_MS, .flags = PER_TENANT,
     .help = "window of the burst guard"},
    {.key = "attribution", .type = RP_SETTING_ENUM,
     .offset = offsetof(rf_settings, attribution_choice), .default_value = "direct",
     .choices = attribution_choices, .flags = PER_TENANT,
     .help = "revenue attribution: direct (the referrer) or decay (up the chain)"},
    {.key = "attribution_decay", .type = RP_SETTING_DOUBLE,
     .offset = offsetof(rf_settings, attribution.decay), .default_value = "0.5",
     .min = 0, .max = 1, .flags = PER_TENANT,
     .help = "share ratio per level up the chain, decay mode (> 0, <= 1)"},
    {.key = "attribution_levels", .type = RP_SETTING_INT,
     .offset = offsetof(rf_settings, attribution_levels), .default_value = "3",
     .min = 1, .max = 1000, .flags = PER_TENANT,
     .help = "levels credited, decay mode"},
    {.key = "default_timezone", .type = RP_SETTING_TIMEZONE,
     .offset = offsetof(rf_settings, default_tz), .default_value = "UTC", .flags = PER_TENANT,
     .help = "IANA time zone of referees without one"},
    {.key = "affinity_pairs", .type = RP_SETTING_LIST,
     .offset = offsetof(rf_settings, affinity_pairs), .default_value = rf_affinity_default,
     .min = 0, .max = RF_MAX_PAIRS, .flags = PER_TENANT,
     .help = "PROFESSION:PROFESSION,... professions or industries that can do business "
             "together (suggested introductions); empty: none"},
    {.key = "introductions_per_customer", .type = RP_SETTING_INT,
     .offset = offsetof(rf_settings, intros_per_customer), .default_value = "3",
     .min = 0, .max = 100, .flags = PER_TENANT,
     .help = "suggested introductions kept per customer whose profession or industry "
             "changed; 0 disables"},
    {.key = NULL},
};

/* The list's items joined with commas again: the pure parsers read the
 * comma-separated text (and name the offending item in their message).
 * NULL when memory ran out. */
static char *joined(const rp_list *l)
{
    size_t len = 1;
    for (size_t i = 0; i < l->count; i++)
        len += strlen(l->items[i]) + 1;
    char *out = malloc(len);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0, at = 0; i < l->count; i++) {
        size_t n = strlen(l->items[i]);
        if (i)
            out[at++] = ',';
        memcpy(out + at, l->items[i], n + 1);
        at += n;
    }
    return out;
}

/* A list parsed by `parse`; the message names the key and the value. */
static int parse_list(const char *key, const rp_list *l, void *out, char *err, size_t errlen,
                      bool (*parse)(const char *, void *, char *, size_t))
{
    char *text = joined(l);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", key);
        return RP_ERROR;
    }
    char why[512];
    int rc = RP_OK;
    if (!parse(text, out, why, sizeof why)) {
        snprintf(err, errlen, "setting %s = \"%s\": %s", key, text, why);
        rc = RP_ERROR;
    }
    free(text);
    return rc;
}

static bool parse_rewards(const char *text, void *out, char *why, size_t len)
{
    return rf_rewards_parse(text, out, why, len);
}

static bool parse_pairs(const char *text, void *out, char *why, size_t len)
{
    return rf_affinity_parse(text, out, why, len);
}

/* Open lower bounds (> 0) the table's inclusive ranges cannot express. */
static int positive(const char *key, double v, char *err, size_t errlen)
{
    if (v > 0)
        return RP_OK;
    snprintf(err, errlen, "setting %s = \"%g\" must be greater than 0", key, v);
    return RP_ERROR;
}

int rf_settings_check(void *settings, const char *tenant, char *err, size_t errlen)
{
    (void)tenant; /* every tenant's struct is checked alike; the host names it */
    rf_settings *s = settings;
    if (positive("influence_decay", s->influence.decay, err, errlen) != RP_OK
        || positive("influence_revenue_unit", s->influence.revenue_unit, err, errlen) != RP_OK
        || positive("attribution_decay", s->attribution.decay, err, errlen) != RP_OK)
        return RP_ERROR;
    if (s->attribution_choice < 0 || s->attribution_choice > 1) {
        snprintf(err, errlen, "attribution: choice %d out of range", s->attribution_choice);
        return RP_ERROR;
    }
    s->attribution.mode = attribution_modes[s->attribution_choice];
    s->attribution.levels = (size_t)s->attribution_levels;
    if (parse_list("reward_rules", &s->reward_rules, &s->rewards, err, errlen, parse_rewards)
        != RP_OK)
        return RP_ERROR;
    return parse_list("affinity_pairs", &s->affinity_pairs, &s->affinity, err, errlen,
                      parse_pairs);
}
