/*
 * wire.h - wire protocol v1: decoding request frames into validated events,
 * and encoding the reply frame. The contract itself is proto/README.md.
 *
 * Decoding happens in two passes over the frame: a bounds walk that checks
 * every declared size against rp_limits and against the bytes that remain
 * (so a 5-byte frame claiming 100 million elements is refused before anything
 * is allocated), then schema validation of each event against the event-type
 * registry (event_types.h). One bad event never rejects the others.
 */
#ifndef RP_WIRE_H
#define RP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_limits.h"

struct rp_type_registry;

typedef enum rp_event_status {
    RP_STATUS_PENDING = 0,  /* valid, waiting for the commit */
    RP_STATUS_ACCEPTED,
    RP_STATUS_DUPLICATE,
    RP_STATUS_REJECTED,
    RP_STATUS_RETRY
} rp_event_status;

const char *rp_event_status_name(rp_event_status status);

#define RP_WIRE_ERROR_MAX 256

/* One event of a request. Strings are NUL-terminated copies owned by the
 * request's arena; a missing optional field is NULL. */
typedef struct rp_wire_event {
    rp_event_status status;      /* PENDING if valid, REJECTED otherwise */
    char error[RP_WIRE_ERROR_MAX]; /* set when REJECTED or RETRY: names field and rule */
    const char *reject_reason;   /* short metric label: "missing_field", "bad_type", ... */

    const char *id;              /* NULL if absent or not a string (reply carries nil) */
    size_t id_len;
    const char *type;
    const char *tenant;          /* "default" when absent */
    const char *customer;
    const char *org;
    int64_t ts_ms;
    uint32_t partition;          /* set by rp_wire_decode from the registry's scope */
    const uint8_t *data;         /* msgpack map of "data" (0x80, the empty map, if absent) */
    size_t data_len;
} rp_wire_event;

typedef struct rp_wire_request {
    rp_wire_event *events;
    size_t count;
    bool is_batch;               /* the frame was an array */
    void *arena;                 /* owns every string and buffer above */
} rp_wire_request;

/* Decodes and validates one frame. Always fills `out` with at least one event
 * when it returns: a frame that is not msgpack (or breaks a limit as a whole)
 * yields a single REJECTED event with id NULL and an error naming the problem.
 * Returns false only on allocation failure. */
bool rp_wire_decode(const uint8_t *frame, size_t len,
                    const rp_limits *limits,
                    const struct rp_type_registry *types,
                    uint32_t partitions,
                    rp_wire_request *out);

void rp_wire_request_free(rp_wire_request *req);

/* Encodes the reply frame: an array with one map per event, in order:
 * {"id": id|nil, "status": S} plus "error" when S is rejected or retry.
 * Returns a malloc'd buffer (caller frees) and its length, or NULL on OOM. */
uint8_t *rp_wire_encode_reply(const rp_wire_request *req, size_t *out_len);

#endif
