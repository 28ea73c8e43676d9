/*
 * settings.h - the care plugin's settings: the struct the host fills from
 * the typed table (settings.c), one per tenant with overrides and one
 * plugin-wide, plus the forms settings_check parses the complex values into
 * (offsets, cadence, budgets, priorities, holidays, quiet hours). After
 * the check a struct never changes until shutdown, so the glue keeps
 * pointers to it. docs/plugins/care.md explains each key.
 *
 * No host API here: the checks are pure, so they are unit-tested without
 * a host. default_timezone is a TIMEZONE key: the host checks it.
 */
#ifndef CARE_SETTINGS_H
#define CARE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"
#include "budget.h"
#include "cadence.h"
#include "holidays.h"
#include "pairs.h"

#define CR_TIERS 5
extern const char *const cr_tier_names[CR_TIERS];
extern const char *const cr_holiday_calendars[];    /* the ENUM's choices */

typedef struct cr_settings {
    /* Filled by the host from cr_setting_table. */
    const char *default_tz;
    const char *due_time;
    const char *quiet_hours;
    const char *purchase_offsets_text;
    const char *cadence_text;
    const char *risk_factors_text;
    int64_t min_cadence_ms;
    const char *budget_text;
    const char *tier_budget_text[CR_TIERS];   /* "" = budget_text */
    rp_list exempt_kinds;
    int64_t exempt_priority;
    int64_t merge_window_ms;
    const char *priorities_text;
    int64_t lookahead_ms;
    int holiday_calendar;                     /* index into cr_holiday_calendars */
    const char *holiday_extra_text;
    rp_list holiday_tiers;
    bool consent_default;                     /* consent when the customer gave none */
    int64_t inbox_ms;                         /* inbox_interval */
    int64_t window_ms;                        /* task_window: due -> window end */
    int64_t campaign_max;

    /* Parsed by cr_settings_check; freed by cr_settings_release. */
    int due_minute;                           /* local time of day tasks are due */
    int quiet_start, quiet_end;               /* minutes of the local day */
    cr_pairs purchase_offsets;                /* see_off / greeting / usage_check */
    cr_cadence cadence;
    cr_budget_policy budgets[CR_TIERS];       /* per tier, cr_tier_names order */
    cr_pairs priorities;                      /* kind -> priority overrides */
    rp_holiday *holiday_extra;                /* malloc'd */
    int holiday_extra_count;
    char *budget_rows;                        /* canonical text of budgets (malloc'd) */
} cr_settings;

extern const rp_setting cr_setting_table[];

/* settings_check and settings_release of the descriptor. */
int cr_settings_check(void *settings, const char *tenant, char *err, size_t errlen);
void cr_settings_release(void *settings);

/* The budget of a tier (unknown tiers: potential). */
const cr_budget_policy *cr_settings_budget(const cr_settings *s, const char *tier);
const char *cr_settings_calendar(const cr_settings *s);
/* Whether a name is one of the list's items. */
bool cr_list_has(const rp_list *list, const char *name);
/* "tier=window:max,...;..." of every tier: equal texts, equal budgets
 * (malloc'd; NULL when out of memory). */
char *cr_budget_rows_text(const cr_budget_policy budgets[CR_TIERS]);

/* ---- settings_parse.c: the complex values, each false with why ---- */
bool cr_parse_quiet_hours(const char *text, int *start, int *end, char *why, size_t len);
/* WINDOW:MAX_TOUCHES,... (at most CR_BUDGET_WINDOWS). */
bool cr_parse_budget(const char *text, cr_budget_policy *out, char *why, size_t len);
/* Every name of p among allowed (NULL-terminated). */
bool cr_pairs_names_in(const cr_pairs *p, const char *const *allowed, char *why, size_t len);
/* Every value a duration (with a unit). */
bool cr_pairs_durations(const cr_pairs *p, char *why, size_t len);
/* Every value a plain number (no unit) in [min, max], whole if asked. */
bool cr_pairs_numbers(const cr_pairs *p, double min, double max, bool whole, char *why, size_t len);

#endif
