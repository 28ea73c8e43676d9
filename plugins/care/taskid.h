/*
 * taskid.h - deterministic task ids. A task's id is made of what triggered
 * it, never of the event id or the time it was processed:
 *   KIND:CUSTOMER:REF
 * where REF names the trigger (the order id of a purchase, the local date of
 * a birthday or of a regular contact, the campaign id, the holding and the
 * price day of an alert, the request id). Replays and duplicate triggers
 * (the same order published twice under two event ids) thus produce the
 * same id, and the table's key turns the second insert into a no-op.
 * Ids longer than CR_TASK_ID_MAX - 1 become KIND:h<16 hex digits of
 * FNV-1a-64 of the full text>. Pure logic.
 */
#ifndef CARE_TASKID_H
#define CARE_TASKID_H

#include <stddef.h>
#include <stdint.h>

#define CR_TASK_ID_MAX 200

uint64_t cr_fnv1a64(const char *text);
void cr_task_id(char out[CR_TASK_ID_MAX], const char *kind, const char *customer, const char *ref);

#endif
