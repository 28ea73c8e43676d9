/*
 * taskid.h - deterministic task ids. A task's id is made of what triggered
 * it, never of the event id or the time it was processed:
 *   KIND:CUSTOMER:REF
 * where REF names the trigger (the order id of a purchase, the local date of
 * a birthday or of a regular contact, the campaign id, the holding and the
 * price day of an alert, the request id). Replays and duplicate triggers
 * (the same order published twice under two event ids) thus produce the
 * same id, and the table's key turns the second insert into a no-op.
 *
 * An id that would have CR_TASK_ID_MAX bytes or more (a 256-byte customer
 * id, a 150-byte order id) becomes KIND:h<64 hex digits>: the SHA-256 of
 * kind, customer and ref, each preceded by its length, so two different
 * triples never share a digest (ABI 1 used a 64-bit FNV mix whose
 * collisions were easy to construct; SHA-256 is OpenSSL's libcrypto, which
 * libpq-dev brings). KIND is cut to 64 bytes there (at a
 * UTF-8 character boundary). Hashed ids thus have at most 130 bytes, and
 * every id fits CR_TASK_ID_MAX; the timer keys built from them ("due:",
 * "overdue:" + id) stay far below the host's timer key limit. Pure logic.
 */
#ifndef CARE_TASKID_H
#define CARE_TASKID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CR_TASK_ID_MAX 200
#define CR_TASK_ID_KIND_MAX 64      /* bytes of KIND kept in a hashed id */

/* customer may be NULL (an account-level request: the org is passed).
 * False only when out of memory. */
bool cr_task_id(char out[CR_TASK_ID_MAX], const char *kind, const char *customer, const char *ref);

#endif
