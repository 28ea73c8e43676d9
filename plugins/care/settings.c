/*
 * settings.c - the care plugin's configuration keys and their per-tenant
 * resolution ("<tenant>.<key>" overrides "<key>"), parsed once per tenant.
 * docs/plugins/care.md explains each key.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "glue.h"

const char *const cr_tier_names[CR_TIERS] = {"vip", "key", "ordinary", "small", "potential"};

const rp_config_key cr_config_keys[] = {
    {"default_timezone", RP_CONFIG_STRING, "UTC", "time zone of customers without one"},
    {"due_time", RP_CONFIG_STRING, "10:00", "local time of day tasks are due (HH:MM)"},
    {"quiet_hours", RP_CONFIG_STRING, "21:00-09:00",
     "local hours without outreach (HH:MM-HH:MM, may wrap midnight; equal ends: none)"},
    {"purchase_offsets", RP_CONFIG_STRING, "see_off:0d,greeting:2d,usage_check:7d",
     "days after a purchase of each follow-up (see_off at the purchase itself when 0)"},
    {"cadence", RP_CONFIG_STRING, "vip:14d,key:21d,ordinary:30d,small:60d,potential:90d",
     "regular contact interval per tier"},
    {"risk_factors", RP_CONFIG_STRING, "high:0.5,medium:0.75,low:1,unknown:1",
     "cadence multiplier per churn-risk level"},
    {"min_cadence", RP_CONFIG_STRING, "3d", "shortest regular-contact interval"},
    {"budget", RP_CONFIG_STRING, "7d:1,30d:4", "contact budget WINDOW:MAX_TOUCHES,..."},
    {"budget_vip", RP_CONFIG_STRING, "", "budget of tier vip (empty: budget)"},
    {"budget_key", RP_CONFIG_STRING, "", "budget of tier key (empty: budget)"},
    {"budget_ordinary", RP_CONFIG_STRING, "", "budget of tier ordinary (empty: budget)"},
    {"budget_small", RP_CONFIG_STRING, "", "budget of tier small (empty: budget)"},
    {"budget_potential", RP_CONFIG_STRING, "", "budget of tier potential (empty: budget)"},
    {"budget_exempt_kinds", RP_CONFIG_STRING, "see_off,greeting,usage_check",
     "kinds placed even over budget (they still count as touches)"},
    {"exempt_priority", RP_CONFIG_STRING, "1", "priorities 1..N are never held back by the budget"},
    {"merge_window", RP_CONFIG_STRING, "3d", "an over-budget task merges with a care task this close"},
    {"priorities", RP_CONFIG_STRING, "", "KIND:PRIORITY,... overriding the built-in priorities"},
    {"lookahead", RP_CONFIG_STRING, "14d", "special days and holidays are planned this far ahead"},
    {"holiday_calendar", RP_CONFIG_STRING, "UK", "UK, CN or none"},
    {"holiday_extra", RP_CONFIG_STRING, "", "extra holidays YYYY-MM-DD[:name],..."},
    {"holiday_tiers", RP_CONFIG_STRING, "vip,key,ordinary", "tiers greeted on holidays"},
    {"consent_default", RP_CONFIG_STRING, "true",
     "consent assumed for customers who never stated it (true/false)"},
    {"inbox_interval", RP_CONFIG_STRING, "15m", "how often care_requests are taken (engine time)"},
    {"task_window", RP_CONFIG_STRING, "2d",
     "how long after its due time a task may still be done before it expires (care.task_overdue)"},
    {"campaign_max", RP_CONFIG_STRING, "10000", "most customers one campaign invites"},
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

static bool bad(const reader *rd, const char *key, const char *why)
{
    snprintf(rd->err, rd->errlen, "%s = \"%s\": %s", key, text_of(rd, key), why);
    return false;
}

static bool duration(const reader *rd, const char *key, int64_t *ms)
{
    double v;
    if (!cr_parse_duration(text_of(rd, key), &v) || v > 9e15)
        return bad(rd, key, "want a duration like 15m, 3d");
    *ms = (int64_t)llround(v);
    return true;
}

static bool integer(const reader *rd, const char *key, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v = strtoll(text_of(rd, key), &end, 10);
    if (end == text_of(rd, key) || *end || v < min || v > max)
        return bad(rd, key, "want a whole number in range");
    *out = v;
    return true;
}

static bool pairs(const reader *rd, const char *key, cr_pairs *out)
{
    char why[256];
    if (!cr_pairs_parse(text_of(rd, key), out, why, sizeof why))
        return bad(rd, key, why);
    return true;
}

/* ",a,b," so a kind or tier is found with strstr(",kind,"). */
static bool name_set(const reader *rd, const char *key, char *out, size_t size)
{
    const char *t = text_of(rd, key);
    if (strlen(t) + 3 > size)
        return bad(rd, key, "list too long");
    snprintf(out, size, ",%s,", t);
    for (char *p = out; *p; p++)
        if (*p == ' ')
            *p = ',';
    return true;
}

static bool quiet_hours(const reader *rd, cr_settings *s)
{
    const char *t = text_of(rd, "quiet_hours");
    char a[6], b[6];
    if (strlen(t) != 11 || t[5] != '-')
        return bad(rd, "quiet_hours", "want HH:MM-HH:MM");
    memcpy(a, t, 5);
    a[5] = '\0';
    memcpy(b, t + 6, 5);
    b[5] = '\0';
    if (!cr_parse_hhmm(a, &s->quiet_start) || !cr_parse_hhmm(b, &s->quiet_end))
        return bad(rd, "quiet_hours", "want HH:MM-HH:MM");
    return true;
}

static bool budget(const reader *rd, const char *key, cr_budget_policy *out)
{
    const char *t = text_of(rd, key);
    if (!*t)
        t = text_of(rd, "budget");
    char why[256];
    cr_pairs p;
    if (!cr_pairs_parse(t, &p, why, sizeof why))
        return bad(rd, key, why);
    if (p.count > CR_BUDGET_WINDOWS)
        return bad(rd, key, "at most 4 windows");
    out->count = p.count;
    for (size_t i = 0; i < p.count; i++) {
        double window;
        if (!cr_parse_duration(p.items[i].name, &window) || window <= 0 || p.items[i].has_unit
            || p.items[i].value != floor(p.items[i].value))
            return bad(rd, key, "want WINDOW:MAX_TOUCHES, e.g. 7d:1");
        out->windows[i] = (cr_window){(int64_t)llround(window), (int)p.items[i].value};
    }
    return true;
}

static bool budgets(const reader *rd, cr_settings *s)
{
    int64_t merge_ms, exempt;
    if (!duration(rd, "merge_window", &merge_ms) || !integer(rd, "exempt_priority", 0, 5, &exempt))
        return false;
    for (int i = 0; i < CR_TIERS; i++) {
        char key[32];
        snprintf(key, sizeof key, "budget_%s", cr_tier_names[i]);
        if (!budget(rd, key, &s->budgets[i]))
            return false;
        s->budgets[i].merge_window_ms = merge_ms;
        s->budgets[i].exempt_priority = (int)exempt;
    }
    return true;
}

static bool holidays(const reader *rd, cr_settings *s)
{
    snprintf(s->holiday_calendar, sizeof s->holiday_calendar, "%s", text_of(rd, "holiday_calendar"));
    if (!rp_holidays_known(s->holiday_calendar))
        return bad(rd, "holiday_calendar", "want UK, CN or none");
    char why[256];
    s->holiday_extra_count = rp_holidays_parse_extra(text_of(rd, "holiday_extra"), s->holiday_extra,
                                                     RP_HOLIDAYS_MAX_EXTRA, why, sizeof why);
    if (s->holiday_extra_count < 0)
        return bad(rd, "holiday_extra", why);
    return name_set(rd, "holiday_tiers", s->holiday_tiers, sizeof s->holiday_tiers);
}

static bool consent_default(const reader *rd, bool *out)
{
    const char *t = text_of(rd, "consent_default");
    if (strcasecmp(t, "true") == 0 || strcasecmp(t, "yes") == 0 || strcmp(t, "1") == 0)
        *out = true;
    else if (strcasecmp(t, "false") == 0 || strcasecmp(t, "no") == 0 || strcmp(t, "0") == 0)
        *out = false;
    else
        return bad(rd, "consent_default", "want true or false");
    return true;
}

static bool timing(const reader *rd, cr_settings *s)
{
    snprintf(s->default_tz, sizeof s->default_tz, "%s", text_of(rd, "default_timezone"));
    rp_local_time probe;
    if (!rd->api->to_local(s->default_tz, 0, &probe))
        return bad(rd, "default_timezone", "unknown time zone");
    if (!cr_parse_hhmm(text_of(rd, "due_time"), &s->due_minute))
        return bad(rd, "due_time", "want HH:MM");
    return quiet_hours(rd, s) && pairs(rd, "purchase_offsets", &s->purchase_offsets)
           && duration(rd, "lookahead", &s->lookahead_ms)
           && duration(rd, "inbox_interval", &s->inbox_ms)
           && duration(rd, "task_window", &s->window_ms);
}

bool cr_settings_load(rp_ctx *ctx, const rp_host_api *api, const char *tenant, cr_settings *out,
                      char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    snprintf(out->tenant, sizeof out->tenant, "%s", tenant);
    reader rd = {ctx, api, tenant, err, errlen};
    if (!timing(&rd, out) || !pairs(&rd, "cadence", &out->cadence.tier_interval)
        || !pairs(&rd, "risk_factors", &out->cadence.risk_factor)
        || !duration(&rd, "min_cadence", &out->cadence.min_interval_ms) || !budgets(&rd, out)
        || !name_set(&rd, "budget_exempt_kinds", out->exempt_kinds, sizeof out->exempt_kinds)
        || !pairs(&rd, "priorities", &out->priorities) || !holidays(&rd, out)
        || !consent_default(&rd, &out->consent_default)
        || !integer(&rd, "campaign_max", 0, 1000000, &out->campaign_max))
        return false;
    if (out->inbox_ms < 1000)
        return bad(&rd, "inbox_interval", "at least 1s");
    return true;
}

const cr_budget_policy *cr_settings_budget(const cr_settings *s, const char *tier)
{
    for (int i = 0; tier && i < CR_TIERS; i++)
        if (strcmp(tier, cr_tier_names[i]) == 0)
            return &s->budgets[i];
    return &s->budgets[CR_TIERS - 1];
}

static bool write_tier(rp_ctx *ctx, const rp_host_api *api, const cr_budget_policy *b,
                       const char *tenant, const char *tier)
{
    for (size_t w = 0; w < b->count; w++) {
        char window[24], max[24];
        const char *p[] = {tenant, tier, cr_i64(window, b->windows[w].window_ms),
                           cr_i64(max, b->windows[w].max_touches)};
        if (api->db_defer(ctx, "INSERT INTO contact_budget (tenant, tier, window_ms, max_touches)"
                               " VALUES ($1, $2, $3, $4)", 4, p) != RP_OK)
            return false;
    }
    return true;
}

/* Rows per tier, plus tier '*' (the potential budget: what applies to a
 * customer no plugin has placed yet). Replaced as a whole so removed
 * windows disappear. */
bool cr_settings_write_budget(rp_ctx *ctx, const rp_host_api *api, const cr_settings *s,
                              const char *tenant)
{
    const char *p[] = {tenant};
    if (api->db_defer(ctx, "DELETE FROM contact_budget WHERE tenant = $1", 1, p) != RP_OK)
        return false;
    for (int i = 0; i < CR_TIERS; i++)
        if (!write_tier(ctx, api, &s->budgets[i], tenant, cr_tier_names[i]))
            return false;
    return write_tier(ctx, api, &s->budgets[CR_TIERS - 1], tenant, "*");
}
