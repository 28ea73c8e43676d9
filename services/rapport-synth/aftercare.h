/*
 * aftercare.h - what happens around real orders (rates per order; the
 * customer's persona sets the mood and the channel; customers without
 * contact consent get no outbound contact and no care.done):
 *
 *   care.done       30 % of purchases, 2-46 h later: the after-sale greeting
 *   contact         15 % of purchases, 3-7 days later: outbound usage check;
 *                    4 %, 1-20 days later: an inbound question
 *   survey.response  8 % of purchases, 3-10 days later; NPS/CSAT follow the
 *                    mood (unhappy customers are detractors, NPS 0-6)
 *   complaint.opened 1 % / 2.5 % / 8 % of purchases (happy / neutral /
 *                    unhappy), 8 % of refunds; 1-10 days after the order.
 *                    First response (a contact with complaint_id): 85 %
 *                    within 1-20 h, the rest late (30-96 h). Resolution
 *                    (complaint.resolved) for 92 %: 80 % within 4 h-3 days
 *                    of the response, the rest late (8-25 days); 8 % stay open.
 *   suggestion       1.5 % of purchases of happy customers, 0.5 % of
 *                    others, 1-20 days later; 25 % adopted.
 */
#ifndef RP_SYNTH_AFTERCARE_H
#define RP_SYNTH_AFTERCARE_H

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "out.h"

bool synth_emit_aftercare(uint64_t seed, const synth_input *input, synth_out *out);

#endif
