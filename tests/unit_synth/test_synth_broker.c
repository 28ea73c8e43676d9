/*
 * test_synth_broker.c - every event rapport-synth writes is valid on the
 * wire: a generated year with the synthetic layer on top (and, when the
 * data set is present, the first events of the real Online Retail year with
 * the layer) is published through a real rapportd with rapportctl and must
 * come back with zero rejections; publishing it again gives only duplicates
 * (the ids are stable).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rp_test.h"

static const char *const DAEMON_ARGS[] = {"--plugins=example", "--clock=event", NULL};

/* Runs a shell command that must succeed. */
static void run(const char *command)
{
    int status = system(command);
    if (status != 0)
        fail_msg("command failed (%d): %s", status, command);
}

static long count_lines(const char *path)
{
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    long lines = 0;
    for (int c; (c = fgetc(file)) != EOF;)
        lines += c == '\n';
    fclose(file);
    return lines;
}

/* rapportctl publish's summary line for the file. */
static void publish(const rp_test_daemon *daemon, const char *path, char *summary, size_t size)
{
    char command[1024];
    snprintf(command, sizeof command, "%s publish %s --ingress=%s", rp_test_rapportctl_path(), path,
             daemon->ingress);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    summary[0] = '\0';
    char line[256];
    while (fgets(line, sizeof line, pipe))
        if (strncmp(line, "accepted=", 9) == 0)
            snprintf(summary, size, "%s", line);
    pclose(pipe);
    summary[strcspn(summary, "\n")] = '\0';
}

/* Publishes the file twice: all accepted, then all duplicates; at least
 * min_types kinds of synthetic events were among them. */
static void publish_all_valid(const char *db_name, const char *path, long min_types)
{
    char *conninfo = rp_test_create_db(db_name);
    rp_test_daemon *daemon = rp_test_daemon_start(conninfo, DAEMON_ARGS);
    long lines = count_lines(path);
    assert_true(lines > 100);
    char summary[256], expected[256];
    publish(daemon, path, summary, sizeof summary);
    snprintf(expected, sizeof expected, "accepted=%ld duplicate=0 rejected=0 retried=0", lines);
    assert_string_equal(summary, expected);
    publish(daemon, path, summary, sizeof summary);
    snprintf(expected, sizeof expected, "accepted=0 duplicate=%ld rejected=0 retried=0", lines);
    assert_string_equal(summary, expected);

    PGconn *db = rp_test_connect(conninfo);
    long types = (long)rp_test_sql_int(db, "SELECT count(DISTINCT type) FROM events WHERE id LIKE 'syn:%'");
    assert_in_range(types, min_types, 20);
    rp_test_wait_idle(db, 60000);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(daemon, SIGTERM), 0);
    free(conninfo);
}

static void generated_year_with_layer_is_valid(void **state)
{
    (void)state;
    char path[] = "/tmp/rp-synth-broker-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char command[1024];
    snprintf(command, sizeof command, "%s --generate --seed=3 --customers=150 --months=12 2>/dev/null | "
             "%s --seed=3 >%s 2>/dev/null", RP_SYNTH, RP_SYNTH, path);
    run(command);
    publish_all_valid("rp_synth_generated", path, 13);
    unlink(path);
}

static void real_data_prefix_with_layer_is_valid(void **state)
{
    (void)state;
    if (access(RP_RETAIL_DATA, R_OK) != 0 || access(RP_RETAIL, X_OK) != 0) {
        print_message("skipped: %s or rapport-retail is absent\n", RP_RETAIL_DATA);
        skip();
    }
    char path[] = "/tmp/rp-synth-real-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char command[1024];
    snprintf(command, sizeof command, "%s --data=%s --limit=2000 2>/dev/null | %s --seed=11 >%s 2>/dev/null",
             RP_RETAIL, RP_RETAIL_DATA, RP_SYNTH, path);
    run(command);
    /* two days of data: no competitor promotion yet (the first starts on day 20) */
    publish_all_valid("rp_synth_real", path, 12);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_year_with_layer_is_valid),
        cmocka_unit_test(real_data_prefix_with_layer_is_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
