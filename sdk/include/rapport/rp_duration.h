/*
 * rp_duration.h - durations written as text ("90d", "1.5h", "250ms") in
 * milliseconds. Settings declared RP_SETTING_DURATION are parsed by the
 * host; this is for durations inside a plugin's own composite values (lists
 * of offsets, pairs, ...) that its settings_check parses.
 */
#ifndef RP_DURATION_H
#define RP_DURATION_H

#include <stdbool.h>
#include <stdint.h>

/* A non-negative number with unit ms, s, m, h, d or w; no unit means days.
 * False for anything else, or beyond ~285 000 years (int64 ms stays exact
 * in a double up to 9e15). */
bool rp_parse_duration(const char *text, int64_t *ms);

#endif
