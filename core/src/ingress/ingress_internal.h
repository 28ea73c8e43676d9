/*
 * ingress_internal.h - what the broker needs to start the ingress thread: the
 * socket is bound before the thread starts so a bind error fails the start.
 */
#ifndef RP_INGRESS_INTERNAL_H
#define RP_INGRESS_INTERNAL_H

#include <stdbool.h>

#include "broker.h"
#include "wire.h"

#define RP_INGRESS_REPLIES_ENDPOINT "inproc://rapport-ingress-replies"

typedef struct rp_ingress_args {
    rp_broker *broker;
    void *router;
} rp_ingress_args;

bool rp_ingress_bind(rp_broker *b, void **router_out);

/* Fills req with one rejected event (id nil) carrying message; for framing
 * errors found before decoding. Implemented in wire_decode.c. */
bool rp_wire_reject_frame(rp_wire_request *req, const char *message, const char *reason);

#endif
