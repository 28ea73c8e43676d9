/*
 * complaint.h - what a complaint is owed when it opens: its two deadlines
 * in business time, and, for a survey answer, whether it opens a complaint
 * at all (a detractor does, seed 002) and under which id and severity.
 *
 * Pure logic apart from the time-zone functions inside the calendar.
 */
#ifndef SURVEY_COMPLAINT_H
#define SURVEY_COMPLAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bizhours.h"
#include "metrics.h"
#include "sla.h"

typedef struct sv_deadlines {
    int64_t first_response_ms, resolution_ms;
} sv_deadlines;

/* The first-response and resolution deadlines of a complaint of severity
 * opened at opened_ms; false if the calendar has no business hours. */
bool sv_complaint_deadlines(const sv_calendar *cal, const sv_sla_table *first_response,
                            const sv_sla_table *resolution, sv_severity severity, int64_t opened_ms,
                            sv_deadlines *out);

typedef struct sv_detractor_plan {
    bool opens;                 /* false: not a detractor, nothing to open */
    char *complaint_id;         /* "survey:" + survey id (malloc'd) when it opens, else NULL */
    sv_severity severity;
} sv_detractor_plan;

/* Whether the answer opens a complaint, and which. Survey ids have no
 * length limit (the wire allows any string), so the complaint id is
 * allocated: false only when out of memory. Free with sv_plan_free. */
bool sv_plan_detractor(const sv_answer_rules *rules, int nps, int csat, const char *survey_id,
                       sv_severity severity, sv_detractor_plan *out);
void sv_plan_free(sv_detractor_plan *plan);

#endif
