/*
 * merge.h - writes the real lines (unchanged, in input order) and the sorted
 * synthetic events as one stream: a synthetic event goes out just before
 * the first real line with a greater ts, so at equal ts the real events come
 * first. When the real stream is in ts order, so is the output.
 */
#ifndef RP_SYNTH_MERGE_H
#define RP_SYNTH_MERGE_H

#include <stdbool.h>
#include <stdio.h>

#include "input.h"
#include "out.h"

/* synthetic must be sorted (synth_out_sort). False on I/O error. */
bool synth_merge(const synth_input *input, const synth_out *synthetic, FILE *to);

#endif
