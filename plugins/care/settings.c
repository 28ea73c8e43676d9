/*
 * settings.c - the care plugin's settings table, and the check that turns
 * its complex values into their parsed forms before anything runs (see
 * settings.h). Every key may be overridden per tenant: each is a business
 * rule of the tenant (its customers' clocks, budgets, calendar), and each
 * was honoured per tenant under ABI 1 too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localday.h"
#include "rapport/rp_text.h"
#include "settings.h"

#define DAY 86400000.0
#define PT RP_SETTING_PER_TENANT
#define SLOT(field) offsetof(cr_settings, field)

const char *const cr_tier_names[CR_TIERS] = {"vip", "key", "ordinary", "small", "potential"};
const char *const cr_holiday_calendars[] = {"UK", "CN", "none", NULL};

static const char *const tier_names_null[] = {"vip", "key", "ordinary", "small", "potential", NULL};
static const char *const follow_ups[] = {"see_off", "greeting", "usage_check", NULL};

const rp_setting cr_setting_table[] = {
    {"default_timezone", RP_SETTING_TIMEZONE, SLOT(default_tz), "UTC", 0, 0, NULL, PT,
     "IANA time zone of customers without one"},
    {"due_time", RP_SETTING_STRING, SLOT(due_time), "10:00", 0, 0, NULL, PT,
     "local time of day tasks are due (HH:MM)"},
    {"quiet_hours", RP_SETTING_STRING, SLOT(quiet_hours), "21:00-09:00", 0, 0, NULL, PT,
     "local hours without outreach (HH:MM-HH:MM, may wrap midnight; equal ends: none)"},
    {"purchase_offsets", RP_SETTING_STRING, SLOT(purchase_offsets_text),
     "see_off:0d,greeting:2d,usage_check:7d", 0, 0, NULL, PT,
     "KIND:DAYS of each follow-up after a purchase (see_off at the purchase itself when 0)"},
    {"cadence", RP_SETTING_STRING, SLOT(cadence_text),
     "vip:14d,key:21d,ordinary:30d,small:60d,potential:90d", 0, 0, NULL, PT,
     "TIER:DURATION regular contact interval per tier"},
    {"risk_factors", RP_SETTING_STRING, SLOT(risk_factors_text),
     "high:0.5,medium:0.75,low:1,unknown:1", 0, 0, NULL, PT,
     "RISK:FACTOR cadence multiplier per churn-risk level"},
    {"min_cadence", RP_SETTING_DURATION, SLOT(min_cadence_ms), "3d", 3600e3, 3650 * DAY, NULL, PT,
     "shortest regular-contact interval"},
    {"budget", RP_SETTING_STRING, SLOT(budget_text), "7d:1,30d:4", 0, 0, NULL, PT,
     "contact budget WINDOW:MAX_TOUCHES,... (at most 4 windows)"},
    {"budget_vip", RP_SETTING_STRING, SLOT(tier_budget_text[0]), "", 0, 0, NULL, PT,
     "budget of tier vip (empty: budget)"},
    {"budget_key", RP_SETTING_STRING, SLOT(tier_budget_text[1]), "", 0, 0, NULL, PT,
     "budget of tier key (empty: budget)"},
    {"budget_ordinary", RP_SETTING_STRING, SLOT(tier_budget_text[2]), "", 0, 0, NULL, PT,
     "budget of tier ordinary (empty: budget)"},
    {"budget_small", RP_SETTING_STRING, SLOT(tier_budget_text[3]), "", 0, 0, NULL, PT,
     "budget of tier small (empty: budget)"},
    {"budget_potential", RP_SETTING_STRING, SLOT(tier_budget_text[4]), "", 0, 0, NULL, PT,
     "budget of tier potential (empty: budget)"},
    {"budget_exempt_kinds", RP_SETTING_LIST, SLOT(exempt_kinds), "see_off,greeting,usage_check",
     0, 0, NULL, PT, "kinds placed even over budget (they still count as touches)"},
    {"exempt_priority", RP_SETTING_INT, SLOT(exempt_priority), "1", 0, 5, NULL, PT,
     "priorities 1..N are never held back by the budget (0: none)"},
    {"merge_window", RP_SETTING_DURATION, SLOT(merge_window_ms), "3d", 0, 365 * DAY, NULL, PT,
     "an over-budget task merges with a care task this close"},
    {"priorities", RP_SETTING_STRING, SLOT(priorities_text), "", 0, 0, NULL, PT,
     "KIND:PRIORITY,... (1..5) overriding the built-in priorities"},
    {"lookahead", RP_SETTING_DURATION, SLOT(lookahead_ms), "14d", 0, 366 * DAY, NULL, PT,
     "special days and holidays are planned this far ahead"},
    {"holiday_calendar", RP_SETTING_ENUM, SLOT(holiday_calendar), "UK", 0, 0, cr_holiday_calendars,
     PT, "public holidays greeted"},
    {"holiday_extra", RP_SETTING_STRING, SLOT(holiday_extra_text), "", 0, 0, NULL, PT,
     "extra holidays YYYY-MM-DD[:name],..."},
    {"holiday_tiers", RP_SETTING_LIST, SLOT(holiday_tiers), "vip,key,ordinary", 0, CR_TIERS, NULL,
     PT, "tiers greeted on holidays"},
    {"consent_default", RP_SETTING_BOOL, SLOT(consent_default), "true", 0, 0, NULL, PT,
     "consent assumed for customers who never stated it"},
    {"inbox_interval", RP_SETTING_DURATION, SLOT(inbox_ms), "15m", 1000, 7 * DAY, NULL, PT,
     "how often care_requests are taken (engine time)"},
    {"task_window", RP_SETTING_DURATION, SLOT(window_ms), "2d", 0, 365 * DAY, NULL, PT,
     "how long after its due time a task may still be done before it expires"},
    {"campaign_max", RP_SETTING_INT, SLOT(campaign_max), "10000", 0, 1000000, NULL, PT,
     "most customers one campaign invites"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* The refusal: the key and the text as given, then why (the host adds the
 * plugin and the tenant). */
static bool refuse(char *err, size_t errlen, const char *key, const char *text, const char *why)
{
    snprintf(err, errlen, "%s = \"%s\": %s", key, text, why);
    return false;
}

static bool check_pairs(const char *key, const char *text, cr_pairs *out, char *err, size_t errlen)
{
    char why[256];
    return cr_pairs_parse(text, out, why, sizeof why) || refuse(err, errlen, key, text, why);
}

static bool check_timing(cr_settings *s, char *err, size_t errlen)
{
    char why[256];
    if (!cr_parse_hhmm(s->due_time, &s->due_minute))
        return refuse(err, errlen, "due_time", s->due_time, "want HH:MM");
    if (!cr_parse_quiet_hours(s->quiet_hours, &s->quiet_start, &s->quiet_end, why, sizeof why))
        return refuse(err, errlen, "quiet_hours", s->quiet_hours, why);
    if (!check_pairs("purchase_offsets", s->purchase_offsets_text, &s->purchase_offsets, err, errlen))
        return false;
    if (!cr_pairs_names_in(&s->purchase_offsets, follow_ups, why, sizeof why))
        return refuse(err, errlen, "purchase_offsets", s->purchase_offsets_text, why);
    return true;
}

static bool check_cadence(cr_settings *s, char *err, size_t errlen)
{
    char why[256];
    if (!check_pairs("cadence", s->cadence_text, &s->cadence.tier_interval, err, errlen))
        return false;
    if (!cr_pairs_names_in(&s->cadence.tier_interval, tier_names_null, why, sizeof why)
        || !cr_pairs_durations(&s->cadence.tier_interval, why, sizeof why))
        return refuse(err, errlen, "cadence", s->cadence_text, why);
    if (!check_pairs("risk_factors", s->risk_factors_text, &s->cadence.risk_factor, err, errlen))
        return false;
    if (!cr_pairs_numbers(&s->cadence.risk_factor, 0.01, 100, false, why, sizeof why))
        return refuse(err, errlen, "risk_factors", s->risk_factors_text, why);
    s->cadence.min_interval_ms = s->min_cadence_ms;
    return true;
}

/* A tier without its own budget uses `budget`, and a bad one is reported
 * under `budget` (ABI 1 named budget_vip with an empty value). */
static bool check_budgets(cr_settings *s, char *err, size_t errlen)
{
    char why[256];
    for (int i = 0; i < CR_TIERS; i++) {
        const char *own = s->tier_budget_text[i];
        const char *text = own && *own ? own : s->budget_text;
        char key[32] = "budget";
        if (own && *own)
            snprintf(key, sizeof key, "budget_%s", cr_tier_names[i]);
        if (!cr_parse_budget(text, &s->budgets[i], why, sizeof why))
            return refuse(err, errlen, key, text, why);
        s->budgets[i].merge_window_ms = s->merge_window_ms;
        s->budgets[i].exempt_priority = (int)s->exempt_priority;
    }
    s->budget_rows = cr_budget_rows_text(s->budgets);
    if (!s->budget_rows)
        snprintf(err, errlen, "out of memory");
    return s->budget_rows != NULL;
}

static bool check_holidays(cr_settings *s, char *err, size_t errlen)
{
    char why[256];
    for (size_t i = 0; i < s->holiday_tiers.count; i++) {
        bool known = false;
        for (int t = 0; t < CR_TIERS; t++)
            known |= strcmp(s->holiday_tiers.items[i], cr_tier_names[t]) == 0;
        if (!known) {
            snprintf(why, sizeof why, "unknown tier \"%s\" (tiers: vip, key, ordinary, small, potential)",
                     s->holiday_tiers.items[i]);
            return refuse(err, errlen, "holiday_tiers", s->holiday_tiers.items[i], why);
        }
    }
    s->holiday_extra = calloc(RP_HOLIDAYS_MAX_EXTRA, sizeof *s->holiday_extra);
    if (!s->holiday_extra) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    s->holiday_extra_count = rp_holidays_parse_extra(s->holiday_extra_text, s->holiday_extra,
                                                     RP_HOLIDAYS_MAX_EXTRA, why, (int)sizeof why);
    if (s->holiday_extra_count < 0)
        return refuse(err, errlen, "holiday_extra", s->holiday_extra_text, why);
    return true;
}

int cr_settings_check(void *settings, const char *tenant, char *err, size_t errlen)
{
    (void)tenant;       /* the host names it in the message */
    cr_settings *s = settings;
    char why[256];
    if (!check_timing(s, err, errlen) || !check_cadence(s, err, errlen)
        || !check_budgets(s, err, errlen) || !check_holidays(s, err, errlen))
        return RP_ERROR;
    if (!check_pairs("priorities", s->priorities_text, &s->priorities, err, errlen))
        return RP_ERROR;
    if (!cr_pairs_numbers(&s->priorities, 1, 5, true, why, sizeof why)) {
        refuse(err, errlen, "priorities", s->priorities_text, why);
        return RP_ERROR;
    }
    return RP_OK;
}

void cr_settings_release(void *settings)
{
    cr_settings *s = settings;
    free(s->holiday_extra);
    free(s->budget_rows);
    s->holiday_extra = NULL;
    s->budget_rows = NULL;
}

char *cr_budget_rows_text(const cr_budget_policy budgets[CR_TIERS])
{
    rp_text t = {0};
    for (int i = 0; i < CR_TIERS; i++) {
        rp_text_printf(&t, "%s%s=", i ? ";" : "", cr_tier_names[i]);
        for (size_t w = 0; w < budgets[i].count; w++)
            rp_text_printf(&t, "%s%lld:%d", w ? "," : "", (long long)budgets[i].windows[w].window_ms,
                           budgets[i].windows[w].max_touches);
    }
    const char *text = rp_text_get(&t);
    char *copy = text ? strdup(text) : NULL;
    rp_text_free(&t);
    return copy;
}

const cr_budget_policy *cr_settings_budget(const cr_settings *s, const char *tier)
{
    for (int i = 0; tier && i < CR_TIERS; i++)
        if (strcmp(tier, cr_tier_names[i]) == 0)
            return &s->budgets[i];
    return &s->budgets[CR_TIERS - 1];
}

const char *cr_settings_calendar(const cr_settings *s)
{
    return cr_holiday_calendars[s->holiday_calendar];
}

bool cr_list_has(const rp_list *list, const char *name)
{
    for (size_t i = 0; name && i < list->count; i++)
        if (strcmp(list->items[i], name) == 0)
            return true;
    return false;
}
