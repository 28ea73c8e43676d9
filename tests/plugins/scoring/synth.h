/*
 * synth.h - draws customer histories from the BG/NBD model itself with a
 * fixed seed, so the fit can be checked against the parameters that made
 * the data (test helper, not part of the plugin).
 */
#ifndef SCORING_TEST_SYNTH_H
#define SCORING_TEST_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "bgnbd.h"

/* Each customer observed for T weeks after their first purchase. */
void synth_bgnbd(const sc_bgnbd *p, double T, uint64_t seed, sc_rfm *out, size_t n);

#endif
