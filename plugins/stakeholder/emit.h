/*
 * emit.h - the stakeholder plugin's derived events (fields documented in
 * docs/plugins/stakeholder.md). Each returns false after api->fail.
 */
#ifndef STAKEHOLDER_EMIT_H
#define STAKEHOLDER_EMIT_H

#include "glue.h"

/* org.coverage_gap: one role's gap opened or closed; opened_ms is when it
 * opened (now, for an opening). correction: the instant had been evaluated
 * already and a late fact changed it ("correction": true in data). */
bool sh_emit_gap(sh_run *r, size_t org, const sh_gap_change *change, int64_t opened_ms,
                 const sh_coverage *coverage, bool correction);

/* org.champion_left, in the scope of the stakeholder.left being handled;
 * was: the membership just before the left; owner may be NULL. */
bool sh_emit_champion_left(sh_run *r, size_t person, const sh_member_state *was,
                           const char *owner, const char *reason, const char *request_id);

#endif
