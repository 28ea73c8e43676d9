/*
 * batch.h - fetching what a plugin's worker handles next (batch.c): the
 * events after the plugin's progress in every partition it serves, and its
 * due timers.
 */
#ifndef RP_BATCH_H
#define RP_BATCH_H

#include "worker_state.h"

/* Fetches events and due timers into b; false on a database error (b is
 * then partly filled: free it). */
bool rp_batch_fetch(rp_worker *w, rp_batch *b);

void rp_batch_free(rp_batch *b);

/* Reads an event from a binary-format row with the columns
 * partition, pos, tenant, id, type, ts_ms, customer, org, data. */
void rp_event_from_row(const PGresult *res, int row, rp_event *ev);

#endif
