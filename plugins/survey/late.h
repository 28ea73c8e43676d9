/*
 * late.h - the event-time rules that make the survey plugin's facts the
 * same whatever order its events arrive in (docs/plugins/survey.md, "Late
 * events and arrival order"; proto/README.md has the policy): which of two
 * events comes first, whether a complaint's clock ran out unmet at its due
 * time, whether an answer handled before its survey went out belongs to it,
 * and what a survey's answer adds to the monthly counts, so a late earlier
 * answer can replace the one recorded with a delta.
 *
 * Pure logic: no host API, unit-tested in tests/plugins/survey/test_late.c.
 */
#ifndef SURVEY_LATE_H
#define SURVEY_LATE_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"

/* Whether event (a_ms, a_id) comes before event (b_ms, b_id) in event time:
 * the smaller time, on a tie the smaller event id. An unknown b (b_ms < 0)
 * comes after every event; an unknown id (a row written before ids were
 * kept) breaks no tie, so on equal times the known one stays. */
bool sv_precedes(int64_t a_ms, const char *a_id, int64_t b_ms, const char *b_id);

/* Whether a complaint's clock that fell due at due_ms ran out unmet: nothing
 * that stops it happened before due_ms. The first-response clock stops at
 * the first response (a resolution counts as one), the resolution clock at
 * the resolution. Times < 0: not (yet) happened. A response at due_ms or
 * later is late, as when the timer fired before it was handled. Also
 * whether a clock re-armed at due_ms may still run out. */
bool sv_clock_unmet(bool first_response_clock, int64_t first_response_ms, int64_t resolved_ms,
                    int64_t due_ms);

/* Whether a survey falling due at send_ms takes over the recorded answer of
 * its id: one recorded as unsolicited (no survey existed when it was
 * handled) at or after send_ms, which with timers fired event_lateness_ms
 * late is an answer to this very survey handled before the survey went out. */
bool sv_adopts_answer(bool unsolicited, int64_t answered_ms, int64_t send_ms);

/* What one answer adds to its month's counts (survey_monthly). */
typedef struct sv_answer_counts {
    int64_t nps_answers, promoters, passives, detractors, csat_answers, csat_sum;
} sv_answer_counts;

sv_answer_counts sv_answer_counts_of(int nps, int csat);

/* new - old, field by field: the correction when an earlier answer replaces
 * the recorded one in the same month. */
sv_answer_counts sv_answer_counts_delta(sv_answer_counts old_counts, sv_answer_counts new_counts);

/* The counts negated: an answer leaving a month. */
sv_answer_counts sv_answer_counts_negate(sv_answer_counts counts);

#endif
