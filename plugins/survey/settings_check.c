/*
 * settings_check.c - the composite settings parsed at start (ABI 2
 * settings_check): business hours and days, holiday dates, whole-day
 * delays, the answer rules, the SLA tables and the escalation ladder, and
 * the rules across keys. The host calls it on the plugin-wide struct and on
 * each tenant's, so a bad value, plugin-wide or of one tenant, refuses the
 * start with the key and the value named (the host adds plugin and tenant)
 * instead of failing that tenant's events later.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

#define DAY_MS 86400000LL

typedef struct report {
    char *err;
    size_t errlen;
} report;

static bool refuse(const report *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool refuse(const report *rp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rp->err, rp->errlen, fmt, ap);
    va_end(ap);
    return false;
}

/* A duration as the largest whole unit, for messages about parsed values. */
static void duration_text(char *buf, size_t size, int64_t ms)
{
    static const struct { const char *unit; int64_t ms; } units[] = {
        {"d", DAY_MS}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ms != 0 && ms % units[i].ms == 0) {
            snprintf(buf, size, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return;
        }
    }
    snprintf(buf, size, "%lldms", (long long)ms);
}

static bool whole_days(const report *rp, const char *key, int64_t ms, int *days)
{
    if (ms % DAY_MS != 0) {
        char text[32];
        duration_text(text, sizeof text, ms);
        return refuse(rp, "%s '%s': expected whole days, e.g. 7d", key, text);
    }
    *days = (int)(ms / DAY_MS);
    return true;
}

static bool check_days(const report *rp, sv_settings *s)
{
    s->weekdays = 0;
    for (size_t i = 0; i < s->business_days.count; i++) {
        unsigned day;
        const char *item = s->business_days.items[i];
        if (!sv_parse_weekdays(item, &day))
            return refuse(rp, "business_days '%s': expected sun, mon, tue, wed, thu, fri or sat", item);
        s->weekdays |= day;
    }
    return true;
}

static bool check_holidays(const report *rp, sv_settings *s)
{
    static const char *const calendars[] = {"none", "UK", "CN"};
    if (s->holidays < 0 || s->holidays >= (int)(sizeof calendars / sizeof calendars[0]))
        return refuse(rp, "holidays %d: expected none, UK or CN", s->holidays);
    s->holiday_calendar = calendars[s->holidays];
    s->extra = NULL;
    s->extra_count = 0;
    if (s->holidays_extra.count == 0)
        return true;
    s->extra = calloc(s->holidays_extra.count, sizeof *s->extra);
    if (!s->extra)
        return refuse(rp, "holidays_extra: out of memory");
    for (size_t i = 0; i < s->holidays_extra.count; i++) {
        char why[256];
        const char *item = s->holidays_extra.items[i];
        if (rp_holidays_parse_extra(item, &s->extra[s->extra_count], 1, why, (int)sizeof why) != 1)
            return refuse(rp, "holidays_extra '%s': %s", item, why);
        s->extra_count++;
    }
    return true;
}

static bool check_calendar(const report *rp, sv_settings *s)
{
    if (!sv_parse_hours(s->business_hours, &s->open_minute, &s->close_minute))
        return refuse(rp, "business_hours '%s': expected HH:MM-HH:MM with opening before closing",
                      s->business_hours ? s->business_hours : "");
    return check_days(rp, s) && check_holidays(rp, s);
}

static bool check_surveys(const report *rp, sv_settings *s)
{
    if (!whole_days(rp, "purchase_delay", s->purchase_delay_ms, &s->purchase_delay_days)
        || !whole_days(rp, "complaint_delay", s->complaint_delay_ms, &s->complaint_delay_days))
        return false;
    if (!s->channel || !*s->channel)
        return refuse(rp, "channel '': must not be empty");
    /* the table bounds each of them to a few units */
    s->rules = (sv_answer_rules){(int)s->detractor_nps, (int)s->detractor_csat, (int)s->satisfied_nps,
                                 (int)s->satisfied_csat};
    if (s->satisfied_nps <= s->detractor_nps)
        return refuse(rp, "satisfied_nps %lld: must be above detractor_nps (%lld)", (long long)s->satisfied_nps,
                      (long long)s->detractor_nps);
    return true;
}

static bool check_complaints(const report *rp, sv_settings *s)
{
    char why[256];
    if (s->detractor_severity < 0 || s->detractor_severity >= SV_SEV_COUNT)
        return refuse(rp, "detractor_severity %d: expected low, normal, high or critical", s->detractor_severity);
    if (!sv_sla_parse(s->sla_first_response, &s->first_response, why, sizeof why))
        return refuse(rp, "sla_first_response '%s': %s", s->sla_first_response ? s->sla_first_response : "", why);
    if (!sv_sla_parse(s->sla_resolution, &s->resolution, why, sizeof why))
        return refuse(rp, "sla_resolution '%s': %s", s->sla_resolution ? s->sla_resolution : "", why);
    if (!sv_ladder_from_names(s->escalation_levels.items, s->escalation_levels.count, &s->ladder, why,
                              sizeof why))
        return refuse(rp, "escalation_levels: %s", why);
    return true;
}

static bool check_silent(const report *rp, const sv_settings *s)
{
    if (!(s->silent_factor > 0 && s->silent_factor < 1))
        return refuse(rp, "silent_factor %g: expected a number strictly between 0 and 1", s->silent_factor);
    return true;
}

int sv_settings_check(void *settings, const char *tenant, char *err, size_t errlen)
{
    (void)tenant;   /* the host names it in its message */
    sv_settings *s = settings;
    report rp = {err, errlen};
    bool ok = check_calendar(&rp, s) && check_surveys(&rp, s) && check_complaints(&rp, s)
              && check_silent(&rp, s);
    if (ok)
        return RP_OK;
    sv_settings_release(s);   /* nothing half-parsed stays behind */
    return RP_ERROR;
}

void sv_settings_release(void *settings)
{
    sv_settings *s = settings;
    free(s->extra);
    s->extra = NULL;
    s->extra_count = 0;
}

sv_calendar sv_calendar_of(const sv_settings *s, const rp_host_api *api)
{
    return (sv_calendar){
        .tz = s->tz,
        .open_minute = s->open_minute,
        .close_minute = s->close_minute,
        .weekdays = s->weekdays,
        .holidays = s->holiday_calendar,
        .extra = s->extra,
        .extra_count = s->extra_count,
        .to_local = api->to_local,
        .from_local = api->from_local,
    };
}
