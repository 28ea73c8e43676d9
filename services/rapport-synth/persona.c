/* persona.c - per-customer traits (see persona.h). */
#include "persona.h"

#include <stddef.h>

#include "rng.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static const char *const CHANNELS[] = {"email", "phone", "sms", "messaging", "visit", "letter"};
static const unsigned CHANNEL_WEIGHTS[] = {45, 20, 15, 12, 5, 3};
static const char *const STYLES[] = {"dominant", "analytical", "expressive", "amiable"};
static const unsigned MOOD_WEIGHTS[] = {60, 28, 12};

synth_persona synth_persona_of(uint64_t seed, const char *customer)
{
    synth_rng rng = synth_rng_for(seed, customer, "persona");
    synth_persona persona;
    persona.mood = (synth_mood)synth_weighted(&rng, MOOD_WEIGHTS, COUNT(MOOD_WEIGHTS));
    persona.channel = CHANNELS[synth_weighted(&rng, CHANNEL_WEIGHTS, COUNT(CHANNEL_WEIGHTS))];
    persona.style = STYLES[synth_below(&rng, COUNT(STYLES))];
    persona.consent_contact = synth_chance(&rng, 0.95);
    persona.consent_marketing = synth_chance(&rng, 0.70);
    persona.consent_profiling = synth_chance(&rng, 0.55);
    return persona;
}
