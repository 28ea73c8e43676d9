/*
 * persona.h - the few traits of a customer that several kinds of synthetic
 * events must agree on (the profile says "prefers SMS", so the care contacts
 * use SMS; an unhappy customer answers surveys as a detractor and complains
 * more). Drawn from the customer's own stream: a pure function of
 * (seed, customer).
 */
#ifndef RP_SYNTH_PERSONA_H
#define RP_SYNTH_PERSONA_H

#include <stdbool.h>
#include <stdint.h>

typedef enum synth_mood {
    SYNTH_HAPPY,      /* 60 %: promoters, suggestions */
    SYNTH_NEUTRAL,    /* 28 %: passives */
    SYNTH_UNHAPPY     /* 12 %: detractors, more complaints */
} synth_mood;

typedef struct synth_persona {
    synth_mood mood;
    const char *channel;          /* preferred_channel */
    const char *style;            /* dominant / analytical / expressive / amiable */
    bool consent_contact;         /* 95 % */
    bool consent_marketing;       /* 70 % */
    bool consent_profiling;       /* 55 % */
} synth_persona;

synth_persona synth_persona_of(uint64_t seed, const char *customer);

#endif
