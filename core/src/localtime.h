/*
 * localtime.h - time-zone arithmetic for the whole project (ICU's ucal
 * underneath, so every IANA zone and every DST rule is handled by a library
 * made for it, and nothing depends on the process-wide TZ variable, which is
 * not thread-safe). The host API hands these to plugins as to_local/from_local.
 */
#ifndef RP_LOCALTIME_H
#define RP_LOCALTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "rapport/plugin.h"

bool rp_tz_is_valid(const char *tz);
bool rp_tz_to_local(const char *tz, int64_t utc_ms, rp_local_time *out);
bool rp_tz_from_local(const char *tz, int year, int month, int day,
                      int hour, int minute, int64_t *utc_ms);

#endif
