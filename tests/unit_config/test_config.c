/*
 * test_config.c - rapportd's configuration (core/src/config.c): defaults,
 * the INI file, both flag forms, flags over the file, the exact errors an
 * operator sees, every limits key, --help, and deploy/rapport.conf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

#define DEPLOY_CONF RAPPORT_SOURCE_DIR "/deploy/rapport.conf"

/* Every broker and limits key, as the header's contract names them. */
static const char *const BROKER_KEYS[] = {
    "database", "ingress", "publish", "replay", "http", "plugin_dir", "plugins", "partitions",
    "max_tries", "clock", "event_lateness_ms", "log_format", "log_level", "db_backoff_min_ms",
    "db_backoff_max_ms",
    "idle_poll_ms", "plugin_yield_ms", "shutdown_timeout_ms", "worker_stall_ms",
    "http_threads", "http_max_connections", "http_max_connections_per_ip", "http_timeout_ms", "ready_max_lag_ms"};
#define BROKER_KEY_COUNT (sizeof BROKER_KEYS / sizeof BROKER_KEYS[0])

typedef struct limit_key {
    const char *name;
    size_t offset;
} limit_key;

#define LIMIT_KEY(f) {"limits." #f, offsetof(rp_limits, f)}
static const limit_key LIMIT_KEYS[] = {
    LIMIT_KEY(max_frame_bytes), LIMIT_KEY(max_batch_events), LIMIT_KEY(max_depth),
    LIMIT_KEY(max_elements), LIMIT_KEY(max_string_bytes), LIMIT_KEY(max_id_bytes),
    LIMIT_KEY(max_key_bytes), LIMIT_KEY(ingress_queue_events), LIMIT_KEY(commit_batch_events),
    LIMIT_KEY(plugin_batch_events), LIMIT_KEY(replay_max_events), LIMIT_KEY(emit_max_bytes),
    LIMIT_KEY(timer_key_max_bytes), LIMIT_KEY(max_emits_per_txn), LIMIT_KEY(reply_hwm), LIMIT_KEY(max_inflight_requests),
    LIMIT_KEY(max_connections)};
#define LIMIT_KEY_COUNT (sizeof LIMIT_KEYS / sizeof LIMIT_KEYS[0])

/* ------------------------------------------------------------ helpers */

static char conf_path[64];

/* Writes text to a fresh temporary file named in conf_path. */
static void write_conf(const char *text)
{
    snprintf(conf_path, sizeof conf_path, "/tmp/rp-unit-config-XXXXXX");
    int fd = mkstemp(conf_path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* Loads text as a file into cfg (from defaults); returns the result. */
static bool load_text(rp_config *cfg, const char *text, char *err, size_t errlen)
{
    write_conf(text);
    bool ok = rp_config_load_file(cfg, conf_path, err, errlen);
    unlink(conf_path);
    return ok;
}

/* err must equal "<conf_path>:<line>: <rest>". */
static void assert_file_error(const char *err, int line, const char *rest)
{
    char expected[1024];
    snprintf(expected, sizeof expected, "%s:%d: %s", conf_path, line, rest);
    assert_string_equal(err, expected);
}

/* noinline: at -O3 gcc 12 mistakes the result of open_memstream for a
 * pointer to the local `text` (a false -Wdangling-pointer). */
__attribute__((noinline)) static char *help_text(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    rp_config_print_help(out);
    fclose(out);
    return text;
}

static char *read_whole_file(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* ------------------------------------------------------------ defaults */

static void defaults_match_the_contract(void **state)
{
    rp_config cfg;
    rp_config_defaults(&cfg);
    assert_string_equal(cfg.database, "");
    assert_string_equal(cfg.ingress, "tcp://127.0.0.1:7450");
    assert_string_equal(cfg.publish, "tcp://127.0.0.1:7451");
    assert_string_equal(cfg.replay, "tcp://127.0.0.1:7452");
    assert_string_equal(cfg.http, "127.0.0.1:7453");
    assert_string_equal(cfg.plugin_dir, EXPECTED_PLUGIN_DIR);  /* the install prefix's, as built */
    assert_string_equal(cfg.plugins, "");
    assert_int_equal(cfg.partitions, 64);
    assert_int_equal(cfg.max_tries, 3);
    assert_int_equal(cfg.clock, RP_CLOCK_WALL);
    assert_int_equal(cfg.clock_fixed_ms, 0);
    assert_string_equal(cfg.log_format, "kv");
    assert_string_equal(cfg.log_level, "info");
    assert_int_equal(cfg.db_backoff_min_ms, 100);
    assert_int_equal(cfg.db_backoff_max_ms, 5000);
    assert_int_equal(cfg.idle_poll_ms, 200);
    assert_int_equal(cfg.plugin_yield_ms, 3000);
    assert_int_equal(cfg.shutdown_timeout_ms, 30000);
    rp_limits limits;
    rp_limits_defaults(&limits);
    assert_memory_equal(&cfg.limits, &limits, sizeof limits);
    assert_int_equal(cfg.plugin_settings_count, 0);
    assert_null(cfg.plugin_settings);
    rp_config_free(&cfg);
    assert_null(cfg.ingress);                  /* free leaves no dangling pointers */
    rp_config_free(&cfg);                      /* and may be repeated */
}

/* ------------------------------------------------------------ the file */

static void file_sections_comments_and_plugins(void **state)
{
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    bool ok = load_text(&cfg,
                        "; a comment\n"
                        "# another comment\n"
                        "\n"
                        "[broker]\n"
                        "ingress = tcp://0.0.0.0:9000   ; inline comment\n"
                        "database = host=/run/pg dbname=rapport\n"
                        "http = \"\"\n"
                        "partitions=16\n"
                        "clock = fixed:1700000000000\n"
                        "log_format = json\n"
                        "log_level = debug\n"
                        "[limits]\n"
                        "max_batch_events = 10\n"
                        "max_frame_bytes = 2MiB\n"
                        "[plugin.scoring]\n"
                        "half_life = 90d\n"
                        "acme.half_life = 30d\n"
                        "[plugin.care]\n"
                        "half_life = \" spaced;value \"\n"
                        "tiers = \";x\"\n",
                        err, sizeof err);
    if (!ok)
        fail_msg("%s", err);
    assert_string_equal(cfg.ingress, "tcp://0.0.0.0:9000");
    assert_string_equal(cfg.database, "host=/run/pg dbname=rapport");
    assert_string_equal(cfg.http, "");
    assert_int_equal(cfg.partitions, 16);
    assert_int_equal(cfg.clock, RP_CLOCK_FIXED);
    assert_int_equal(cfg.clock_fixed_ms, 1700000000000LL);
    assert_string_equal(cfg.log_format, "json");
    assert_string_equal(cfg.log_level, "debug");
    assert_int_equal(cfg.limits.max_batch_events, 10);
    assert_int_equal(cfg.limits.max_frame_bytes, 2 * 1024 * 1024);
    assert_int_equal(cfg.plugin_settings_count, 4);
    assert_string_equal(cfg.plugin_settings[0].plugin, "scoring");
    assert_string_equal(cfg.plugin_settings[0].key, "half_life");
    assert_string_equal(cfg.plugin_settings[0].value, "90d");
    assert_string_equal(rp_config_plugin_value(&cfg, "scoring", "acme.half_life"), "30d");
    assert_string_equal(rp_config_plugin_value(&cfg, "care", "half_life"), " spaced;value ");
    assert_string_equal(rp_config_plugin_value(&cfg, "care", "tiers"), ";x");
    assert_null(rp_config_plugin_value(&cfg, "care", "size"));
    assert_null(rp_config_plugin_value(&cfg, "survey", "half_life"));
    /* untouched keys keep their defaults */
    assert_string_equal(cfg.publish, "tcp://127.0.0.1:7451");
    assert_int_equal(cfg.limits.max_depth, 8);
    rp_config_free(&cfg);
}

static void keys_before_any_section_are_broker_keys(void **state)
{
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    assert_true(load_text(&cfg, "max_tries = 5\n", err, sizeof err));
    assert_int_equal(cfg.max_tries, 5);
    assert_true(rp_config_load_file(&cfg, NULL, err, sizeof err));   /* no file: nothing to do */
    assert_int_equal(cfg.max_tries, 5);
    rp_config_free(&cfg);
}

static void file_errors_name_file_line_key_and_rule(void **state)
{
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);

    assert_false(load_text(&cfg, "[broker]\npartitions = 8\nmax_tries = none\n", err, sizeof err));
    assert_file_error(err, 3, "max_tries: \"none\" is not an integer in 1..1000");

    assert_false(load_text(&cfg, "[broker]\n\n; x\ningres = tcp://x\n", err, sizeof err));
    assert_file_error(err, 4, "unknown configuration key \"ingres\" (rapportd --help lists them)");

    assert_false(load_text(&cfg, "[limits]\nmax_dept = 3\n", err, sizeof err));
    assert_file_error(err, 2, "unknown configuration key \"limits.max_dept\" (rapportd --help lists them)");

    assert_false(load_text(&cfg, "[brokr]\nx = 1\n", err, sizeof err));
    assert_file_error(err, 2, "unknown section [brokr] (sections are [broker], [limits] and [plugin.NAME])");

    assert_false(load_text(&cfg, "[plugin.a.b]\nx = 1\n", err, sizeof err));
    assert_file_error(err, 2, "unknown section [plugin.a.b] (sections are [broker], [limits] and [plugin.NAME])");

    assert_false(load_text(&cfg, "[broker]\njust words\npartitions = 0\n", err, sizeof err));
    assert_file_error(err, 2, "syntax error (expected [section], key = value or a comment)");

    /* only the first of several errors is reported */
    assert_false(load_text(&cfg, "partitions = 0\nmax_tries = 0\n", err, sizeof err));
    assert_file_error(err, 1, "partitions: \"0\" is not an integer in 1..4096");

    char long_line[400];
    memset(long_line, 'x', sizeof long_line);
    memcpy(long_line, "database = ", 11);
    long_line[sizeof long_line - 2] = '\n';
    long_line[sizeof long_line - 1] = '\0';
    char text[512];
    snprintf(text, sizeof text, "[broker]\n%s", long_line);
    assert_false(load_text(&cfg, text, err, sizeof err));
    assert_file_error(err, 2, "line too long");

    assert_false(rp_config_load_file(&cfg, "/nonexistent/rapport.conf", err, sizeof err));
    assert_string_equal(err, "/nonexistent/rapport.conf: cannot open: No such file or directory");
    rp_config_free(&cfg);
}

/* ------------------------------------------------------------ flags */

static void flag_forms(void **state)
{
    char *argv[] = {"rapportd", "--ingress=tcp://*:1", "--publish", "tcp://*:2", "migrate",
                    "--limits.max_depth=16", "--plugin.scoring.half_life", "30d", "--http=", "--", NULL};
    int argc = 10;
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    assert_int_equal(rp_config_apply_flag(&cfg, argc, argv, 1, err, sizeof err), 1);
    assert_int_equal(rp_config_apply_flag(&cfg, argc, argv, 2, err, sizeof err), 2);
    assert_int_equal(rp_config_apply_flag(&cfg, argc, argv, 4, err, sizeof err), 0);   /* not a flag */
    assert_int_equal(rp_config_apply_flag(&cfg, argc, argv, 5, err, sizeof err), 1);
    assert_int_equal(rp_config_apply_flag(&cfg, argc, argv, 6, err, sizeof err), 2);
    assert_int_equal(rp_config_apply_flag(&cfg, argc, argv, 8, err, sizeof err), 1);
    assert_int_equal(rp_config_apply_flag(&cfg, argc, argv, 9, err, sizeof err), 0);   /* bare "--" */
    assert_string_equal(cfg.ingress, "tcp://*:1");
    assert_string_equal(cfg.publish, "tcp://*:2");
    assert_int_equal(cfg.limits.max_depth, 16);
    assert_string_equal(rp_config_plugin_value(&cfg, "scoring", "half_life"), "30d");
    assert_string_equal(cfg.http, "");
    rp_config_free(&cfg);
}

static void flag_errors(void **state)
{
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    char *missing[] = {"rapportd", "--partitions", NULL};
    assert_int_equal(rp_config_apply_flag(&cfg, 2, missing, 1, err, sizeof err), -1);
    assert_string_equal(err, "--partitions needs a value (--partitions=VALUE or --partitions VALUE)");

    char *unknown_eq[] = {"rapportd", "--bogus=1", NULL};
    assert_int_equal(rp_config_apply_flag(&cfg, 2, unknown_eq, 1, err, sizeof err), -1);
    assert_string_equal(err, "unknown configuration key \"bogus\" (rapportd --help lists them)");

    /* an unknown key is named, not mistaken for one lacking a value */
    char *unknown_space[] = {"rapportd", "--limits.bogus", NULL};
    assert_int_equal(rp_config_apply_flag(&cfg, 2, unknown_space, 1, err, sizeof err), -1);
    assert_string_equal(err, "unknown configuration key \"limits.bogus\" (rapportd --help lists them)");

    char *bad_plugin[] = {"rapportd", "--plugin.scoring", "1", NULL};
    assert_int_equal(rp_config_apply_flag(&cfg, 3, bad_plugin, 1, err, sizeof err), -1);
    assert_string_equal(err, "plugin.scoring: plugin keys are written plugin.NAME.KEY");

    char *bad_value[] = {"rapportd", "--max_tries", "many", NULL};
    assert_int_equal(rp_config_apply_flag(&cfg, 3, bad_value, 1, err, sizeof err), -1);
    assert_string_equal(err, "max_tries: \"many\" is not an integer in 1..1000");
    assert_int_equal(cfg.max_tries, 3);          /* a refused value changes nothing */
    rp_config_free(&cfg);
}

static void flags_override_the_file(void **state)
{
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    assert_true(load_text(&cfg,
                          "[broker]\npartitions = 16\ningress = tcp://file:1\n"
                          "[limits]\nmax_depth = 4\n[plugin.scoring]\nhalf_life = 90d\n",
                          err, sizeof err));
    char *argv[] = {"rapportd", "--partitions=32", "--limits.max_depth", "6",
                    "--plugin.scoring.half_life=30d", NULL};
    assert_int_equal(rp_config_apply_flag(&cfg, 5, argv, 1, err, sizeof err), 1);
    assert_int_equal(rp_config_apply_flag(&cfg, 5, argv, 2, err, sizeof err), 2);
    assert_int_equal(rp_config_apply_flag(&cfg, 5, argv, 4, err, sizeof err), 1);
    assert_int_equal(cfg.partitions, 32);
    assert_int_equal(cfg.limits.max_depth, 6);
    assert_string_equal(cfg.ingress, "tcp://file:1");
    assert_string_equal(rp_config_plugin_value(&cfg, "scoring", "half_life"), "30d");
    assert_int_equal(cfg.plugin_settings_count, 1);   /* replaced, not appended */
    rp_config_free(&cfg);
}

/* ------------------------------------------------------------ values */

typedef struct bad_value {
    const char *key, *value, *error;
} bad_value;

static void bad_values_name_key_value_and_rule(void **state)
{
    static const bad_value cases[] = {
        {"partitions", "abc", "partitions: \"abc\" is not an integer in 1..4096"},
        {"partitions", "0", "partitions: \"0\" is not an integer in 1..4096"},
        {"partitions", "4097", "partitions: \"4097\" is not an integer in 1..4096"},
        {"partitions", " 8", "partitions: \" 8\" is not an integer in 1..4096"},
        {"partitions", "8ms", "partitions: \"8ms\" is not an integer in 1..4096"},
        {"partitions", "", "partitions: \"\" is not an integer in 1..4096"},
        {"max_tries", "0", "max_tries: \"0\" is not an integer in 1..1000"},
        {"idle_poll_ms", "-5", "idle_poll_ms: \"-5\" is not an integer in 1..60000"},
        {"db_backoff_max_ms", "99999999999999999999",
         "db_backoff_max_ms: \"99999999999999999999\" is not an integer in 1..3600000"},
        {"clock", "sometimes", "clock: \"sometimes\" must be wall, event or fixed:<ms since the epoch>"},
        {"clock", "fixed:", "clock: \"fixed:\" must be wall, event or fixed:<ms since the epoch>"},
        {"clock", "fixed:-1", "clock: \"fixed:-1\" must be wall, event or fixed:<ms since the epoch>"},
        {"log_format", "xml", "log_format: \"xml\" must be kv or json"},
        {"log_level", "verbose", "log_level: \"verbose\" must be debug, info, warn or error"},
        {"limits.max_id_bytes", "129",
         "limits.max_id_bytes: \"129\" is not a byte count in 1..128 (an integer, optionally with a KiB, MiB or GiB suffix)"},
        {"limits.max_frame_bytes", "2MB",
         "limits.max_frame_bytes: \"2MB\" is not a byte count in 64..1073741824 (an integer, optionally with a KiB, MiB or GiB suffix)"},
        {"limits.max_frame_bytes", "2GiB",
         "limits.max_frame_bytes: \"2GiB\" is not a byte count in 64..1073741824 (an integer, optionally with a KiB, MiB or GiB suffix)"},
        {"limits.max_depth", "1", "limits.max_depth: \"1\" is not an integer in 2..64"},
        {"limits.max_batch_events", "1KiB", "limits.max_batch_events: \"1KiB\" is not an integer in 1..1000000"},
        {"limits.max_connections", "0", "limits.max_connections: \"0\" is not an integer in 1..1000000"},
        {"limits.max_connections", "-1", "limits.max_connections: \"-1\" is not an integer in 1..1000000"},
        {"limits.reply_hwm", "0", "limits.reply_hwm: \"0\" is not an integer in 1..100000"},
        {"limits.reply_hwm", "100001", "limits.reply_hwm: \"100001\" is not an integer in 1..100000"},
        {"limits.max_inflight_requests", "0", "limits.max_inflight_requests: \"0\" is not an integer in 1..100000"},
        {"limits.max_inflight_requests", "many",
         "limits.max_inflight_requests: \"many\" is not an integer in 1..100000"},
        {"ingres", "x", "unknown configuration key \"ingres\" (rapportd --help lists them)"},
        {"limits", "x", "unknown configuration key \"limits\" (rapportd --help lists them)"},
        {"plugin.scoring", "1", "plugin.scoring: plugin keys are written plugin.NAME.KEY"},
        {"plugin..x", "1", "plugin..x: plugin keys are written plugin.NAME.KEY"},
        {"plugin.scoring.", "1", "plugin.scoring.: plugin keys are written plugin.NAME.KEY"},
    };
    rp_config cfg, before;
    char err[512];
    rp_config_defaults(&cfg);
    memcpy(&before, &cfg, sizeof cfg);   /* padding included, for the memcmp below */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_false(rp_config_set(&cfg, cases[i].key, cases[i].value, err, sizeof err));
        assert_string_equal(err, cases[i].error);
    }
    assert_memory_equal(&cfg, &before, sizeof cfg);   /* nothing was changed */
    rp_config_free(&cfg);
}

static void good_values(void **state)
{
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    assert_true(rp_config_set(&cfg, "clock", "event", err, sizeof err));
    assert_int_equal(cfg.clock, RP_CLOCK_EVENT);
    assert_true(rp_config_set(&cfg, "clock", "fixed:0", err, sizeof err));
    assert_int_equal(cfg.clock, RP_CLOCK_FIXED);
    assert_int_equal(cfg.clock_fixed_ms, 0);
    assert_true(rp_config_set(&cfg, "clock", "wall", err, sizeof err));
    assert_int_equal(cfg.clock, RP_CLOCK_WALL);
    assert_true(rp_config_set(&cfg, "partitions", "4096", err, sizeof err));
    assert_int_equal(cfg.partitions, 4096);
    assert_true(rp_config_set(&cfg, "partitions", "0001", err, sizeof err));
    assert_int_equal(cfg.partitions, 1);
    assert_true(rp_config_set(&cfg, "shutdown_timeout_ms", "0", err, sizeof err));
    assert_int_equal(cfg.shutdown_timeout_ms, 0);
    assert_true(rp_config_set(&cfg, "plugin_yield_ms", "0", err, sizeof err));
    assert_int_equal(cfg.plugin_yield_ms, 0);
    assert_true(rp_config_set(&cfg, "limits.max_string_bytes", "64KiB", err, sizeof err));
    assert_int_equal(cfg.limits.max_string_bytes, 65536);
    assert_true(rp_config_set(&cfg, "limits.max_frame_bytes", "1GiB", err, sizeof err));
    assert_int_equal(cfg.limits.max_frame_bytes, 1073741824);
    assert_true(rp_config_set(&cfg, "log_level", "warn", err, sizeof err));
    assert_string_equal(cfg.log_level, "warn");
    assert_true(rp_config_set(&cfg, "database", "dbname=x", err, sizeof err));
    assert_true(rp_config_set(&cfg, "database", "dbname=y", err, sizeof err));   /* old copy freed */
    assert_string_equal(cfg.database, "dbname=y");
    rp_config_free(&cfg);
}

/* Each limits key writes its own field and no other. */
static void every_limits_key_is_settable(void **state)
{
    for (size_t i = 0; i < LIMIT_KEY_COUNT; i++) {
        rp_config cfg;
        char err[512];
        rp_config_defaults(&cfg);
        rp_limits expected = cfg.limits;
        *(size_t *)(void *)((char *)&expected + LIMIT_KEYS[i].offset) = 64;
        if (!rp_config_set(&cfg, LIMIT_KEYS[i].name, "64", err, sizeof err))
            fail_msg("%s: %s", LIMIT_KEYS[i].name, err);
        assert_memory_equal(&cfg.limits, &expected, sizeof expected);
        rp_config_free(&cfg);
    }
}

/* ------------------------------------------------------------ help */

static void help_lists_every_key_once(void **state)
{
    char *help = help_text();
    char line_start[64];
    for (size_t i = 0; i < BROKER_KEY_COUNT + LIMIT_KEY_COUNT; i++) {
        const char *key = i < BROKER_KEY_COUNT ? BROKER_KEYS[i] : LIMIT_KEYS[i - BROKER_KEY_COUNT].name;
        snprintf(line_start, sizeof line_start, "\n%s ", key);
        size_t first = (size_t)(strstr(help, line_start) - help);
        if (!strstr(help, line_start))
            fail_msg("--help does not list %s", key);
        assert_null(strstr(help + first + 1, line_start));
    }
    size_t lines = 0;
    for (const char *p = help; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + BROKER_KEY_COUNT + LIMIT_KEY_COUNT);   /* header + one per key */
    assert_non_null(strstr(help,
        "\npartitions                     64                     "
        "partitions of the event stream; fixed for the life of a database [1..4096]\n"));
    assert_non_null(strstr(help,
        "\ndatabase                       \"\"                     "
        "libpq conninfo of the PostgreSQL database (\"\" = libpq defaults and PG* environment)\n"));
    assert_non_null(strstr(help,
        "\nlimits.max_id_bytes            128                    "
        "bytes of an event id (the wire contract allows at most 128) [1..128 bytes; KiB/MiB/GiB allowed]\n"));
    free(help);
}

/* Every default --help shows is accepted by the key it belongs to. */
static void help_defaults_are_valid_values(void **state)
{
    char *help = help_text();
    char *save = NULL;
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    strtok_r(help, "\n", &save);                               /* the header */
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char key[64], def[128];
        assert_int_equal(sscanf(line, "%63s %127s", key, def), 2);
        if (strcmp(def, "\"\"") == 0)
            def[0] = '\0';
        if (!rp_config_set(&cfg, key, def, err, sizeof err))
            fail_msg("%s", err);
    }
    rp_config_free(&cfg);
    free(help);
}

/* ------------------------------------------------------------ deploy */

/* True if the file sets key ("limits.x" = x in [limits]) on a line of its own. */
static bool conf_sets(const char *text, const char *key)
{
    const char *section = "broker", *bare = key;
    if (strncmp(key, "limits.", 7) == 0) {
        section = "limits";
        bare = key + 7;
    }
    char current[64] = "";
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        size_t bare_len = strlen(bare);
        if (line[0] == '[')
            sscanf(line, "[%63[^]]", current);
        else if (strcmp(current, section) == 0 && len > bare_len + 2 && strncmp(line, bare, bare_len) == 0 &&
                 strncmp(line + bare_len, " =", 2) == 0)
            return true;
        line += len + (end ? 1 : 0);
    }
    return false;
}

static void deploy_conf_loads_and_sets_every_key(void **state)
{
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    if (!rp_config_load_file(&cfg, DEPLOY_CONF, err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(cfg.database, "host=/var/run/postgresql dbname=rapport user=rapport");
    assert_string_equal(cfg.plugin_dir, "/usr/local/lib/rapport/plugins");
    assert_string_equal(cfg.plugins, "scoring");
    assert_int_equal(cfg.plugin_settings_count, 0);
    /* everything else is the default, written out */
    rp_config defaults;
    rp_config_defaults(&defaults);
    assert_string_equal(cfg.ingress, defaults.ingress);
    assert_string_equal(cfg.publish, defaults.publish);
    assert_string_equal(cfg.replay, defaults.replay);
    assert_string_equal(cfg.http, defaults.http);
    assert_string_equal(cfg.log_format, defaults.log_format);
    assert_string_equal(cfg.log_level, defaults.log_level);
    assert_int_equal(cfg.partitions, defaults.partitions);
    assert_int_equal(cfg.max_tries, defaults.max_tries);
    assert_int_equal(cfg.clock, defaults.clock);
    assert_int_equal(cfg.db_backoff_min_ms, defaults.db_backoff_min_ms);
    assert_int_equal(cfg.db_backoff_max_ms, defaults.db_backoff_max_ms);
    assert_int_equal(cfg.idle_poll_ms, defaults.idle_poll_ms);
    assert_int_equal(cfg.plugin_yield_ms, defaults.plugin_yield_ms);
    assert_int_equal(cfg.shutdown_timeout_ms, defaults.shutdown_timeout_ms);
    assert_int_equal(cfg.http_threads, defaults.http_threads);
    assert_int_equal(cfg.http_max_connections, defaults.http_max_connections);
    assert_int_equal(cfg.http_max_connections_per_ip, defaults.http_max_connections_per_ip);
    assert_int_equal(cfg.http_timeout_ms, defaults.http_timeout_ms);
    assert_int_equal(cfg.ready_max_lag_ms, defaults.ready_max_lag_ms);
    assert_memory_equal(&cfg.limits, &defaults.limits, sizeof cfg.limits);
    rp_config_free(&defaults);
    rp_config_free(&cfg);

    /* and it names every key --help knows, in the right section */
    const char *text = read_whole_file(DEPLOY_CONF);
    char *help = help_text();
    char *save = NULL;
    strtok_r(help, "\n", &save);
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char key[64];
        assert_int_equal(sscanf(line, "%63s", key), 1);
        if (!conf_sets(text, key))
            fail_msg("deploy/rapport.conf does not set %s", key);
    }
    free(help);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_match_the_contract),
        cmocka_unit_test(file_sections_comments_and_plugins),
        cmocka_unit_test(keys_before_any_section_are_broker_keys),
        cmocka_unit_test(file_errors_name_file_line_key_and_rule),
        cmocka_unit_test(flag_forms),
        cmocka_unit_test(flag_errors),
        cmocka_unit_test(flags_override_the_file),
        cmocka_unit_test(bad_values_name_key_value_and_rule),
        cmocka_unit_test(good_values),
        cmocka_unit_test(every_limits_key_is_settable),
        cmocka_unit_test(help_lists_every_key_once),
        cmocka_unit_test(help_defaults_are_valid_values),
        cmocka_unit_test(deploy_conf_loads_and_sets_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
