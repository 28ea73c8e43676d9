/*
 * rp_viewstr.h - a string of an event's data or a timer's payload as a
 * malloc'd, NUL-terminated C string of whatever length it has.
 *
 * The host API's views are borrowed and not NUL-terminated, and SQL
 * parameters and working sets need C strings. ABI 1 had view_strcpy into a
 * fixed buffer, which cut or dropped long ids; this copies to the length
 * the value has (the wire bounds it: limits.max_string_bytes).
 */
#ifndef RP_VIEWSTR_H
#define RP_VIEWSTR_H

#include <stdbool.h>

#include "rapport/plugin.h"

/* *out = a copy of the string v, or NULL when v is absent or not a string.
 * False only when memory ran out (then *out is NULL too). The caller frees
 * *out. */
bool rp_view_strdup(const rp_host_api *api, rp_view v, char **out);

#endif
