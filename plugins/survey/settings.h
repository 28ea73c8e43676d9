/*
 * settings.h - the survey plugin's settings (ABI 2): the struct the host
 * fills from the typed table in settings.c, once plugin-wide and once per
 * tenant that overrides a key, and the parsed forms settings_check.c adds.
 * The host hands a call its tenant's finished struct (call->settings); it is
 * immutable and lives until shutdown, so nothing here is cached or copied.
 * docs/plugins/survey.md explains every key.
 */
#ifndef SURVEY_SETTINGS_H
#define SURVEY_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "bizhours.h"
#include "holidays.h"
#include "metrics.h"
#include "sla.h"

typedef struct sv_settings {
    /* ---- filled by the host from sv_settings_table ---- */
    const char *tz;                  /* timezone: a zone the host checked */
    const char *business_hours;      /* "HH:MM-HH:MM" */
    rp_list business_days;           /* mon..sun */
    int holidays;                    /* index into sv_holiday_calendars */
    rp_list holidays_extra;          /* YYYY-MM-DD[:name] */
    int64_t purchase_delay_ms, complaint_delay_ms;
    bool quarterly;
    int64_t send_hour;
    const char *channel;
    int64_t fatigue_ms, expiry_ms, max_defer_ms;
    int64_t detractor_nps, detractor_csat, satisfied_nps, satisfied_csat;
    int detractor_severity;          /* an sv_severity */
    const char *sla_first_response, *sla_resolution;
    rp_list escalation_levels;
    int64_t escalation_step_ms;
    double silent_factor;
    int64_t silent_check_ms, silent_watch_ms;

    /* ---- parsed by sv_settings_check (not in the table) ---- */
    int open_minute, close_minute;   /* business_hours */
    unsigned weekdays;               /* business_days as a mask, bit 0 = Sunday */
    const char *holiday_calendar;    /* "none", "UK" or "CN" */
    rp_holiday *extra;               /* holidays_extra, malloc'd (release frees) */
    int extra_count;
    int purchase_delay_days, complaint_delay_days;
    sv_answer_rules rules;
    sv_sla_table first_response, resolution;
    sv_ladder ladder;
} sv_settings;

extern const rp_setting sv_settings_table[];

/* rp_plugin.settings_check and settings_release (settings_check.c). */
int sv_settings_check(void *settings, const char *tenant, char *err, size_t errlen);
void sv_settings_release(void *settings);

/* The tenant's business calendar, with the host's time-zone functions. */
sv_calendar sv_calendar_of(const sv_settings *s, const rp_host_api *api);

#endif
