/*
 * advice.h - what to do with each person (seed 004, DOMAIN.md section 6):
 * the tactic for each buying role, the approach for each personality style,
 * and the champion rule. Static tables in advice.c.
 */
#ifndef STAKEHOLDER_ADVICE_H
#define STAKEHOLDER_ADVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* The tactic for a role, e.g. "respect the decision maker: ...". */
const char *sh_role_action(sh_role role);

/* The approach for a style; for SH_STYLE_UNKNOWN a reminder to find out. */
const char *sh_style_advice(sh_style style);

/* The tactic that holds for everyone in a group client. */
const char *sh_general_action(void);

/* What to do about an attitude (NULL for neutral: nothing specific). */
const char *sh_attitude_action(sh_attitude attitude);

/* A champion is a supporter who is the decision maker or the internal
 * initiator: losing one puts the account at risk. */
bool sh_is_champion(unsigned roles, sh_attitude attitude);

#endif
