/*
 * config.h - rapportd's configuration: an INI file (parsed with libinih)
 * whose every key can also be given as a flag, flags winning over the file.
 *
 *   [broker]  key = value        flag: --key=value        (e.g. --ingress=tcp://...)
 *   [limits]  key = value        flag: --limits.key=value
 *   [plugin.NAME] key = value    flag: --plugin.NAME.key=value
 *
 * rapportd --help prints every broker and limits key with its default and
 * meaning; plugin keys are validated by the plugin host against each plugin's
 * declared schema (see plugin_host.c), not here.
 */
#ifndef RP_CONFIG_H
#define RP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rp_limits.h"

typedef enum rp_clock_mode {
    RP_CLOCK_WALL = 0,   /* now = system time */
    RP_CLOCK_EVENT,      /* now follows event time (historical replays) */
    RP_CLOCK_FIXED       /* now = clock_fixed_ms (tests) */
} rp_clock_mode;

/* A [plugin.NAME] key as written; validated later by the plugin host. */
typedef struct rp_plugin_setting {
    char *plugin;
    char *key;
    char *value;
} rp_plugin_setting;

typedef struct rp_config {
    /* [broker] */
    char *database;          /* libpq conninfo; "" = libpq defaults / PG* env */
    char *ingress;           /* ROUTER, tcp://127.0.0.1:7450 */
    char *publish;           /* PUB, tcp://127.0.0.1:7451 */
    char *replay;            /* ROUTER, tcp://127.0.0.1:7452 */
    char *http;              /* /metrics and /health, 127.0.0.1:7453 ("" = off) */
    char *plugin_dir;        /* where NAME resolves to NAME.so */
    char *plugins;           /* comma-separated names or paths; "" = none */
    uint32_t partitions;     /* 64 */
    uint32_t max_tries;      /* plugin tries before dead letter, 3 */
    rp_clock_mode clock;     /* wall */
    int64_t clock_fixed_ms;  /* for clock = fixed:<ms> */
    int64_t event_lateness_ms; /* event time: timers fire this far behind the watermark, 0 */
    char *log_format;        /* "kv" or "json" */
    char *log_level;         /* debug, info, warn, error */
    int64_t db_backoff_min_ms;   /* 100 */
    int64_t db_backoff_max_ms;   /* 5000 */
    int64_t idle_poll_ms;        /* how often idle workers look for work, 200 */
    int64_t plugin_yield_ms;     /* plugin workers' longest pause for an ingest backlog, 3000 */
    int64_t shutdown_timeout_ms; /* SIGTERM: longest wait for in-flight work, 30000 */
    int64_t worker_stall_ms;     /* watchdog: a worker silent this long in a round is stuck, 120000 */
    uint32_t http_threads;           /* HTTP polling threads, 2 */
    uint32_t http_max_connections;   /* HTTP connections at once, 256 */
    uint32_t http_max_connections_per_ip; /* per client address, 0 = no limit */
    int64_t http_timeout_ms;         /* idle HTTP connection dropped after, 3000 (whole seconds) */
    int64_t ready_max_lag_ms;        /* /health/ready fails beyond this plugin lag, 0 = off */

    rp_limits limits;        /* [limits] */

    rp_plugin_setting *plugin_settings;
    size_t plugin_settings_count;
} rp_config;

/* Defaults for everything. */
void rp_config_defaults(rp_config *cfg);

/* Reads the INI file (if path is non-NULL); returns false with a message
 * naming file, line, key and rule on error. */
bool rp_config_load_file(rp_config *cfg, const char *path, char *err, size_t errlen);

/* Applies one "--key=value" / "--key value" flag set (argv[i..]); returns the
 * number of argv entries consumed (0 if argv[i] is not a config flag), or -1
 * with err on an unknown key or a bad value. */
int rp_config_apply_flag(rp_config *cfg, int argc, char **argv, int i, char *err, size_t errlen);

/* Sets one key by its flag name ("ingress", "limits.max_depth",
 * "plugin.scoring.half_life"). */
bool rp_config_set(rp_config *cfg, const char *name, const char *value, char *err, size_t errlen);

/* Writes the --help table of keys (name, default, description). */
void rp_config_print_help(FILE *out);

/* The value of a plugin setting or NULL. */
const char *rp_config_plugin_value(const rp_config *cfg, const char *plugin, const char *key);

void rp_config_free(rp_config *cfg);

#endif
