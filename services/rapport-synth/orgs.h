/*
 * orgs.h - a handful of enterprise clients. The heaviest real buyers (most
 * purchases; the Online Retail customers are mostly wholesalers) are grouped
 * into 5 organisations "syn-org-1".."syn-org-5" of 3-5 stakeholders each,
 * one day after the last member's first event: org.upsert, then one
 * stakeholder.upsert per member with buying roles, influence and attitude.
 * Coverage has gaps on purpose: syn-org-2 has no decision maker, syn-org-4
 * no internal influencer. The champion of syn-org-1 (the initiator, a
 * supporter with influence 5) leaves (stakeholder.left) at 60 % of the time
 * between the org's start and the data's last event.
 */
#ifndef RP_SYNTH_ORGS_H
#define RP_SYNTH_ORGS_H

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "out.h"

bool synth_emit_orgs(uint64_t seed, const synth_input *input, synth_out *out);

#endif
