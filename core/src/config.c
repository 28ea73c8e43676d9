/*
 * config.c - rapportd's configuration (config.h). One table describes every
 * broker and limits key: its name, kind, where it lives in rp_config, its
 * default and its meaning. Defaults, the INI file, flags and --help all read
 * that table, so a key cannot exist in one place and be missing in another.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifndef RAPPORT_PLUGIN_DIR
#define RAPPORT_PLUGIN_DIR "./build/plugins"
#endif

typedef enum key_kind {
    KEY_STRING,
    KEY_UINT32,     /* uint32_t in [min, max] */
    KEY_MS,         /* int64_t milliseconds in [min, max] */
    KEY_SIZE,       /* size_t limit in [min, max] */
    KEY_CLOCK
} key_kind;

typedef struct key_spec {
    const char *name;          /* flag name; "limits." prefix for [limits] */
    key_kind kind;
    size_t offset;
    const char *default_value;
    int64_t min, max;
    const char *description;
} key_spec;

#define AT(field) offsetof(rp_config, field)
#define LIMIT(field) (offsetof(rp_config, limits) + offsetof(rp_limits, field))

static const key_spec KEYS[] = {
    {"database", KEY_STRING, AT(database), "", 0, 0, "libpq conninfo of the PostgreSQL database (\"\" = PG* environment)"},
    {"ingress", KEY_STRING, AT(ingress), "tcp://127.0.0.1:7450", 0, 0, "ZeroMQ ROUTER endpoint publishers send events to"},
    {"publish", KEY_STRING, AT(publish), "tcp://127.0.0.1:7451", 0, 0, "ZeroMQ PUB endpoint of derived events"},
    {"replay", KEY_STRING, AT(replay), "tcp://127.0.0.1:7452", 0, 0, "ZeroMQ ROUTER endpoint for replaying derived events"},
    {"http", KEY_STRING, AT(http), "127.0.0.1:7453", 0, 0, "ADDRESS:PORT of /metrics and /health (\"\" = off)"},
    {"plugin_dir", KEY_STRING, AT(plugin_dir), RAPPORT_PLUGIN_DIR, 0, 0, "directory where plugin NAME is found as NAME.so"},
    {"plugins", KEY_STRING, AT(plugins), "", 0, 0, "comma-separated plugin names or .so paths to load"},
    {"partitions", KEY_UINT32, AT(partitions), "64", 1, 4096, "number of partitions (fixed for the life of a deployment)"},
    {"max_tries", KEY_UINT32, AT(max_tries), "3", 1, 1000, "tries of a plugin on an event before it is dead-lettered"},
    {"clock", KEY_CLOCK, AT(clock), "wall", 0, 0, "engine clock: wall, event (follows event time) or fixed:<ms>"},
    {"log_format", KEY_STRING, AT(log_format), "kv", 0, 0, "log lines as kv (key=value) or json"},
    {"log_level", KEY_STRING, AT(log_level), "info", 0, 0, "debug, info, warn or error"},
    {"db_backoff_min_ms", KEY_MS, AT(db_backoff_min_ms), "100", 1, 3600000, "first reconnect delay after a database failure"},
    {"db_backoff_max_ms", KEY_MS, AT(db_backoff_max_ms), "5000", 1, 3600000, "longest reconnect delay (doubling back-off)"},
    {"idle_poll_ms", KEY_MS, AT(idle_poll_ms), "200", 1, 60000, "how often idle workers look for due timers"},
    {"shutdown_timeout_ms", KEY_MS, AT(shutdown_timeout_ms), "30000", 0, 3600000, "SIGTERM: longest wait for in-flight work"},
    {"limits.max_frame_bytes", KEY_SIZE, LIMIT(max_frame_bytes), "1048576", 64, 1073741824, "largest ingress request frame"},
    {"limits.max_batch_events", KEY_SIZE, LIMIT(max_batch_events), "1000", 1, 1000000, "events in one batch frame"},
    {"limits.max_depth", KEY_SIZE, LIMIT(max_depth), "8", 2, 64, "msgpack nesting depth of one event"},
    {"limits.max_elements", KEY_SIZE, LIMIT(max_elements), "10000", 1, 100000000, "entries of one map or array in an event"},
    {"limits.max_string_bytes", KEY_SIZE, LIMIT(max_string_bytes), "65536", 1, 1073741824, "one string/binary inside an event"},
    {"limits.max_id_bytes", KEY_SIZE, LIMIT(max_id_bytes), "128", 1, 128, "bytes of an event id (the wire contract allows 128)"},
    {"limits.max_key_bytes", KEY_SIZE, LIMIT(max_key_bytes), "256", 1, 4096, "bytes of tenant, customer and org"},
    {"limits.ingress_queue_events", KEY_SIZE, LIMIT(ingress_queue_events), "20000", 1, 100000000, "validated events waiting for the commit; beyond it: retry"},
    {"limits.commit_batch_events", KEY_SIZE, LIMIT(commit_batch_events), "5000", 1, 1000000, "events per ingest transaction"},
    {"limits.plugin_batch_events", KEY_SIZE, LIMIT(plugin_batch_events), "1000", 1, 1000000, "events per plugin transaction"},
    {"limits.replay_max_events", KEY_SIZE, LIMIT(replay_max_events), "1000", 1, 1000000, "derived events per replay reply"},
    {"limits.emit_max_bytes", KEY_SIZE, LIMIT(emit_max_bytes), "65536", 16, 16777216, "data of one derived event"},
    {"limits.max_emits_per_txn", KEY_SIZE, LIMIT(max_emits_per_txn), "100000", 1, 100000000, "derived events one plugin transaction may emit"},
};
#define KEY_COUNT (sizeof KEYS / sizeof KEYS[0])

static const key_spec *find_key(const char *name)
{
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (strcmp(KEYS[i].name, name) == 0)
            return &KEYS[i];
    return NULL;
}

static bool parse_int(const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end)
        return false;
    *out = v;
    return true;
}

static bool set_clock(rp_config *cfg, const char *value)
{
    int64_t ms;
    if (strcmp(value, "wall") == 0)
        cfg->clock = RP_CLOCK_WALL;
    else if (strcmp(value, "event") == 0)
        cfg->clock = RP_CLOCK_EVENT;
    else if (strncmp(value, "fixed:", 6) == 0 && parse_int(value + 6, &ms) && ms >= 0) {
        cfg->clock = RP_CLOCK_FIXED;
        cfg->clock_fixed_ms = ms;
    } else
        return false;
    return true;
}

static bool set_value(rp_config *cfg, const key_spec *k, const char *value, char *err, size_t errlen)
{
    char *field = (char *)cfg + k->offset;
    int64_t n = 0;
    if (k->kind == KEY_STRING) {
        char *copy = strdup(value);
        if (!copy)
            return false;
        free(*(char **)field);
        *(char **)field = copy;
        return true;
    }
    if (k->kind == KEY_CLOCK) {
        if (set_clock(cfg, value))
            return true;
        snprintf(err, errlen, "clock: \"%s\" must be wall, event or fixed:<ms since the epoch>", value);
        return false;
    }
    if (!parse_int(value, &n) || n < k->min || n > k->max) {
        snprintf(err, errlen, "%s: \"%s\" is not an integer in %" PRId64 "..%" PRId64, k->name, value,
                 k->min, k->max);
        return false;
    }
    if (k->kind == KEY_UINT32)
        *(uint32_t *)field = (uint32_t)n;
    else if (k->kind == KEY_MS)
        *(int64_t *)field = n;
    else
        *(size_t *)field = (size_t)n;
    return true;
}

static bool add_plugin_setting(rp_config *cfg, const char *plugin, size_t plugin_len, const char *key,
                               const char *value)
{
    rp_plugin_setting *grown = realloc(cfg->plugin_settings,
                                       (cfg->plugin_settings_count + 1) * sizeof *grown);
    if (!grown)
        return false;
    cfg->plugin_settings = grown;
    rp_plugin_setting *s = &grown[cfg->plugin_settings_count++];
    s->plugin = strndup(plugin, plugin_len);
    s->key = strdup(key);
    s->value = strdup(value);
    return s->plugin && s->key && s->value;
}

bool rp_config_set(rp_config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    if (strncmp(name, "plugin.", 7) == 0) {
        const char *plugin = name + 7, *dot = strchr(plugin, '.');
        if (!dot || dot == plugin || !dot[1]) {
            snprintf(err, errlen, "%s: plugin keys are written plugin.NAME.KEY", name);
            return false;
        }
        return add_plugin_setting(cfg, plugin, (size_t)(dot - plugin), dot + 1, value);
    }
    const key_spec *k = find_key(name);
    if (!k) {
        snprintf(err, errlen, "unknown configuration key \"%s\" (rapportd --help lists them)", name);
        return false;
    }
    return set_value(cfg, k, value, err, errlen);
}

void rp_config_defaults(rp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    char err[256];
    for (size_t i = 0; i < KEY_COUNT; i++)
        set_value(cfg, &KEYS[i], KEYS[i].default_value, err, sizeof err);
}

/* ------------------------------------------------------------ the INI file */

typedef struct file_ctx {
    rp_config *cfg;
    char *err;
    size_t errlen;
    const char *path;
    bool failed;
} file_ctx;

/* Debian's libinih passes no line number to the handler; ini_parse returns
 * the line of the first entry the handler refused, which load_file adds. */
static int on_ini_entry(void *user, const char *section, const char *key, const char *value)
{
    file_ctx *f = user;
    char name[512], err[400];
    if (f->failed)
        return 1;                  /* keep the first error; inih reports its line */
    if (strcmp(section, "broker") == 0 || section[0] == '\0')
        snprintf(name, sizeof name, "%s", key);
    else if (strcmp(section, "limits") == 0)
        snprintf(name, sizeof name, "limits.%s", key);
    else if (strncmp(section, "plugin.", 7) == 0 && section[7])
        snprintf(name, sizeof name, "%s.%s", section, key);
    else {
        snprintf(f->err, f->errlen, "unknown section [%s] (use [broker], [limits] or [plugin.NAME])", section);
        f->failed = true;
        return 0;
    }
    if (!rp_config_set(f->cfg, name, value, err, sizeof err)) {
        snprintf(f->err, f->errlen, "%s", err);
        f->failed = true;
        return 0;
    }
    return 1;
}

bool rp_config_load_file(rp_config *cfg, const char *path, char *err, size_t errlen)
{
    if (!path)
        return true;
    file_ctx f = {cfg, err, errlen, path, false};
    int rc = ini_parse(path, on_ini_entry, &f);
    if (rc == -1) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    if (rc == 0)
        return true;
    if (!f.failed) {
        snprintf(err, errlen, "%s:%d: syntax error (expected key = value or [section])", path, rc);
        return false;
    }
    char message[512];
    snprintf(message, sizeof message, "%s", err);
    snprintf(err, errlen, "%s:%d: %s", path, rc, message);
    return false;
}

/* ------------------------------------------------------------ flags */

int rp_config_apply_flag(rp_config *cfg, int argc, char **argv, int i, char *err, size_t errlen)
{
    const char *arg = argv[i];
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    char name[512];
    const char *eq = strchr(arg, '=');
    const char *value;
    int used = 1;
    if (eq) {
        snprintf(name, sizeof name, "%.*s", (int)(eq - arg - 2), arg + 2);
        value = eq + 1;
    } else {
        snprintf(name, sizeof name, "%s", arg + 2);
        if (i + 1 >= argc) {
            snprintf(err, errlen, "--%s needs a value", name);
            return -1;
        }
        value = argv[i + 1];
        used = 2;
    }
    return rp_config_set(cfg, name, value, err, errlen) ? used : -1;
}

void rp_config_print_help(FILE *out)
{
    fprintf(out, "%-30s %-22s %s\n", "key (flag --KEY=VALUE)", "default", "meaning");
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const char *def = KEYS[i].default_value;
        fprintf(out, "%-30s %-22s %s\n", KEYS[i].name, *def ? def : "\"\"", KEYS[i].description);
    }
}

const char *rp_config_plugin_value(const rp_config *cfg, const char *plugin, const char *key)
{
    const char *found = NULL;      /* the last setting wins (flags come after the file) */
    for (size_t i = 0; i < cfg->plugin_settings_count; i++) {
        const rp_plugin_setting *s = &cfg->plugin_settings[i];
        if (strcmp(s->plugin, plugin) == 0 && strcmp(s->key, key) == 0)
            found = s->value;
    }
    return found;
}

void rp_config_free(rp_config *cfg)
{
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (KEYS[i].kind == KEY_STRING) {
            char **field = (char **)((char *)cfg + KEYS[i].offset);
            free(*field);
            *field = NULL;
        }
    for (size_t i = 0; i < cfg->plugin_settings_count; i++) {
        free(cfg->plugin_settings[i].plugin);
        free(cfg->plugin_settings[i].key);
        free(cfg->plugin_settings[i].value);
    }
    free(cfg->plugin_settings);
    cfg->plugin_settings = NULL;
    cfg->plugin_settings_count = 0;
}
