/*
 * conversion.c - the conversion window and day counting (conversion.h).
 */
#include <string.h>

#include "conversion.h"

rf_conversion rf_conversion_check(int64_t referred_ms, int64_t first_purchase_ms, int64_t now_ms,
                                  int64_t window_ms, int64_t grace_ms)
{
    int64_t closes = referred_ms + window_ms;
    if (first_purchase_ms < 0)
        return now_ms > closes ? RF_CONV_EXPIRED : RF_CONV_PENDING;
    if (first_purchase_ms < referred_ms - grace_ms)
        return RF_CONV_PREEXISTING;
    if (first_purchase_ms > closes)
        return RF_CONV_EXPIRED;
    return RF_CONV_CONVERTED;
}

const char *rf_conversion_name(rf_conversion c)
{
    switch (c) {
    case RF_CONV_PENDING: return "pending";
    case RF_CONV_CONVERTED: return "converted";
    case RF_CONV_PREEXISTING: return "preexisting";
    case RF_CONV_EXPIRED: return "expired";
    }
    return "pending";
}

bool rf_comes_first(int64_t ts_ms, const char *id, int64_t first_ms, const char *first_id)
{
    if (first_ms < 0 || ts_ms < first_ms)
        return true;
    if (ts_ms > first_ms)
        return false;
    return !first_id || (id && strcmp(id, first_id) < 0);
}

/* Counts days through eras of 400 years (146097 days), with March as the
 * first month so the leap day ends the year. */
int64_t rf_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t month_from_march = month > 2 ? month - 3 : month + 9;
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

int64_t rf_days_to_convert(int ry, int rm, int rd, int py, int pm, int pd)
{
    int64_t d = rf_days_from_civil(py, pm, pd) - rf_days_from_civil(ry, rm, rd);
    return d > 0 ? d : 0;
}
