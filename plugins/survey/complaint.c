/*
 * complaint.c - a complaint's deadlines and the detractor rule's complaint
 * (complaint.h).
 */
#include <stdlib.h>
#include <string.h>

#include "complaint.h"

bool sv_complaint_deadlines(const sv_calendar *cal, const sv_sla_table *first_response,
                            const sv_sla_table *resolution, sv_severity severity, int64_t opened_ms,
                            sv_deadlines *out)
{
    return sv_bh_add(cal, opened_ms, first_response->ms[severity], &out->first_response_ms)
           && sv_bh_add(cal, opened_ms, resolution->ms[severity], &out->resolution_ms);
}

bool sv_plan_detractor(const sv_answer_rules *rules, int nps, int csat, const char *survey_id,
                       sv_severity severity, sv_detractor_plan *out)
{
    static const char prefix[] = "survey:";
    out->opens = sv_is_detractor(rules, nps, csat);
    out->severity = severity;
    out->complaint_id = NULL;
    if (!out->opens)
        return true;
    size_t len = strlen(survey_id);
    out->complaint_id = malloc(sizeof prefix + len);
    if (!out->complaint_id)
        return false;
    memcpy(out->complaint_id, prefix, sizeof prefix - 1);
    memcpy(out->complaint_id + sizeof prefix - 1, survey_id, len + 1);
    return true;
}

void sv_plan_free(sv_detractor_plan *plan)
{
    free(plan->complaint_id);
    plan->complaint_id = NULL;
}
