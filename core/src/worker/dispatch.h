/*
 * dispatch.h - one plugin transaction over a fetched batch (dispatch.c).
 */
#ifndef RP_DISPATCH_H
#define RP_DISPATCH_H

#include "worker_state.h"

/* Runs one transaction over the batch. With max_items, stops after that
 * many items (events handled or timers fired). If dead_target is valid and
 * is the first item, it is dead-lettered instead of handled. *first_item
 * gets the first item the transaction reached; *items the count. */
rp_txn_outcome rp_dispatch(rp_worker *w, rp_batch *batch, size_t max_items,
                           const rp_item_ref *dead_target, const char *dead_error,
                           rp_item_ref *first_item, size_t *items);

#endif
