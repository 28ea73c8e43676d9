/*
 * viewstr.h - a string of an event's data or a timer's payload as a
 * malloc'd C string, whatever its length (the host API's views are not
 * NUL-terminated, and ABI 2 has no fixed-buffer copy).
 */
#ifndef SCORING_VIEWSTR_H
#define SCORING_VIEWSTR_H

#include <stdbool.h>

#include "rapport/plugin.h"

/* *out = a copy of the string v (NULL when v is absent or not a string).
 * False only when memory ran out. The caller frees *out. */
bool sc_view_dup(const rp_host_api *api, rp_view v, char **out);

#endif
