/*
 * stamps.h - which of two statements of one fact wins, by event time and
 * never by arrival order (docs/plugins/care.md, "Late events and arrival
 * order"). Pure logic.
 *
 * Profile fields (time zone, channel, each consent, each kind of special
 * day) carry the event time of the upsert that last stated them: a
 * statement applies when it is at least as recent, so the newest by event
 * time wins whatever the order the upserts arrive in. The stamps are kept
 * in one text column, "T,T,T,T,T,T,T" (-1: never stated; an empty or NULL
 * text, as on rows written before the stamps existed, is all -1).
 *
 * A task closed twice (two contacts naming it) keeps the earliest closing
 * by event time; at the same instant the smaller outcome text, so the
 * result never depends on which contact came first.
 */
#ifndef CARE_STAMPS_H
#define CARE_STAMPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cr_profile_field {
    CR_PF_TIMEZONE,
    CR_PF_CHANNEL,
    CR_PF_CONSENT_CONTACT,
    CR_PF_CONSENT_MARKETING,
    CR_PF_BIRTHDAY,
    CR_PF_FAMILY,
    CR_PF_ANNIVERSARIES,
    CR_PF_COUNT
} cr_profile_field;

/* Room for CR_PF_COUNT numbers of up to 20 characters and their commas. */
#define CR_STAMPS_TEXT 168

/* Reads the column's text (NULL or malformed parts: -1). */
void cr_stamps_parse(const char *text, int64_t stamps[CR_PF_COUNT]);
/* Writes the column's text into out (CR_STAMPS_TEXT bytes). */
void cr_stamps_format(const int64_t stamps[CR_PF_COUNT], char out[CR_STAMPS_TEXT]);

/* Whether a statement made at ts_ms replaces the one stamped *stamp (it is
 * as recent or more); if so the stamp moves to ts_ms. Two statements of the
 * same millisecond: the later arrival wins (nothing orders them). */
bool cr_stamp_take(int64_t *stamp, int64_t ts_ms);

/* Whether closing (a_ms, a_outcome) comes before (b_ms, b_outcome): earlier
 * time, then smaller outcome (NULL as ""). */
bool cr_closing_first(int64_t a_ms, const char *a_outcome, int64_t b_ms, const char *b_outcome);

#endif
