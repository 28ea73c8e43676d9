/*
 * settings.c - the survey plugin's configuration keys and their per-tenant
 * resolution ("<tenant>.<key>" overrides "<key>"), parsed once per tenant.
 * docs/plugins/survey.md explains each key.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

#define DAY_MS 86400000LL

const rp_config_key sv_config_keys[] = {
    {"timezone", RP_CONFIG_STRING, "UTC", "the tenant's time zone (business hours, months, default for customers)"},
    {"business_hours", RP_CONFIG_STRING, "09:00-17:00", "opening hours of a working day, local time"},
    {"business_days", RP_CONFIG_STRING, "mon,tue,wed,thu,fri", "working weekdays"},
    {"holidays", RP_CONFIG_STRING, "none", "holiday calendar: UK, CN or none"},
    {"holidays_extra", RP_CONFIG_STRING, "", "extra non-working dates YYYY-MM-DD[:name],..."},
    {"purchase_delay", RP_CONFIG_DURATION, "7d", "survey this many calendar days after a purchase"},
    {"complaint_delay", RP_CONFIG_DURATION, "1d", "survey this many calendar days after a resolved complaint"},
    {"quarterly", RP_CONFIG_BOOL, "true", "survey the core group on the first day of each quarter"},
    {"send_hour", RP_CONFIG_INT, "10", "local hour at which surveys go out (0..23)"},
    {"channel", RP_CONFIG_STRING, "email", "channel named in survey.requested"},
    {"fatigue", RP_CONFIG_DURATION, "30d", "at most one survey per customer in this window"},
    {"expiry", RP_CONFIG_DURATION, "14d", "an unanswered survey expires after this"},
    {"max_defer", RP_CONFIG_DURATION, "14d", "a survey the contact budget keeps deferring is dropped after this"},
    {"detractor_nps", RP_CONFIG_INT, "6", "NPS at or below: detractor"},
    {"detractor_csat", RP_CONFIG_INT, "2", "CSAT at or below: detractor"},
    {"satisfied_nps", RP_CONFIG_INT, "9", "NPS at or above: satisfied (silent-churn watch)"},
    {"satisfied_csat", RP_CONFIG_INT, "4", "CSAT at or above: satisfied (silent-churn watch)"},
    {"detractor_severity", RP_CONFIG_STRING, "high", "severity of complaints opened for detractors"},
    {"sla_first_response", RP_CONFIG_STRING, "low=24h,normal=8h,high=4h,critical=1h",
     "business time to the first response, per severity"},
    {"sla_resolution", RP_CONFIG_STRING, "low=120h,normal=40h,high=16h,critical=8h",
     "business time to resolution, per severity"},
    {"escalation_levels", RP_CONFIG_STRING, "owner,manager,director", "escalation ladder, lowest first"},
    {"escalation_step", RP_CONFIG_DURATION, "4h", "business time between escalations of one complaint"},
    {"silent_factor", RP_CONFIG_DOUBLE, "0.5", "silent churn when p_alive or expected purchases fall to this share (0..1)"},
    {"silent_check", RP_CONFIG_DURATION, "30d", "check a satisfied answer's customer this long after it, then again"},
    {"silent_watch", RP_CONFIG_DURATION, "180d", "stop watching a satisfied answer after this"},
    {NULL, 0, NULL, NULL},
};

typedef struct reader {
    rp_ctx *ctx;
    const rp_host_api *api;
    const char *tenant;
    char *err;
    size_t errlen;
} reader;

static const char *text_of(const reader *rd, const char *key)
{
    const char *t = rd->api->config_tenant_string(rd->ctx, rd->tenant, key);
    return t ? t : "";
}

static bool bad(const reader *rd, const char *key, const char *rule)
{
    snprintf(rd->err, rd->errlen, "%s '%s' (%s%s): %s", key, text_of(rd, key),
             rd->tenant[0] ? "tenant " : "plugin-wide", rd->tenant, rule);
    return false;
}

/* "7d", "4h", "90m", "30s", "250ms" into ms. */
static bool duration(const reader *rd, const char *key, int64_t *ms)
{
    const char *t = text_of(rd, key);
    char *end;
    errno = 0;
    double v = strtod(t, &end);
    double unit = strcmp(end, "d") == 0 ? 86400e3 : strcmp(end, "h") == 0 ? 3600e3
                : strcmp(end, "m") == 0 ? 60e3 : strcmp(end, "s") == 0 ? 1e3
                : strcmp(end, "ms") == 0 ? 1 : -1;
    if (errno || end == t || unit < 0 || !(v >= 0) || v * unit > 9e15)
        return bad(rd, key, "expected a duration like 7d, 4h or 90m");
    *ms = (int64_t)llround(v * unit);
    return true;
}

static bool integer(const reader *rd, const char *key, long lo, long hi, int *out)
{
    const char *t = text_of(rd, key);
    char *end;
    errno = 0;
    long v = strtol(t, &end, 10);
    if (errno || end == t || *end || v < lo || v > hi) {
        char rule[64];
        snprintf(rule, sizeof rule, "expected an integer in %ld..%ld", lo, hi);
        return bad(rd, key, rule);
    }
    *out = (int)v;
    return true;
}

static bool whole_days(const reader *rd, const char *key, int *days)
{
    int64_t ms;
    if (!duration(rd, key, &ms))
        return false;
    if (ms % DAY_MS != 0 || ms / DAY_MS > 3650)
        return bad(rd, key, "expected whole days, e.g. 7d");
    *days = (int)(ms / DAY_MS);
    return true;
}

static bool copy_text(const reader *rd, const char *key, char *buf, size_t size)
{
    const char *t = text_of(rd, key);
    if (strlen(t) >= size || !*t)
        return bad(rd, key, "empty or too long");
    snprintf(buf, size, "%s", t);
    return true;
}

static bool load_calendar(const reader *rd, sv_settings *s)
{
    rp_local_time probe;
    if (!copy_text(rd, "timezone", s->tz, sizeof s->tz) || !rd->api->to_local(s->tz, 0, &probe))
        return bad(rd, "timezone", "not a known IANA time zone");
    if (!sv_parse_hours(text_of(rd, "business_hours"), &s->cal.open_minute, &s->cal.close_minute))
        return bad(rd, "business_hours", "expected HH:MM-HH:MM with opening before closing");
    if (!sv_parse_weekdays(text_of(rd, "business_days"), &s->cal.weekdays))
        return bad(rd, "business_days", "expected a list of sun,mon,tue,wed,thu,fri,sat");
    if (!copy_text(rd, "holidays", s->holidays, sizeof s->holidays) || !rp_holidays_known(s->holidays))
        return bad(rd, "holidays", "expected UK, CN or none");
    char why[256];
    int n = rp_holidays_parse_extra(text_of(rd, "holidays_extra"), s->extra, RP_HOLIDAYS_MAX_EXTRA,
                                    why, sizeof why);
    if (n < 0)
        return bad(rd, "holidays_extra", why);
    s->cal.tz = s->tz;
    s->cal.holidays = s->holidays;
    s->cal.extra = s->extra;
    s->cal.extra_count = n;
    s->cal.to_local = rd->api->to_local;
    s->cal.from_local = rd->api->from_local;
    return true;
}

static bool load_surveys(const reader *rd, sv_settings *s)
{
    if (!whole_days(rd, "purchase_delay", &s->purchase_delay_days)
        || !whole_days(rd, "complaint_delay", &s->complaint_delay_days)
        || !integer(rd, "send_hour", 0, 23, &s->send_hour)
        || !copy_text(rd, "channel", s->channel, sizeof s->channel)
        || !duration(rd, "fatigue", &s->fatigue_ms)
        || !duration(rd, "expiry", &s->expiry_ms)
        || !duration(rd, "max_defer", &s->max_defer_ms)
        || !integer(rd, "detractor_nps", -1, 10, &s->rules.detractor_nps_max)
        || !integer(rd, "detractor_csat", 0, 5, &s->rules.detractor_csat_max)
        || !integer(rd, "satisfied_nps", 0, 11, &s->rules.satisfied_nps_min)
        || !integer(rd, "satisfied_csat", 1, 6, &s->rules.satisfied_csat_min))
        return false;
    const char *q = text_of(rd, "quarterly");
    s->quarterly = strcmp(q, "true") == 0 || strcmp(q, "yes") == 0 || strcmp(q, "on") == 0
                   || strcmp(q, "1") == 0;
    if (s->rules.satisfied_nps_min <= s->rules.detractor_nps_max)
        return bad(rd, "satisfied_nps", "must be above detractor_nps");
    return true;
}

static bool load_complaints(const reader *rd, sv_settings *s)
{
    char why[256];
    if (!sv_severity_parse(text_of(rd, "detractor_severity"), &s->detractor_severity))
        return bad(rd, "detractor_severity", "expected low, normal, high or critical");
    if (!sv_sla_parse(text_of(rd, "sla_first_response"), &s->first_response, why, sizeof why))
        return bad(rd, "sla_first_response", why);
    if (!sv_sla_parse(text_of(rd, "sla_resolution"), &s->resolution, why, sizeof why))
        return bad(rd, "sla_resolution", why);
    if (!sv_ladder_parse(text_of(rd, "escalation_levels"), &s->ladder, why, sizeof why))
        return bad(rd, "escalation_levels", why);
    if (!duration(rd, "escalation_step", &s->escalation_step_ms) || s->escalation_step_ms <= 0)
        return bad(rd, "escalation_step", "expected a positive duration like 4h");
    return true;
}

static bool load_silent(const reader *rd, sv_settings *s)
{
    const char *t = text_of(rd, "silent_factor");
    char *end;
    s->silent_factor = strtod(t, &end);
    if (end == t || *end || !isfinite(s->silent_factor) || s->silent_factor <= 0 || s->silent_factor >= 1)
        return bad(rd, "silent_factor", "expected a number between 0 and 1 (exclusive)");
    if (!duration(rd, "silent_check", &s->silent_check_ms) || s->silent_check_ms <= 0)
        return bad(rd, "silent_check", "expected a positive duration like 30d");
    return duration(rd, "silent_watch", &s->silent_watch_ms);
}

bool sv_settings_load(rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                      sv_settings *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    reader rd = {ctx, api, tenant, err, errlen};
    if (strlen(tenant) >= sizeof s->tenant) {
        snprintf(err, errlen, "tenant id '%s' too long", tenant);
        return false;
    }
    snprintf(s->tenant, sizeof s->tenant, "%s", tenant);
    return load_calendar(&rd, s) && load_surveys(&rd, s) && load_complaints(&rd, s)
           && load_silent(&rd, s);
}
