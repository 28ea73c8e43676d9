/*
 * metrics.h - the survey arithmetic: classifying answers (promoter,
 * passive, detractor; satisfied), NPS, mean CSAT and response rate.
 *
 * NPS is the share of promoters (9..10) minus the share of detractors
 * (0..6) among answers that carry an NPS, in points from -100 to 100.
 * A detractor for complaint purposes is configurable separately (an answer
 * with NPS <= nps_max or CSAT <= csat_max, either suffices), because a
 * tenant may want to call only the angriest customers.
 *
 * Pure logic, no I/O.
 */
#ifndef SURVEY_METRICS_H
#define SURVEY_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#define SV_NO_SCORE (-1)   /* an answer without NPS or without CSAT */

typedef enum sv_nps_class {
    SV_NPS_NONE = 0,       /* no NPS in the answer */
    SV_NPS_DETRACTOR,
    SV_NPS_PASSIVE,
    SV_NPS_PROMOTER
} sv_nps_class;

sv_nps_class sv_nps_classify(int nps);

/* NPS in points (-100..100); 0 when no answer carries an NPS. */
double sv_nps_score(int64_t promoters, int64_t detractors, int64_t answers);
/* Mean CSAT, or -1 when there is no CSAT answer. */
double sv_csat_mean(int64_t csat_sum, int64_t csat_count);
/* answered / requested, or -1 when nothing was requested. */
double sv_response_rate(int64_t answered, int64_t requested);

typedef struct sv_answer_rules {
    int detractor_nps_max;    /* NPS at or below: detractor (default 6) */
    int detractor_csat_max;   /* CSAT at or below: detractor (default 2) */
    int satisfied_nps_min;    /* NPS at or above: satisfied (default 9) */
    int satisfied_csat_min;   /* CSAT at or above: satisfied (default 4) */
} sv_answer_rules;

/* Detractor: either score at or below its limit. nps/csat may be SV_NO_SCORE. */
bool sv_is_detractor(const sv_answer_rules *rules, int nps, int csat);
/* Satisfied: not a detractor, and every score given is at or above its
 * satisfied minimum (at least one score given). */
bool sv_is_satisfied(const sv_answer_rules *rules, int nps, int csat);

#endif
