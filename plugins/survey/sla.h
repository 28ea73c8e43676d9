/*
 * sla.h - service levels of complaints: the first-response and resolution
 * allowances per severity (business time), and the escalation ladder.
 *
 * A complaint starts at level 0 (the first name of the ladder, "owner").
 * Each time a clock runs out unmet, the complaint climbs one level and the
 * next check is escalation_step business time later; at the top of the
 * ladder it stays, and no further escalation is scheduled.
 *
 * Pure logic, no I/O.
 */
#ifndef SURVEY_SLA_H
#define SURVEY_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sv_severity {
    SV_SEV_LOW = 0,
    SV_SEV_NORMAL,
    SV_SEV_HIGH,
    SV_SEV_CRITICAL,
    SV_SEV_COUNT
} sv_severity;

#define SV_LEVELS_MAX 8
#define SV_LEVEL_NAME_MAX 32

typedef struct sv_sla_table {
    int64_t ms[SV_SEV_COUNT];    /* business ms allowed per severity */
} sv_sla_table;

typedef struct sv_ladder {
    char names[SV_LEVELS_MAX][SV_LEVEL_NAME_MAX];
    int count;
} sv_ladder;

/* "low", "normal", "high", "critical"; false for anything else. */
bool sv_severity_parse(const char *text, sv_severity *out);
const char *sv_severity_name(sv_severity s);

/* "low=24h,normal=8h,high=4h,critical=1h": every severity must be given,
 * durations as h (hours) or m (minutes) of business time. On error a
 * message naming the entry goes to err. */
bool sv_sla_parse(const char *text, sv_sla_table *out, char *err, size_t errlen);

/* "owner,manager,director": 2..SV_LEVELS_MAX names. */
bool sv_ladder_parse(const char *text, sv_ladder *out, char *err, size_t errlen);
/* The same from names already split (a list setting). */
bool sv_ladder_from_names(const char *const *names, size_t count, sv_ladder *out, char *err,
                          size_t errlen);

/* The level after `level`, or -1 when already at the top. */
int sv_ladder_next(const sv_ladder *ladder, int level);
/* The name of a level (clamped into the ladder). */
const char *sv_ladder_name(const sv_ladder *ladder, int level);

#endif
