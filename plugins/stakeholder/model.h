/*
 * model.h - the vocabulary of the stakeholder plugin (seed 004, "purchase
 * magic cube"): the six buying roles, attitudes and personality styles, with
 * their wire names. Pure: no host API, unit-tested directly.
 */
#ifndef STAKEHOLDER_MODEL_H
#define STAKEHOLDER_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* The order is the order of seed 004 and of every report. */
typedef enum sh_role {
    SH_ROLE_INITIATOR_INTERNAL = 0,
    SH_ROLE_INFLUENCER_INTERNAL,
    SH_ROLE_INFLUENCER_EXTERNAL,
    SH_ROLE_EXECUTOR,
    SH_ROLE_DECISION_MAKER,
    SH_ROLE_USER,
    SH_ROLE_COUNT
} sh_role;

#define SH_ROLE_BIT(r) (1u << (unsigned)(r))

typedef enum sh_attitude {
    SH_ATTITUDE_NEUTRAL = 0,   /* the default when never stated */
    SH_ATTITUDE_SUPPORTER,
    SH_ATTITUDE_OPPONENT
} sh_attitude;

typedef enum sh_style {
    SH_STYLE_UNKNOWN = 0,
    SH_STYLE_DOMINANT,
    SH_STYLE_ANALYTICAL,
    SH_STYLE_AMIABLE,
    SH_STYLE_EXPRESSIVE,
    SH_STYLE_COUNT
} sh_style;

const char *sh_role_name(sh_role role);
bool sh_role_parse(const char *name, sh_role *out);

const char *sh_attitude_name(sh_attitude attitude);
bool sh_attitude_parse(const char *name, sh_attitude *out);

/* "unknown" for SH_STYLE_UNKNOWN. */
const char *sh_style_name(sh_style style);
/* false for anything but the four styles (NULL included). */
bool sh_style_parse(const char *name, sh_style *out);

/* Role bits from a PostgreSQL text[] literal such as "{decision_maker,user}"
 * (unknown names are ignored: a row written by a newer version). */
unsigned sh_roles_from_array_literal(const char *literal);
/* Writes "{a,b}" into buf; false when buf is too small. */
bool sh_roles_to_array_literal(unsigned roles, char *buf, size_t size);

#endif
