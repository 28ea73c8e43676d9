/*
 * complaint.c - a complaint's deadlines and the detractor rule's complaint
 * (complaint.h).
 */
#include <stdio.h>

#include "complaint.h"

bool sv_complaint_deadlines(const sv_calendar *cal, const sv_sla_table *first_response,
                            const sv_sla_table *resolution, sv_severity severity, int64_t opened_ms,
                            sv_deadlines *out)
{
    return sv_bh_add(cal, opened_ms, first_response->ms[severity], &out->first_response_ms)
           && sv_bh_add(cal, opened_ms, resolution->ms[severity], &out->resolution_ms);
}

void sv_plan_detractor(const sv_answer_rules *rules, int nps, int csat, const char *survey_id,
                       sv_severity severity, sv_detractor_plan *out)
{
    out->opens = sv_is_detractor(rules, nps, csat);
    out->severity = severity;
    snprintf(out->complaint_id, sizeof out->complaint_id, "survey:%s", out->opens ? survey_id : "");
}
