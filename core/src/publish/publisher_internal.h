/*
 * publisher_internal.h - starting the publisher thread (sockets are bound
 * before it starts so a bind error fails the start) and parsing replay
 * requests (replay_request.c, unit-tested).
 */
#ifndef RP_PUBLISHER_INTERNAL_H
#define RP_PUBLISHER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"

typedef struct rp_publisher_args {
    rp_broker *broker;
    void *pub, *replay;
} rp_publisher_args;

bool rp_publisher_bind(rp_broker *b, void **pub_out, void **replay_out);

/* {"from": uint, "limit": uint (optional)}; false with a message naming the
 * key and the rule otherwise. */
bool rp_replay_parse_request(const void *frame, size_t len, uint64_t *from, uint64_t *limit,
                             char *err, size_t errlen);

#endif
