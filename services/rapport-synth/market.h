/*
 * market.h - tenant-wide events over the span of the real data:
 *   market.competitor_promo: a window every 35-55 days from 20 days after
 *     the first event, 4-18 days long, 10-35 % off, announced at its start;
 *   campaign.launched: 4 campaigns at 20 %, 45 %, 70 % and 90 % of the span
 *     (new product for everyone, a promotion for ordinary and small
 *     customers, an expert visit for VIP and key, a gathering for VIP),
 *     each running 14 days.
 */
#ifndef RP_SYNTH_MARKET_H
#define RP_SYNTH_MARKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "out.h"

bool synth_emit_market(uint64_t seed, const synth_input *input, synth_out *out);

#define SYNTH_CAMPAIGNS 4

/* When the campaigns start (SYNTH_CAMPAIGNS instants); 0 without data. */
size_t synth_campaign_starts(const synth_input *input, int64_t out[SYNTH_CAMPAIGNS]);

#endif
