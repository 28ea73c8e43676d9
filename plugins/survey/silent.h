/*
 * silent.h - "behaviour over words" (seed 003): a customer whose answer said
 * satisfied but whose purchase behaviour has since dropped.
 *
 * At a satisfied answer the plugin keeps the scoring plugin's p_alive and
 * expected_purchases as they were then (the baseline). At each check the
 * customer is silently churning if either measure now stands at or below
 * factor x its baseline (factor 0.5: it halved). A measure without a
 * baseline (unknown or zero at answer time) or unknown now is ignored.
 *
 * Pure logic, no I/O.
 */
#ifndef SURVEY_SILENT_H
#define SURVEY_SILENT_H

#include <stdbool.h>

#define SV_UNKNOWN (-1.0)   /* a measure the scoring plugin had not computed */

typedef enum sv_silent_reason {
    SV_SILENT_NONE = 0,
    SV_SILENT_P_ALIVE,
    SV_SILENT_PURCHASES,
    SV_SILENT_BOTH
} sv_silent_reason;

sv_silent_reason sv_silent_check(double p_alive_then, double p_alive_now,
                                 double purchases_then, double purchases_now, double factor);

const char *sv_silent_reason_name(sv_silent_reason r);

/* True if a baseline is worth watching (at least one measure known > 0). */
bool sv_silent_watchable(double p_alive_then, double purchases_then);

#endif
