/*
 * budget.h - may we survey this customer now? The fatigue limit (at most one
 * survey per customer per fatigue window) and the care plugin's contact
 * budget (contract table contact_budget, docs/plugins/contracts.md): at most
 * max_touches contact_ledger rows in any window of window_ms ending at the
 * touch.
 *
 * Budget rows are chosen like every reader of the contract does: the rows of
 * the customer's tenant if there are any, else tenant '*'; among those, the
 * rows of the customer's tier if any, else tier '*'. With no rows at all the
 * defaults apply (1 touch per 7 days, 4 per 30 days).
 *
 * Pure logic, no I/O.
 */
#ifndef SURVEY_BUDGET_H
#define SURVEY_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SV_BUDGET_MAX_RULES 16

typedef struct sv_budget_row {
    const char *tenant, *tier;   /* as stored; '*' = any */
    int64_t window_ms;
    int64_t max_touches;
} sv_budget_row;

typedef struct sv_budget_rule {
    int64_t window_ms;
    int64_t max_touches;
} sv_budget_rule;

/* The rules in force for (tenant, tier) out of the rows read; returns how
 * many were written to out (the defaults when no row applies). */
size_t sv_budget_select(const sv_budget_row *rows, size_t nrows, const char *tenant,
                        const char *tier, sv_budget_rule *out, size_t max);

/* Earliest instant >= at_ms at which one more touch fits every rule, given
 * the customer's touches (any order). Returns at_ms when it fits now. */
int64_t sv_budget_next_free(const sv_budget_rule *rules, size_t nrules,
                            const int64_t *touches, size_t ntouches, int64_t at_ms);

/* Fatigue: a survey at at_ms is allowed if the last survey (last_ms < 0:
 * none) was at least fatigue_ms before. */
bool sv_fatigue_allows(int64_t last_survey_ms, int64_t at_ms, int64_t fatigue_ms);

#endif
