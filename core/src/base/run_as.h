/*
 * run_as.h - a word when rapportd runs as root.
 *
 * rapportd needs no privilege: its ports are above 1024 and it loads plugin
 * code, so as root a faulty or planted plugin owns the machine. It still
 * runs (containers often start as root), but says so once at start.
 */
#ifndef RP_RUN_AS_H
#define RP_RUN_AS_H

#include <stdbool.h>
#include <sys/types.h>

/* Logs a warning when euid is 0; true when it did. */
bool rp_run_as_warn(uid_t euid);

#endif
