/*
 * rng.h - the small deterministic random generator of rapport-synth
 * (splitmix64). Every decision draws from a stream seeded by the run's seed
 * plus a key (a customer, an event id) and a purpose ("mood", "care"), so
 * what one customer or order gets never depends on how many numbers were
 * drawn before it: the output is a pure function of the seed and the input.
 */
#ifndef RP_SYNTH_RNG_H
#define RP_SYNTH_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct synth_rng {
    uint64_t state;
} synth_rng;

/* A stream for (seed, key, purpose); key and purpose may be "". */
synth_rng synth_rng_for(uint64_t seed, const char *key, const char *purpose);

uint64_t synth_next(synth_rng *rng);

/* Uniform in [0, 1). */
double synth_uniform(synth_rng *rng);

/* Uniform in [0, n); 0 when n is 0. */
uint64_t synth_below(synth_rng *rng, uint64_t n);

/* Uniform in [lo, hi], both included (lo <= hi). */
int64_t synth_between(synth_rng *rng, int64_t lo, int64_t hi);

/* True with probability p. */
bool synth_chance(synth_rng *rng, double p);

/* An index drawn with the given non-negative weights (count >= 1). */
size_t synth_weighted(synth_rng *rng, const unsigned *weights, size_t count);

/* FNV-1a 64 of a string, also used to shorten over-long ids. */
uint64_t synth_hash(const char *text);

#endif
