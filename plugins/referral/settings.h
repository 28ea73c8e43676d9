/*
 * settings.h - the referral plugin's settings: the typed table the host
 * parses (plugin-wide and per tenant, before anything runs) into
 * rf_settings (the host also checks the default time zone, a TIMEZONE
 * key), and the check that parses the compound values (reward rules,
 * affinity pairs, the attribution mode) into the same struct, so a bad
 * value refuses the start instead of failing events.
 *
 * The host owns every rf_settings it fills; they are immutable and live
 * until shutdown, so a run keeps a pointer to its tenant's.
 * docs/plugins/referral.md lists the keys.
 */
#ifndef REFERRAL_SETTINGS_H
#define REFERRAL_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "affinity.h"
#include "attribution.h"
#include "fraud.h"
#include "influence.h"
#include "rewards.h"

typedef struct rf_settings {
    /* Filled by the host from rf_settings_table. */
    int64_t window_ms, grace_ms;        /* conversion_window, conversion_grace */
    int64_t max_depth;
    rf_influence_params influence;      /* influence_decay, _revenue_weight, _revenue_unit */
    int64_t top;                        /* key_people_top */
    double top_min;                     /* key_people_min */
    int64_t cut_every_ms;               /* key_people_every */
    rp_list reward_rules;               /* items TRIGGER:SIDES:AMOUNT */
    rf_fraud_rules fraud;               /* burst_max, burst_window */
    int attribution_choice;             /* index into the attribution choices */
    rf_attribution_rule attribution;    /* .decay from attribution_decay; the rest by check */
    int64_t attribution_levels;
    const char *default_tz;             /* default_timezone, checked by the host */
    rp_list affinity_pairs;             /* items A:B */
    int64_t intros_per_customer;

    /* Parsed by rf_settings_check from the fields above. */
    rf_reward_rules rewards;
    rf_affinity affinity;
} rf_settings;

extern const rp_setting rf_settings_table[];

/* The descriptor's settings_check: ranges the table cannot say (open lower
 * bounds) and the compound values. The message names the key and its
 * value; the host adds the plugin and the tenant. */
int rf_settings_check(void *settings, const char *tenant, char *err, size_t errlen);

#endif
