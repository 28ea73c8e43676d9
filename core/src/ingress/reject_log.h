/*
 * reject_log.h - one log line per rejected event, so an operator can see
 * which events a publisher gets wrong and why (the same text the publisher
 * receives), bounded so that a publisher sending nothing but bad events
 * cannot flood the log.
 */
#ifndef RP_REJECT_LOG_H
#define RP_REJECT_LOG_H

#include "wire.h"

/* Lines per second; the ones left out are counted in the next line. */
#define RP_REJECT_LOG_PER_SECOND 20

/* Logs every REJECTED event of req (level info, component ingress). */
void rp_reject_log(const rp_wire_request *req);

/* Starts a fresh budget, so a test sees its line whatever ran before. */
void rp_reject_log_reset(void);

#endif
