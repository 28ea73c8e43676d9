/* rng.c - splitmix64 streams keyed by (seed, key, purpose) (see rng.h). */
#include "rng.h"

#include <rapport/rp_fnv.h>

uint64_t synth_hash(const char *text)
{
    return rp_fnv1a64_str(rp_fnv1a64_start(), text);
}

/* The splitmix64 finaliser: spreads nearby inputs over the whole range. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

synth_rng synth_rng_for(uint64_t seed, const char *key, const char *purpose)
{
    /* A separator byte keeps ("ab", "c") and ("a", "bc") apart. */
    uint64_t hash = rp_fnv1a64_str(rp_fnv1a64_start(), key);
    hash = rp_fnv1a64_byte(hash, 0x1f);
    hash = rp_fnv1a64_str(hash, purpose);
    synth_rng rng = {mix(seed ^ mix(hash))};
    return rng;
}

uint64_t synth_next(synth_rng *rng)
{
    rng->state += 0x9e3779b97f4a7c15ULL;
    return mix(rng->state);
}

double synth_uniform(synth_rng *rng)
{
    return (double)(synth_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t synth_below(synth_rng *rng, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Modulo bias is below 2^-40 for the small n used here. */
    return synth_next(rng) % n;
}

int64_t synth_between(synth_rng *rng, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)synth_below(rng, (uint64_t)(hi - lo) + 1);
}

bool synth_chance(synth_rng *rng, double p)
{
    return synth_uniform(rng) < p;
}

size_t synth_weighted(synth_rng *rng, const unsigned *weights, size_t count)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += weights[i];
    uint64_t pick = synth_below(rng, total);
    for (size_t i = 0; i < count; i++) {
        if (pick < weights[i])
            return i;
        pick -= weights[i];
    }
    return count - 1;
}
