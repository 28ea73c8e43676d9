/*
 * surveys.h - survey answers (`survey.response`). The survey plugin asks
 * about each purchase itself (survey.requested) under a deterministic id,
 * purchase:CUSTOMER:ORDER_ID, so the customers answer those requests:
 *
 *   answers          35 % of the purchase surveys the plugin sends, as
 *                    surveyplan.h models them per customer, 1-24 h after the
 *                    request (60 %) or 1-7 days after (40 %), inside its
 *                    14-day expiry, under the plugin's survey id.
 *   unsolicited      1 % of purchases, 1-10 days after the order: a feedback
 *                    form from outside the plugin (survey_id
 *                    syn:feedback:ORDER_ID), which it records as an
 *                    unsolicited request answered at once.
 *
 * The model is run twice: with the touches the layer is sure the care
 * plugin makes (a purchase's see-off, greeting and usage check; its own
 * complaints' surveys) and with every touch it might make on top (holiday,
 * birthday, family birthday, anniversary and campaign greetings, a regular
 * contact at any tier's cadence), which depend on the customer's tier and
 * the care plugin's placements. A survey is answered only when both runs
 * send it, after the later of the two, and not when another survey of the
 * customer fell due at the same instant; nor when its id is longer than the
 * 255 bytes the plugin reads. NPS and CSAT follow the customer's mood
 * (unhappy customers are detractors, NPS 0-6), with an optional comment.
 */
#ifndef RP_SYNTH_SURVEYS_H
#define RP_SYNTH_SURVEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "out.h"

bool synth_emit_surveys(uint64_t seed, const synth_input *input, synth_out *out);

#endif
