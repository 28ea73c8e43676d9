/*
 * conversion.h - when a referral converts, and how many days it took.
 *
 * A referral converts at the referee's first purchase if that purchase falls
 * in [referred_ms - grace_ms, referred_ms + window_ms], both ends included.
 * The grace before the referral exists because the link is often recorded
 * after the sale it led to (a profile with referred_by is typically created
 * at the first order, and the `referral` event travels on the referrer's
 * partition, so it may be accepted later than the purchase). A first
 * purchase earlier than that means the referee was already a customer: the
 * referral never converts (preexisting). Event times decide, not processing
 * order, so the outcome is the same whichever event arrives first.
 *
 * Days to convert count calendar days in the referee's time zone between the
 * referral's local date and the purchase's local date (the caller converts
 * both instants with to_local); a purchase inside the grace counts 0.
 *
 * Pure logic, no I/O.
 */
#ifndef REFERRAL_CONVERSION_H
#define REFERRAL_CONVERSION_H

#include <stdbool.h>
#include <stdint.h>

typedef enum rf_conversion {
    RF_CONV_PENDING = 0,  /* no purchase yet, window still open */
    RF_CONV_CONVERTED,
    RF_CONV_PREEXISTING,  /* first purchase before referred_ms - grace_ms */
    RF_CONV_EXPIRED       /* no purchase within the window */
} rf_conversion;

/* first_purchase_ms < 0 means "no purchase yet"; now_ms is the engine clock. */
rf_conversion rf_conversion_check(int64_t referred_ms, int64_t first_purchase_ms, int64_t now_ms,
                                  int64_t window_ms, int64_t grace_ms);

const char *rf_conversion_name(rf_conversion c);

/* "First" by event time, whatever the arrival order: whether the event at
 * (ts_ms, id) comes before the one recorded as first, (first_ms, first_id):
 * the earlier time, and at the same time the smaller event id (bytewise).
 * first_ms < 0 means nothing is recorded yet. first_id NULL (a row stored
 * before event ids were kept) loses every tie. The referee's first purchase
 * and a link's first report are chosen by it. */
bool rf_comes_first(int64_t ts_ms, const char *id, int64_t first_ms, const char *first_id);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t rf_days_from_civil(int year, int month, int day);

/* Calendar days from the first date to the second, never negative. */
int64_t rf_days_to_convert(int ry, int rm, int rd, int py, int pm, int pd);

#endif
