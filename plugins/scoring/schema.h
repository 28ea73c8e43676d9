/* schema.h - the scoring plugin's DDL (schema.c). */
#ifndef SCORING_SCHEMA_H
#define SCORING_SCHEMA_H

extern const char *const sc_schema_sql[];

#endif
