/*
 * budget.c - choosing the contact-budget rules in force, the earliest
 * instant a touch fits them, and the fatigue limit (budget.h).
 */
#include <stdlib.h>
#include <string.h>

#include "budget.h"

#define DAY_MS 86400000LL

static bool rows_match(const sv_budget_row *row, const char *tenant, const char *tier)
{
    return strcmp(row->tenant, tenant) == 0 && strcmp(row->tier, tier) == 0;
}

static bool any_row(const sv_budget_row *rows, size_t n, const char *tenant, const char *tier)
{
    for (size_t i = 0; i < n; i++)
        if (rows_match(&rows[i], tenant, tier))
            return true;
    return false;
}

static bool any_tenant_row(const sv_budget_row *rows, size_t n, const char *tenant)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].tenant, tenant) == 0)
            return true;
    return false;
}

size_t sv_budget_select(const sv_budget_row *rows, size_t nrows, const char *tenant,
                        const char *tier, sv_budget_rule *out, size_t max)
{
    const char *use_tenant = any_tenant_row(rows, nrows, tenant) ? tenant : "*";
    const char *use_tier = tier && any_row(rows, nrows, use_tenant, tier) ? tier : "*";
    size_t n = 0;
    for (size_t i = 0; i < nrows && n < max; i++)
        if (rows_match(&rows[i], use_tenant, use_tier) && rows[i].window_ms > 0)
            out[n++] = (sv_budget_rule){rows[i].window_ms, rows[i].max_touches};
    if (n > 0 || max < 2)
        return n;
    /* No row applies: the care plugin's documented defaults. */
    out[0] = (sv_budget_rule){7 * DAY_MS, 1};
    out[1] = (sv_budget_rule){30 * DAY_MS, 4};
    return 2;
}

static int cmp_ms(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Touches in (at - window, at] under one rule; when that is max or more,
 * the instant the window has room again: when the (count - max + 1)-th
 * oldest of them leaves it. sorted is ascending. */
static int64_t rule_next_free(const sv_budget_rule *rule, const int64_t *sorted, size_t n, int64_t at)
{
    if (rule->max_touches <= 0)
        return INT64_MAX;
    size_t first = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        if (sorted[i] > at - rule->window_ms && sorted[i] <= at) {
            if (count == 0)
                first = i;
            count++;
        }
    }
    if ((int64_t)count < rule->max_touches)
        return at;
    size_t leaving = first + (count - (size_t)rule->max_touches);
    return sorted[leaving] + rule->window_ms;
}

int64_t sv_budget_next_free(const sv_budget_rule *rules, size_t nrules,
                            const int64_t *touches, size_t ntouches, int64_t at_ms)
{
    int64_t *sorted = malloc((ntouches ? ntouches : 1) * sizeof *sorted);
    if (!sorted)
        return INT64_MAX;
    if (ntouches)
        memcpy(sorted, touches, ntouches * sizeof *sorted);
    qsort(sorted, ntouches, sizeof *sorted, cmp_ms);
    int64_t at = at_ms;
    /* Moving past one rule's full window may fill another's; iterate until
     * every rule agrees (bounded: each step moves past at least one touch). */
    for (size_t round = 0; round <= ntouches + 1; round++) {
        int64_t latest = at;
        for (size_t r = 0; r < nrules && latest != INT64_MAX; r++) {
            int64_t free_at = rule_next_free(&rules[r], sorted, ntouches, at);
            if (free_at > latest)
                latest = free_at;
        }
        if (latest == at || latest == INT64_MAX) {
            at = latest;
            break;
        }
        at = latest;
    }
    free(sorted);
    return at;
}

bool sv_fatigue_allows(int64_t last_survey_ms, int64_t at_ms, int64_t fatigue_ms)
{
    return last_survey_ms < 0 || at_ms - last_survey_ms >= fatigue_ms;
}
