/*
 * log.h - structured logs: one line per record on stderr, either
 *   ts=2026-11-22T10:00:00.123Z level=info comp=ingress msg="listening" endpoint=tcp://...
 * or the same fields as one JSON object per line (log_format = json).
 *
 * rp_log(level, component, msg, fmt, ...) where fmt holds further key=value
 * pairs separated by single spaces; values with spaces must be quoted by the
 * caller with %s over rp_log_quote() or given through "%q"-free plain text.
 */
#ifndef RP_LOG_H
#define RP_LOG_H

#include <stdbool.h>

typedef enum rp_level {
    RP_DEBUG = 0,
    RP_INFO,
    RP_WARN,
    RP_ERR      /* not RP_ERROR: that is the plugin ABI's return code */
} rp_level;

bool rp_log_configure(const char *format, const char *level);

/* kv_fmt may be NULL or "" for no extra fields. Extra fields are written as
 * given in kv mode; in JSON mode each key=value pair becomes a string member
 * (a value may be wrapped in double quotes to contain spaces). */
void rp_log(rp_level level, const char *component, const char *msg, const char *kv_fmt, ...)
    __attribute__((format(printf, 4, 5)));

bool rp_log_enabled(rp_level level);

#endif
