/* test_config.c - defaults, the INI file, flags winning over the file, and
 * the exact errors an operator sees. */
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

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/rapport-test-config-%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void defaults(void **state)
{
    rp_config cfg;
    rp_config_defaults(&cfg);
    assert_string_equal(cfg.ingress, "tcp://127.0.0.1:7450");
    assert_string_equal(cfg.publish, "tcp://127.0.0.1:7451");
    assert_string_equal(cfg.replay, "tcp://127.0.0.1:7452");
    assert_string_equal(cfg.http, "127.0.0.1:7453");
    assert_int_equal(cfg.partitions, 64);
    assert_int_equal(cfg.max_tries, 3);
    assert_int_equal(cfg.clock, RP_CLOCK_WALL);
    assert_int_equal(cfg.limits.max_frame_bytes, 1048576);
    assert_int_equal(cfg.limits.max_batch_events, 1000);
    assert_int_equal(cfg.limits.max_id_bytes, 128);
    rp_config_free(&cfg);
}

static void file_then_flags(void **state)
{
    write_file("; comment\n[broker]\ningress = tcp://0.0.0.0:9000\npartitions = 16\nclock = fixed:1700000000000\n"
               "[limits]\nmax_batch_events = 10\n[plugin.scoring]\nhalf_life = 90d\n");
    rp_config cfg;
    char err[256];
    rp_config_defaults(&cfg);
    assert_true(rp_config_load_file(&cfg, path, err, sizeof err));
    assert_string_equal(cfg.ingress, "tcp://0.0.0.0:9000");
    assert_int_equal(cfg.partitions, 16);
    assert_int_equal(cfg.clock, RP_CLOCK_FIXED);
    assert_int_equal(cfg.clock_fixed_ms, 1700000000000LL);
    assert_int_equal(cfg.limits.max_batch_events, 10);
    assert_string_equal(rp_config_plugin_value(&cfg, "scoring", "half_life"), "90d");
    char *argv[] = {"rapportd", "--partitions=32", "--limits.max_depth", "4", "--plugin.scoring.half_life=30d", NULL};
    assert_int_equal(rp_config_apply_flag(&cfg, 5, argv, 1, err, sizeof err), 1);
    assert_int_equal(rp_config_apply_flag(&cfg, 5, argv, 2, err, sizeof err), 2);
    assert_int_equal(rp_config_apply_flag(&cfg, 5, argv, 4, err, sizeof err), 1);
    assert_int_equal(cfg.partitions, 32);
    assert_int_equal(cfg.limits.max_depth, 4);
    assert_string_equal(rp_config_plugin_value(&cfg, "scoring", "half_life"), "30d");
    assert_null(rp_config_plugin_value(&cfg, "care", "half_life"));
    rp_config_free(&cfg);
    remove(path);
}

static void errors_name_key_value_and_rule(void **state)
{
    rp_config cfg;
    char err[256];
    rp_config_defaults(&cfg);
    assert_false(rp_config_set(&cfg, "partitions", "abc", err, sizeof err));
    assert_string_equal(err, "partitions: \"abc\" is not an integer in 1..4096");
    assert_false(rp_config_set(&cfg, "limits.max_id_bytes", "129", err, sizeof err));
    assert_string_equal(err, "limits.max_id_bytes: \"129\" is not a byte count in 1..128 (an integer, optionally with a KiB, MiB or GiB suffix)");
    assert_false(rp_config_set(&cfg, "ingres", "x", err, sizeof err));
    assert_string_equal(err, "unknown configuration key \"ingres\" (rapportd --help lists them)");
    assert_false(rp_config_set(&cfg, "clock", "sometimes", err, sizeof err));
    assert_string_equal(err, "clock: \"sometimes\" must be wall, event or fixed:<ms since the epoch>");
    assert_false(rp_config_set(&cfg, "plugin.scoring", "1", err, sizeof err));
    assert_string_equal(err, "plugin.scoring: plugin keys are written plugin.NAME.KEY");
    char *argv[] = {"rapportd", "--partitions", NULL};
    assert_int_equal(rp_config_apply_flag(&cfg, 2, argv, 1, err, sizeof err), -1);
    assert_string_equal(err, "--partitions needs a value (--partitions=VALUE or --partitions VALUE)");
    write_file("[broker]\npartitions = 8\nmax_tries = none\n");
    assert_false(rp_config_load_file(&cfg, path, err, sizeof err));
    char expected[256];
    snprintf(expected, sizeof expected, "%s:3: max_tries: \"none\" is not an integer in 1..1000", path);
    assert_string_equal(err, expected);
    write_file("[brokr]\nx = 1\n");
    assert_false(rp_config_load_file(&cfg, path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s:2: unknown section [brokr] (sections are [broker], [limits] and [plugin.NAME])", path);
    assert_string_equal(err, expected);
    rp_config_free(&cfg);
    remove(path);
}

static void every_limit_is_a_key(void **state)
{
    static const char *const keys[] = {"max_frame_bytes", "max_batch_events", "max_depth", "max_elements",
        "max_string_bytes", "max_id_bytes", "max_key_bytes", "ingress_queue_events", "commit_batch_events",
        "plugin_batch_events", "replay_max_events", "emit_max_bytes", "max_emits_per_txn"};
    rp_config cfg;
    char err[256], name[64];
    rp_config_defaults(&cfg);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        snprintf(name, sizeof name, "limits.%s", keys[i]);
        assert_true(rp_config_set(&cfg, name, "64", err, sizeof err));
    }
    assert_int_equal(cfg.limits.max_frame_bytes, 64);
    assert_int_equal(cfg.limits.max_emits_per_txn, 64);
    char *help = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&help, &len);
    rp_config_print_help(out);
    fclose(out);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_non_null(strstr(help, keys[i]));
    free(help);
    rp_config_free(&cfg);
}

static void deploy_example_loads(void **state)
{
    rp_config cfg;
    char err[512];
    rp_config_defaults(&cfg);
    if (!rp_config_load_file(&cfg, RAPPORT_SOURCE_DIR "/deploy/rapport.conf", err, sizeof err))
        fail_msg("%s", err);
    rp_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(file_then_flags),
        cmocka_unit_test(errors_name_key_value_and_rule),
        cmocka_unit_test(every_limit_is_a_key),
        cmocka_unit_test(deploy_example_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
