/*
 * aftercare.h - what happens around real orders (rates per order; the
 * customer's persona sets the mood and the channel; customers without
 * contact consent get no outbound contact and no care.done):
 *
 *   care.done       30 % of purchases: the after-sale greeting, done 0-6 h
 *                    after the care plugin's greeting task falls due (day 2
 *                    after the purchase's local date, 10:00 in the
 *                    customer's zone: the plugin's defaults)
 *   contact         15 % of purchases: outbound usage check, 0-6 h after the
 *                    plugin's usage_check task falls due (day 7, 10:00);
 *                    4 %, 1-20 days later: an inbound question
 *                    85 % of those greetings and usage checks name the task
 *                    they carry out in data.task_id (the plugin's
 *                    deterministic id KIND:CUSTOMER:order:ORDER_ID), which
 *                    closes it; the others are logged without it, which only
 *                    restarts the customer's cadence (docs/plugins/care.md)
 *   complaint.opened 1 % / 2.5 % / 8 % of purchases (happy / neutral /
 *                    unhappy), 8 % of refunds; 1-10 days after the order.
 *                    First response (a contact with complaint_id): 85 %
 *                    within 1-20 h, the rest late (30-96 h). Resolution
 *                    (complaint.resolved) for 92 %: 80 % within 4 h-3 days
 *                    of the response, the rest late (8-25 days); 8 % stay open.
 *   suggestion       1.5 % of purchases of happy customers, 0.5 % of
 *                    others, 1-20 days later; 25 % adopted.
 * Survey answers are surveys.h's: they follow the survey plugin's requests.
 */
#ifndef RP_SYNTH_AFTERCARE_H
#define RP_SYNTH_AFTERCARE_H

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "out.h"
#include "persona.h"
#include "rng.h"

bool synth_emit_aftercare(uint64_t seed, const synth_input *input, synth_out *out);

/* The complaint about an order, if any: its times, and the stream its
 * other fields are drawn from next (the survey model needs the times). */
typedef struct synth_complaint {
    bool happens, resolves, late;
    int64_t opened_ms, replied_ms, resolved_ms;
    synth_rng rng;
} synth_complaint;

synth_complaint synth_complaint_of(uint64_t seed, const synth_order *order, synth_mood mood);

#endif
