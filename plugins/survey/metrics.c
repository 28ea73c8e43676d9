/*
 * metrics.c - NPS classes and scores, mean CSAT, response rate, detractor
 * and satisfied answers (metrics.h).
 */
#include "metrics.h"

sv_nps_class sv_nps_classify(int nps)
{
    if (nps < 0 || nps > 10)
        return SV_NPS_NONE;
    if (nps >= 9)
        return SV_NPS_PROMOTER;
    if (nps >= 7)
        return SV_NPS_PASSIVE;
    return SV_NPS_DETRACTOR;
}

double sv_nps_score(int64_t promoters, int64_t detractors, int64_t answers)
{
    if (answers <= 0)
        return 0.0;
    return 100.0 * (double)(promoters - detractors) / (double)answers;
}

double sv_csat_mean(int64_t csat_sum, int64_t csat_count)
{
    return csat_count > 0 ? (double)csat_sum / (double)csat_count : -1.0;
}

double sv_response_rate(int64_t answered, int64_t requested)
{
    return requested > 0 ? (double)answered / (double)requested : -1.0;
}

bool sv_is_detractor(const sv_answer_rules *rules, int nps, int csat)
{
    bool nps_low = nps != SV_NO_SCORE && nps <= rules->detractor_nps_max;
    bool csat_low = csat != SV_NO_SCORE && csat <= rules->detractor_csat_max;
    return nps_low || csat_low;
}

bool sv_is_satisfied(const sv_answer_rules *rules, int nps, int csat)
{
    if (nps == SV_NO_SCORE && csat == SV_NO_SCORE)
        return false;
    if (sv_is_detractor(rules, nps, csat))
        return false;
    bool nps_ok = nps == SV_NO_SCORE || nps >= rules->satisfied_nps_min;
    bool csat_ok = csat == SV_NO_SCORE || csat >= rules->satisfied_csat_min;
    return nps_ok && csat_ok;
}
