/*
 * profiles.h - one customer.upsert per real customer, at the ts of the
 * customer's first real event (so it lands right after the real profile),
 * adding what the data set lacks (rates per customer):
 *   email <customer>@example.com (100 %), birthday (100 %; the year in 30 %),
 *   timezone from the country (when the country is one place), preferred
 *   channel, consent and style (persona.h), family members with birthdays
 *   (60 %: 1-3), anniversaries (35 %), profession and industry (75 %),
 *   hobbies (50 %), referred_by (the referees of referrals.h).
 */
#ifndef RP_SYNTH_PROFILES_H
#define RP_SYNTH_PROFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "out.h"
#include "referrals.h"

bool synth_emit_profiles(uint64_t seed, const synth_input *input, const synth_referrals *plan,
                         synth_out *out);

/* The yearly days the customer's profile gives the care plugin to greet:
 * the birthday, family birthdays and anniversaries. */
typedef struct synth_month_day {
    int month, day;
} synth_month_day;

#define SYNTH_SPECIAL_DAYS_MAX 5

/* Writes up to SYNTH_SPECIAL_DAYS_MAX days; returns how many (0 on OOM). */
size_t synth_special_days(uint64_t seed, const synth_customer *customer,
                          synth_month_day out[SYNTH_SPECIAL_DAYS_MAX]);

#endif
