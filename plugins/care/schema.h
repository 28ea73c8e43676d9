/*
 * schema.h - the care plugin's migrations (schema.c).
 */
#ifndef CARE_SCHEMA_H
#define CARE_SCHEMA_H

#include "rapport/plugin.h"

extern const rp_migration cr_migrations[];

#endif
