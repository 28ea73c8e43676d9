/* schema.h - the scoring plugin's migrations (schema.c). */
#ifndef SCORING_SCHEMA_H
#define SCORING_SCHEMA_H

#include "rapport/plugin.h"

extern const rp_migration sc_migrations[];

#endif
