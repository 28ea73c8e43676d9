/*
 * dead_letter.h - giving up on an event or timer, and the retries an
 * operator asks for (dead_letter.c).
 */
#ifndef RP_DEAD_LETTER_H
#define RP_DEAD_LETTER_H

#include "worker_state.h"

/* Records item as dead inside the current transaction (with the derived
 * event plugin.dead_letter). False on a database error. */
bool rp_dead_letter_record(rp_worker *w, const rp_item_ref *item, const rp_event *ev,
                           const rp_timer *timer, const char *error, unsigned tries);

/* Runs the dead letters an operator marked for retry, one transaction each. */
void rp_dead_letter_process_retries(rp_worker *w);

#endif
