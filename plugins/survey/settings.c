/*
 * settings.c - the survey plugin's settings table (ABI 2): type, default,
 * range and help of every key; the host parses and range-checks them at
 * start, plugin-wide and for each TENANT.KEY override, and settings_check.c
 * parses the composite values. Every key is a tenant's policy (its zone,
 * hours, delays, thresholds, ladder), so every key may be overridden per
 * tenant. The table in docs/plugins/survey.md repeats these words.
 */
#include <stddef.h>

#include "settings.h"

#define DAY_MS 86400000.0
#define TEN_YEARS_MS (3650 * DAY_MS)
#define T RP_SETTING_PER_TENANT

static const char *const holiday_calendars[] = {"none", "UK", "CN", NULL};
static const char *const severities[] = {"low", "normal", "high", "critical", NULL};   /* sv_severity order */

#define KEY(name, type, field, def, lo, hi, help) \
    {name, type, offsetof(sv_settings, field), def, lo, hi, NULL, T, help}

const rp_setting sv_settings_table[] = {
    KEY("timezone", RP_SETTING_TIMEZONE, tz, "UTC", 0, 0,
        "the tenant's IANA time zone (business hours, months, default for customers)"),
    KEY("business_hours", RP_SETTING_STRING, business_hours, "09:00-17:00", 0, 0,
        "opening hours of a working day, local time, HH:MM-HH:MM"),
    KEY("business_days", RP_SETTING_LIST, business_days, "mon,tue,wed,thu,fri", 1, 7,
        "working weekdays (sun, mon, tue, wed, thu, fri, sat)"),
    {"holidays", RP_SETTING_ENUM, offsetof(sv_settings, holidays), "none", 0, 0, holiday_calendars, T,
     "holiday calendar of the business hours: none, UK or CN"},
    KEY("holidays_extra", RP_SETTING_LIST, holidays_extra, "", 0, RP_HOLIDAYS_MAX_EXTRA,
        "extra non-working dates YYYY-MM-DD[:name]"),
    KEY("purchase_delay", RP_SETTING_DURATION, purchase_delay_ms, "7d", 0, TEN_YEARS_MS,
        "survey this many calendar days (whole days) after a purchase"),
    KEY("complaint_delay", RP_SETTING_DURATION, complaint_delay_ms, "1d", 0, TEN_YEARS_MS,
        "survey this many calendar days (whole days) after a resolved complaint"),
    KEY("quarterly", RP_SETTING_BOOL, quarterly, "true", 0, 0,
        "survey the core group on the first day of each quarter"),
    KEY("send_hour", RP_SETTING_INT, send_hour, "10", 0, 23, "local hour at which surveys go out"),
    KEY("channel", RP_SETTING_STRING, channel, "email", 0, 0, "channel named in survey.requested"),
    KEY("fatigue", RP_SETTING_DURATION, fatigue_ms, "30d", 0, TEN_YEARS_MS,
        "at most one survey per customer in this window"),
    KEY("expiry", RP_SETTING_DURATION, expiry_ms, "14d", 0, TEN_YEARS_MS,
        "an unanswered survey expires after this"),
    KEY("max_defer", RP_SETTING_DURATION, max_defer_ms, "14d", 0, TEN_YEARS_MS,
        "a survey the contact budget keeps deferring is dropped after this"),
    KEY("detractor_nps", RP_SETTING_INT, detractor_nps, "6", -1, 10, "NPS at or below: detractor (-1: never)"),
    KEY("detractor_csat", RP_SETTING_INT, detractor_csat, "2", 0, 5, "CSAT at or below: detractor (0: never)"),
    KEY("satisfied_nps", RP_SETTING_INT, satisfied_nps, "9", 0, 11,
        "NPS at or above: satisfied (silent-churn watch); above detractor_nps"),
    KEY("satisfied_csat", RP_SETTING_INT, satisfied_csat, "4", 1, 6,
        "CSAT at or above: satisfied (silent-churn watch)"),
    {"detractor_severity", RP_SETTING_ENUM, offsetof(sv_settings, detractor_severity), "high", 0, 0,
     severities, T, "severity of complaints opened for detractors"},
    KEY("sla_first_response", RP_SETTING_STRING, sla_first_response, "low=24h,normal=8h,high=4h,critical=1h",
        0, 0, "business time to the first response, per severity (SEVERITY=N(h|m),...)"),
    KEY("sla_resolution", RP_SETTING_STRING, sla_resolution, "low=120h,normal=40h,high=16h,critical=8h", 0,
        0, "business time to resolution, per severity (SEVERITY=N(h|m),...)"),
    KEY("escalation_levels", RP_SETTING_LIST, escalation_levels, "owner,manager,director", 2, SV_LEVELS_MAX,
        "escalation ladder, lowest first"),
    KEY("escalation_step", RP_SETTING_DURATION, escalation_step_ms, "4h", 1, TEN_YEARS_MS,
        "business time between escalations of one complaint"),
    KEY("silent_factor", RP_SETTING_DOUBLE, silent_factor, "0.5", 0, 1,
        "silent churn when p_alive or expected purchases fall to this share (strictly between 0 and 1)"),
    KEY("silent_check", RP_SETTING_DURATION, silent_check_ms, "30d", 1, TEN_YEARS_MS,
        "check a satisfied answer's customer this long after it, then again"),
    KEY("silent_watch", RP_SETTING_DURATION, silent_watch_ms, "180d", 0, TEN_YEARS_MS,
        "stop watching a satisfied answer after this"),
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};
