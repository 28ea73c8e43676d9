/*
 * config.c - rapportd's configuration (config.h).
 *
 * One table, KEYS, describes every [broker] and [limits] key: its flag name,
 * its kind (which decides parsing and the rule quoted in errors), where it
 * lives in rp_config, its default and a one-line meaning. Defaults, the INI
 * file, flags and --help all read that table, so a key cannot exist in one
 * place and be missing in another. [plugin.NAME] keys are only recorded here;
 * the plugin host checks them against each plugin's schema.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifdef RAPPORT_PLUGIN_DIR
#define DEFAULT_PLUGIN_DIR RAPPORT_PLUGIN_DIR
#else
#define DEFAULT_PLUGIN_DIR "./build/plugins"
#endif

typedef enum key_kind {
    KEY_TEXT,       /* char *, any text */
    KEY_CHOICE,     /* char *, one of key_spec.choices */
    KEY_U32,        /* uint32_t integer in [min, max] */
    KEY_MS,         /* int64_t milliseconds in [min, max] */
    KEY_COUNT,      /* size_t integer in [min, max] */
    KEY_BYTES,      /* size_t in [min, max]; KiB/MiB/GiB suffix allowed */
    KEY_CLOCK       /* rp_clock_mode + clock_fixed_ms */
} key_kind;

typedef struct key_spec {
    const char *name;              /* flag name; "limits." prefix for [limits] */
    key_kind kind;
    size_t offset;                 /* of the field in rp_config */
    const char *default_value;     /* as it would be written in the file */
    int64_t min, max;              /* numeric kinds only */
    const char *const *choices;    /* KEY_CHOICE only, NULL-terminated */
    const char *description;
} key_spec;

static const char *const LOG_FORMATS[] = {"kv", "json", NULL};
static const char *const LOG_LEVELS[] = {"debug", "info", "warn", "error", NULL};

#define AT(field) offsetof(rp_config, field)
#define LIMIT(field) (offsetof(rp_config, limits) + offsetof(rp_limits, field))
#define HOUR_MS 3600000
#define GIB 1073741824

static const key_spec KEYS[] = {
    {"database", KEY_TEXT, AT(database), "", 0, 0, NULL,
     "libpq conninfo of the PostgreSQL database (\"\" = libpq defaults and PG* environment)"},
    {"ingress", KEY_TEXT, AT(ingress), "tcp://127.0.0.1:7450", 0, 0, NULL,
     "ZeroMQ ROUTER endpoint publishers send events to"},
    {"publish", KEY_TEXT, AT(publish), "tcp://127.0.0.1:7451", 0, 0, NULL,
     "ZeroMQ PUB endpoint of derived events"},
    {"replay", KEY_TEXT, AT(replay), "tcp://127.0.0.1:7452", 0, 0, NULL,
     "ZeroMQ ROUTER endpoint that replays derived events"},
    {"http", KEY_TEXT, AT(http), "127.0.0.1:7453", 0, 0, NULL,
     "ADDRESS:PORT serving /metrics and /health (\"\" = off)"},
    {"plugin_dir", KEY_TEXT, AT(plugin_dir), DEFAULT_PLUGIN_DIR, 0, 0, NULL,
     "directory where plugin NAME is found as NAME.so (default: the installed plugins, or the build tree's when rapportd runs from it)"},
    {"plugins", KEY_TEXT, AT(plugins), "", 0, 0, NULL,
     "comma-separated plugin names or .so paths to load (\"\" = none)"},
    {"partitions", KEY_U32, AT(partitions), "64", 1, 4096, NULL,
     "partitions of the event stream; fixed for the life of a database"},
    {"max_tries", KEY_U32, AT(max_tries), "3", 1, 1000, NULL,
     "tries of a plugin on one event or timer before it is dead-lettered"},
    {"clock", KEY_CLOCK, AT(clock), "wall", 0, 0, NULL,
     "engine clock: wall, event (follows event time, for replays) or fixed:<ms>"},
    {"event_lateness_ms", KEY_MS, AT(event_lateness_ms), "0", 0, 30LL * 24 * HOUR_MS, NULL,
     "event time: timers fire only once the watermark is this far past their due time, so events that arrive up to this much out of event-time order still come before the timers they precede (the last stretch of a replay then waits for later events)"},
    {"log_format", KEY_CHOICE, AT(log_format), "kv", 0, 0, LOG_FORMATS,
     "log lines as kv (key=value) or json (one object per line)"},
    {"log_level", KEY_CHOICE, AT(log_level), "info", 0, 0, LOG_LEVELS,
     "least severe level logged: debug, info, warn or error"},
    {"db_backoff_min_ms", KEY_MS, AT(db_backoff_min_ms), "100", 1, HOUR_MS, NULL,
     "first reconnect delay after a database failure"},
    {"db_backoff_max_ms", KEY_MS, AT(db_backoff_max_ms), "5000", 1, HOUR_MS, NULL,
     "longest reconnect delay (the delay doubles up to it)"},
    {"idle_poll_ms", KEY_MS, AT(idle_poll_ms), "200", 1, 60000, NULL,
     "how often idle workers look for new events and due timers"},
    {"plugin_yield_ms", KEY_MS, AT(plugin_yield_ms), "3000", 0, HOUR_MS, NULL,
     "while ingest is backlogged, the longest pause of plugin workers before they work as long again (0 = never pause)"},
    {"worker_stall_ms", KEY_MS, AT(worker_stall_ms), "120000", 1000, 24 * HOUR_MS, NULL,
     "a plugin worker in one transaction this long without progress counts as stuck (logged, /metrics, /health/ready fails)"},
    {"shutdown_timeout_ms", KEY_MS, AT(shutdown_timeout_ms), "30000", 0, HOUR_MS, NULL,
     "on SIGTERM, the longest wait for in-flight work"},
    {"http_threads", KEY_U32, AT(http_threads), "2", 1, 64, NULL,
     "threads of the HTTP server; each polls many connections, so a slow client holds none"},
    {"http_max_connections", KEY_U32, AT(http_max_connections), "256", 1, 65536, NULL,
     "HTTP connections open at once; beyond it new ones wait or are refused"},
    {"http_max_connections_per_ip", KEY_U32, AT(http_max_connections_per_ip), "0", 0, 65536, NULL,
     "HTTP connections from one client address (0 = no limit; probes often share the address of the rest)"},
    {"http_timeout_ms", KEY_MS, AT(http_timeout_ms), "3000", 1000, HOUR_MS, NULL,
     "an HTTP connection idle this long is closed (whole seconds, rounded up)"},
    {"ready_max_lag_ms", KEY_MS, AT(ready_max_lag_ms), "0", 0, 30LL * 24 * HOUR_MS, NULL,
     "/health/ready fails while a plugin's oldest unprocessed event was accepted longer ago (0 = off)"},
    {"limits.max_frame_bytes", KEY_BYTES, LIMIT(max_frame_bytes), "1048576", 64, GIB, NULL,
     "one ingress request frame (also ZMQ_MAXMSGSIZE)"},
    {"limits.max_batch_events", KEY_COUNT, LIMIT(max_batch_events), "1000", 1, 1000000, NULL,
     "events in one batch frame"},
    {"limits.max_depth", KEY_COUNT, LIMIT(max_depth), "8", 2, 64, NULL,
     "msgpack nesting depth of one event"},
    {"limits.max_elements", KEY_COUNT, LIMIT(max_elements), "10000", 1, 100000000, NULL,
     "entries in any one map or array of an event"},
    {"limits.max_string_bytes", KEY_BYTES, LIMIT(max_string_bytes), "65536", 1, GIB, NULL,
     "any one string or binary inside event data"},
    {"limits.max_id_bytes", KEY_BYTES, LIMIT(max_id_bytes), "128", 1, 128, NULL,
     "bytes of an event id (the wire contract allows at most 128)"},
    {"limits.max_key_bytes", KEY_BYTES, LIMIT(max_key_bytes), "256", 1, RP_KEY_CEILING, NULL,
     "bytes of type, tenant, customer and org"},
    {"limits.ingress_queue_events", KEY_COUNT, LIMIT(ingress_queue_events), "20000", 1, 100000000, NULL,
     "accepted but uncommitted events held in memory; beyond it publishers are told to retry"},
    {"limits.commit_batch_events", KEY_COUNT, LIMIT(commit_batch_events), "5000", 1, 1000000, NULL,
     "events per ingest transaction"},
    {"limits.plugin_batch_events", KEY_COUNT, LIMIT(plugin_batch_events), "1000", 1, 1000000, NULL,
     "events per plugin transaction"},
    {"limits.replay_max_events", KEY_COUNT, LIMIT(replay_max_events), "1000", 1, 1000000, NULL,
     "derived events per replay reply"},
    {"limits.emit_max_bytes", KEY_BYTES, LIMIT(emit_max_bytes), "65536", 16, 16777216, NULL,
     "data of one derived event"},
    {"limits.timer_key_max_bytes", KEY_BYTES, LIMIT(timer_key_max_bytes), "1024", 1, RP_TIMER_KEY_CEILING, NULL,
     "a plugin's timer key (stored in full)"},
    {"limits.max_emits_per_txn", KEY_COUNT, LIMIT(max_emits_per_txn), "100000", 1, 100000000, NULL,
     "derived events one plugin transaction may emit"},
    {"limits.reply_hwm", KEY_COUNT, LIMIT(reply_hwm), "16", 1, 100000, NULL,
     "replies held for one peer that does not read them (ingress and replay); beyond it replies are dropped and counted"},
    {"limits.max_inflight_requests", KEY_COUNT, LIMIT(max_inflight_requests), "64", 1, 100000, NULL,
     "ingress requests one connection may have awaiting their replies; beyond it a request is dropped unanswered"},
    {"limits.max_connections", KEY_COUNT, LIMIT(max_connections), "1000", 1, 1000000, NULL,
     "connections open at once on the ingress and replay sockets; beyond it new ones are refused"},
};
#define KEY_TOTAL (sizeof KEYS / sizeof KEYS[0])

static const key_spec *find_key(const char *name)
{
    for (size_t i = 0; i < KEY_TOTAL; i++)
        if (strcmp(KEYS[i].name, name) == 0)
            return &KEYS[i];
    return NULL;
}

static bool is_string_kind(key_kind kind)
{
    return kind == KEY_TEXT || kind == KEY_CHOICE;
}

/* ------------------------------------------------------------ values */

/* A decimal integer with an optional leading '-', nothing else; no
 * whitespace, no '+', no hex, so "08" and "8" mean the same and "0x8",
 * "8 " or "8ms" are refused rather than half-read. */
static bool parse_decimal(const char *text, size_t len, int64_t *out)
{
    size_t i = 0;
    bool negative = len > 0 && text[0] == '-';
    if (negative)
        i = 1;
    if (i == len)
        return false;
    int64_t value = 0;
    for (; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        int digit = text[i] - '0';
        if (value > (INT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = negative ? -value : value;
    return true;
}

/* A byte count: an integer, or an integer followed directly by KiB, MiB
 * or GiB (binary units only, so there is no doubt about 1000 vs 1024). */
static bool parse_bytes(const char *text, int64_t *out)
{
    static const struct { const char *suffix; int64_t factor; } UNITS[] = {
        {"KiB", 1024}, {"MiB", 1024 * 1024}, {"GiB", GIB}};
    size_t len = strlen(text);
    for (size_t u = 0; u < sizeof UNITS / sizeof UNITS[0]; u++) {
        size_t slen = strlen(UNITS[u].suffix);
        if (len > slen && strcmp(text + len - slen, UNITS[u].suffix) == 0) {
            int64_t n;
            if (!parse_decimal(text, len - slen, &n) || n > INT64_MAX / UNITS[u].factor ||
                n < INT64_MIN / UNITS[u].factor)
                return false;
            *out = n * UNITS[u].factor;
            return true;
        }
    }
    return parse_decimal(text, len, out);
}

static bool set_clock(rp_config *cfg, const char *value)
{
    int64_t ms;
    if (strcmp(value, "wall") == 0) {
        cfg->clock = RP_CLOCK_WALL;
        cfg->clock_fixed_ms = 0;
    } else if (strcmp(value, "event") == 0) {
        cfg->clock = RP_CLOCK_EVENT;
        cfg->clock_fixed_ms = 0;
    } else if (strncmp(value, "fixed:", 6) == 0 && parse_decimal(value + 6, strlen(value + 6), &ms) &&
               ms >= 0) {
        cfg->clock = RP_CLOCK_FIXED;
        cfg->clock_fixed_ms = ms;
    } else {
        return false;
    }
    return true;
}

static bool is_choice(const key_spec *k, const char *value)
{
    for (const char *const *c = k->choices; *c; c++)
        if (strcmp(*c, value) == 0)
            return true;
    return false;
}

/* "a, b or c" from a choices list, for error messages. */
static void describe_choices(const key_spec *k, char *out, size_t outlen)
{
    size_t count = 0, used = 0;
    while (k->choices[count])
        count++;
    out[0] = '\0';
    for (size_t i = 0; i < count && used < outlen; i++) {
        const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
        int n = snprintf(out + used, outlen - used, "%s%s", sep, k->choices[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static bool set_text(char **field, const char *value, const key_spec *k, char *err, size_t errlen)
{
    char *copy = strdup(value);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", k->name);
        return false;
    }
    free(*field);
    *field = copy;
    return true;
}

static bool set_choice(char **field, const key_spec *k, const char *value, char *err, size_t errlen)
{
    if (is_choice(k, value))
        return set_text(field, value, k, err, errlen);
    char choices[128];
    describe_choices(k, choices, sizeof choices);
    snprintf(err, errlen, "%s: \"%s\" must be %s", k->name, value, choices);
    return false;
}

static bool set_number(rp_config *cfg, const key_spec *k, const char *value, char *err, size_t errlen)
{
    int64_t n = 0;
    bool parsed = k->kind == KEY_BYTES ? parse_bytes(value, &n) : parse_decimal(value, strlen(value), &n);
    if (!parsed || n < k->min || n > k->max) {
        if (k->kind == KEY_BYTES)
            snprintf(err, errlen, "%s: \"%s\" is not a byte count in %" PRId64 "..%" PRId64
                     " (an integer, optionally with a KiB, MiB or GiB suffix)", k->name, value, k->min, k->max);
        else
            snprintf(err, errlen, "%s: \"%s\" is not an integer in %" PRId64 "..%" PRId64, k->name, value,
                     k->min, k->max);
        return false;
    }
    char *field = (char *)cfg + k->offset;
    if (k->kind == KEY_U32)
        *(uint32_t *)(void *)field = (uint32_t)n;
    else if (k->kind == KEY_MS)
        *(int64_t *)(void *)field = n;
    else
        *(size_t *)(void *)field = (size_t)n;
    return true;
}

static bool set_value(rp_config *cfg, const key_spec *k, const char *value, char *err, size_t errlen)
{
    char **text_field = (char **)(void *)((char *)cfg + k->offset);
    switch (k->kind) {
    case KEY_TEXT:
        return set_text(text_field, value, k, err, errlen);
    case KEY_CHOICE:
        return set_choice(text_field, k, value, err, errlen);
    case KEY_CLOCK:
        if (set_clock(cfg, value))
            return true;
        snprintf(err, errlen, "%s: \"%s\" must be wall, event or fixed:<ms since the epoch>", k->name, value);
        return false;
    default:
        return set_number(cfg, k, value, err, errlen);
    }
}

/* ------------------------------------------------------------ plugin keys */

/* "plugin.NAME.KEY": NAME is up to the first dot after "plugin.", KEY is
 * the rest (it may hold a dot: TENANT.KEY is a per-tenant value). */
static bool split_plugin_name(const char *name, const char **plugin, size_t *plugin_len, const char **key)
{
    if (strncmp(name, "plugin.", 7) != 0)
        return false;
    const char *start = name + 7, *dot = strchr(start, '.');
    if (!dot || dot == start || dot[1] == '\0')
        return false;
    *plugin = start;
    *plugin_len = (size_t)(dot - start);
    *key = dot + 1;
    return true;
}

static rp_plugin_setting *find_setting(rp_config *cfg, const char *plugin, size_t plugin_len, const char *key)
{
    for (size_t i = 0; i < cfg->plugin_settings_count; i++) {
        rp_plugin_setting *s = &cfg->plugin_settings[i];
        if (strlen(s->plugin) == plugin_len && strncmp(s->plugin, plugin, plugin_len) == 0 &&
            strcmp(s->key, key) == 0)
            return s;
    }
    return NULL;
}

/* A key set twice (file, then flag) keeps one entry holding the later
 * value, so the plugin host sees each key once. */
static bool set_plugin_setting(rp_config *cfg, const char *plugin, size_t plugin_len, const char *key,
                               const char *value, char *err, size_t errlen)
{
    char *value_copy = strdup(value);
    if (!value_copy) {
        snprintf(err, errlen, "plugin.%.*s.%s: out of memory", (int)plugin_len, plugin, key);
        return false;
    }
    rp_plugin_setting *existing = find_setting(cfg, plugin, plugin_len, key);
    if (existing) {
        free(existing->value);
        existing->value = value_copy;
        return true;
    }
    rp_plugin_setting *grown = realloc(cfg->plugin_settings, (cfg->plugin_settings_count + 1) * sizeof *grown);
    char *plugin_copy = strndup(plugin, plugin_len), *key_copy = strdup(key);
    if (grown)
        cfg->plugin_settings = grown;
    if (!grown || !plugin_copy || !key_copy) {
        free(value_copy);
        free(plugin_copy);
        free(key_copy);
        snprintf(err, errlen, "plugin.%.*s.%s: out of memory", (int)plugin_len, plugin, key);
        return false;
    }
    grown[cfg->plugin_settings_count++] = (rp_plugin_setting){plugin_copy, key_copy, value_copy};
    return true;
}

/* ------------------------------------------------------------ set, defaults */

static void explain_unknown(const char *name, char *err, size_t errlen)
{
    if (strncmp(name, "plugin.", 7) == 0)
        snprintf(err, errlen, "%s: plugin keys are written plugin.NAME.KEY", name);
    else
        snprintf(err, errlen, "unknown configuration key \"%s\" (rapportd --help lists them)", name);
}

bool rp_config_set(rp_config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    const char *plugin, *key;
    size_t plugin_len;
    if (split_plugin_name(name, &plugin, &plugin_len, &key))
        return set_plugin_setting(cfg, plugin, plugin_len, key, value, err, errlen);
    const key_spec *k = find_key(name);
    if (!k) {
        explain_unknown(name, err, errlen);
        return false;
    }
    return set_value(cfg, k, value, err, errlen);
}

void rp_config_defaults(rp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    rp_limits_defaults(&cfg->limits);
    for (size_t i = 0; i < KEY_TOTAL; i++) {
        char err[256];
        /* The table's defaults are valid by construction (the unit tests
         * check it), so only running out of memory can fail here; with a
         * void contract and nothing useful to run on, stopping is honest. */
        if (!set_value(cfg, &KEYS[i], KEYS[i].default_value, err, sizeof err)) {
            fprintf(stderr, "rapportd: configuration defaults: %s\n", err);
            abort();
        }
    }
}

/* ------------------------------------------------------------ the INI file */

typedef struct file_ctx {
    rp_config *cfg;
    FILE *file;
    int line;                  /* lines read so far = the line being parsed */
    bool line_too_long;
    int failed_line;           /* 0 = no handler error yet */
    char message[512];         /* the first handler error */
} file_ctx;

/* fgets for inih that counts lines, so errors name the exact line even
 * though Debian's inih gives the handler no line number, and that notices
 * a line longer than inih's buffer instead of letting inih read its tail as
 * a line of its own. */
static char *read_line(char *buf, int size, void *stream)
{
    file_ctx *f = stream;
    if (f->line_too_long || !fgets(buf, size, f->file))
        return NULL;
    f->line++;
    size_t len = strlen(buf);
    if (len + 1 == (size_t)size && buf[len - 1] != '\n') {
        int next = fgetc(f->file);   /* a full buffer at the very end is fine */
        if (next != EOF) {
            f->line_too_long = true;
            return NULL;
        }
    }
    return buf;
}

/* A value written in double quotes in the file loses them, so that a value
 * can be empty, begin with ';' or keep surrounding spaces. */
static const char *unquote(const char *value, char *buf, size_t buflen)
{
    size_t len = strlen(value);
    if (len < 2 || value[0] != '"' || value[len - 1] != '"' || len - 2 >= buflen)
        return value;
    memcpy(buf, value + 1, len - 2);
    buf[len - 2] = '\0';
    return buf;
}

static bool section_key_name(const char *section, const char *key, char *name, size_t namelen)
{
    if (section[0] == '\0' || strcmp(section, "broker") == 0)
        snprintf(name, namelen, "%s", key);
    else if (strcmp(section, "limits") == 0)
        snprintf(name, namelen, "limits.%s", key);
    else if (strncmp(section, "plugin.", 7) == 0 && section[7] != '\0' && !strchr(section + 7, '.'))
        snprintf(name, namelen, "%s.%s", section, key);
    else
        return false;
    return true;
}

static int on_ini_entry(void *user, const char *section, const char *key, const char *value)
{
    file_ctx *f = user;
    if (f->failed_line)
        return 1;                 /* only the first error is reported */
    char name[512], unquoted[1024];
    if (!section_key_name(section, key, name, sizeof name)) {
        snprintf(f->message, sizeof f->message,
                 "unknown section [%s] (sections are [broker], [limits] and [plugin.NAME])", section);
        f->failed_line = f->line;
        return 0;
    }
    if (!rp_config_set(f->cfg, name, unquote(value, unquoted, sizeof unquoted), f->message,
                       sizeof f->message)) {
        f->failed_line = f->line;
        return 0;
    }
    return 1;
}

bool rp_config_load_file(rp_config *cfg, const char *path, char *err, size_t errlen)
{
    if (!path)
        return true;
    file_ctx f = {.cfg = cfg, .file = fopen(path, "r")};
    if (!f.file) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    int rc = ini_parse_stream(read_line, &f, on_ini_entry, &f);
    bool read_error = ferror(f.file) != 0;
    fclose(f.file);
    if (f.line_too_long) {
        snprintf(err, errlen, "%s:%d: line too long", path, f.line);
        return false;
    }
    if (read_error) {
        snprintf(err, errlen, "%s: read error", path);
        return false;
    }
    if (rc > 0 && (!f.failed_line || rc < f.failed_line)) {
        snprintf(err, errlen, "%s:%d: syntax error (expected [section], key = value or a comment)", path, rc);
        return false;
    }
    if (f.failed_line) {
        snprintf(err, errlen, "%s:%d: %s", path, f.failed_line, f.message);
        return false;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot parse (inih error %d)", path, rc);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------ flags */

static bool is_known_name(const char *name)
{
    const char *plugin, *key;
    size_t plugin_len;
    return find_key(name) || split_plugin_name(name, &plugin, &plugin_len, &key);
}

int rp_config_apply_flag(rp_config *cfg, int argc, char **argv, int i, char *err, size_t errlen)
{
    const char *arg = argv[i];
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
        return 0;
    char name[512];
    const char *eq = strchr(arg, '=');
    if (eq) {
        snprintf(name, sizeof name, "%.*s", (int)(eq - arg - 2), arg + 2);
        return rp_config_set(cfg, name, eq + 1, err, errlen) ? 1 : -1;
    }
    snprintf(name, sizeof name, "%s", arg + 2);
    if (!is_known_name(name)) {   /* name the bad key before asking for a value */
        explain_unknown(name, err, errlen);
        return -1;
    }
    if (i + 1 >= argc) {
        snprintf(err, errlen, "--%s needs a value (--%s=VALUE or --%s VALUE)", name, name, name);
        return -1;
    }
    return rp_config_set(cfg, name, argv[i + 1], err, errlen) ? 2 : -1;
}

/* ------------------------------------------------------------ help */

static void describe_default(const key_spec *k, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", k->default_value[0] ? k->default_value : "\"\"");
}

static void describe_meaning(const key_spec *k, char *out, size_t outlen)
{
    switch (k->kind) {
    case KEY_U32:
    case KEY_COUNT:
        snprintf(out, outlen, "%s [%" PRId64 "..%" PRId64 "]", k->description, k->min, k->max);
        break;
    case KEY_MS:
        snprintf(out, outlen, "%s [%" PRId64 "..%" PRId64 " ms]", k->description, k->min, k->max);
        break;
    case KEY_BYTES:
        snprintf(out, outlen, "%s [%" PRId64 "..%" PRId64 " bytes; KiB/MiB/GiB allowed]", k->description,
                 k->min, k->max);
        break;
    default:
        snprintf(out, outlen, "%s", k->description);
    }
}

void rp_config_print_help(FILE *out)
{
    fprintf(out, "%-30s %-22s %s\n", "KEY ([limits] keys: limits.KEY)", "DEFAULT", "MEANING");
    for (size_t i = 0; i < KEY_TOTAL; i++) {
        char def[128], meaning[512];
        describe_default(&KEYS[i], def, sizeof def);
        describe_meaning(&KEYS[i], meaning, sizeof meaning);
        fprintf(out, "%-30s %-22s %s\n", KEYS[i].name, def, meaning);
    }
}

/* ------------------------------------------------------------ lookup, free */

const char *rp_config_plugin_value(const rp_config *cfg, const char *plugin, const char *key)
{
    for (size_t i = 0; i < cfg->plugin_settings_count; i++) {
        const rp_plugin_setting *s = &cfg->plugin_settings[i];
        if (strcmp(s->plugin, plugin) == 0 && strcmp(s->key, key) == 0)
            return s->value;
    }
    return NULL;
}

void rp_config_free(rp_config *cfg)
{
    for (size_t i = 0; i < KEY_TOTAL; i++) {
        if (!is_string_kind(KEYS[i].kind))
            continue;
        char **field = (char **)(void *)((char *)cfg + KEYS[i].offset);
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
