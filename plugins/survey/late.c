/*
 * late.c - event-time order rules for late events (late.h).
 */
#include <string.h>

#include "late.h"

bool sv_precedes(int64_t a_ms, const char *a_id, int64_t b_ms, const char *b_id)
{
    if (b_ms < 0)
        return a_ms >= 0;
    if (a_ms != b_ms)
        return a_ms < b_ms;
    return a_id && b_id && strcmp(a_id, b_id) < 0;
}

/* Whether the event at ms (< 0: none) happened before due_ms. */
static bool before(int64_t ms, int64_t due_ms)
{
    return ms >= 0 && ms < due_ms;
}

bool sv_clock_unmet(bool first_response_clock, int64_t first_response_ms, int64_t resolved_ms,
                    int64_t due_ms)
{
    if (before(resolved_ms, due_ms))
        return false;
    return !(first_response_clock && before(first_response_ms, due_ms));
}

bool sv_adopts_answer(bool unsolicited, int64_t answered_ms, int64_t send_ms)
{
    return unsolicited && answered_ms >= 0 && answered_ms >= send_ms;
}

sv_answer_counts sv_answer_counts_of(int nps, int csat)
{
    sv_nps_class cls = sv_nps_classify(nps);
    return (sv_answer_counts){
        .nps_answers = cls != SV_NPS_NONE,
        .promoters = cls == SV_NPS_PROMOTER,
        .passives = cls == SV_NPS_PASSIVE,
        .detractors = cls == SV_NPS_DETRACTOR,
        .csat_answers = csat != SV_NO_SCORE,
        .csat_sum = csat != SV_NO_SCORE ? csat : 0,
    };
}

sv_answer_counts sv_answer_counts_delta(sv_answer_counts o, sv_answer_counts n)
{
    return (sv_answer_counts){
        .nps_answers = n.nps_answers - o.nps_answers,
        .promoters = n.promoters - o.promoters,
        .passives = n.passives - o.passives,
        .detractors = n.detractors - o.detractors,
        .csat_answers = n.csat_answers - o.csat_answers,
        .csat_sum = n.csat_sum - o.csat_sum,
    };
}

sv_answer_counts sv_answer_counts_negate(sv_answer_counts c)
{
    return sv_answer_counts_delta(c, (sv_answer_counts){0});
}
