/*
 * surveyplan.h - when the survey plugin will ask one customer for each of
 * their surveys, so that the synthetic customers answer the surveys the
 * plugin actually sends, after it sends them.
 *
 * A model of the plugin's documented defaults (docs/plugins/survey.md) for
 * one customer; the caller computes when each survey first falls due
 * (a purchase's on the 7th local day after it at 10:00, a resolved
 * complaint's on the next local day at 10:00) and which touches of the care
 * plugin are in the contact ledger. When a send timer fires:
 *   - fatigue: suppressed if a survey was requested less than 30 days
 *     before (a survey sent, or an unsolicited answer, which the plugin
 *     records as a request at its time);
 *   - contact budget 7d:1, 30d:4 over the ledger (each window (at - w, at]
 *     must hold fewer than its maximum): if one is full, the send waits
 *     until every window has room, and is suppressed if that is more than
 *     14 days (max_defer) after its first due time;
 *   - otherwise it is sent, and is a touch itself; a detractor's answer to
 *     it adds the care follow-up the plugin requests (priority 1, placed
 *     at the answer).
 * Timers fire in time order, after events at the same instant, as in the
 * broker's event-time replay.
 */
#ifndef RP_SYNTH_SURVEYPLAN_H
#define RP_SYNTH_SURVEYPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNTH_SURVEY_NOT_SENT (-1)

typedef struct synth_survey {
    int64_t due_ms;                 /* first due time */
    bool answers;                   /* the customer answers it if it is sent ... */
    int64_t answer_delay_ms;        /* ... this long after */
    bool detractor;                 /* and that answer is a detractor's */
    int64_t sent_ms;                /* out: the request, or SYNTH_SURVEY_NOT_SENT */
    bool tied;                      /* out: sent, but another survey was due at the same
                                       instant and the plugin may send that one instead
                                       (timers due together fire in no set order) */
} synth_survey;

typedef struct synth_survey_customer {
    synth_survey *surveys;
    size_t survey_count;
    const int64_t *touches;         /* the care plugin's ledger rows */
    size_t touch_count;
    const int64_t *requests;        /* unsolicited answers (requests at their time) */
    size_t request_count;
} synth_survey_customer;

/* Fills sent_ms and tied of every survey. False on OOM. */
bool synth_survey_plan(synth_survey_customer *customer);

#endif
