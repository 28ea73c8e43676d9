/*
 * test_synth_broker.c - every event rapport-synth writes is valid on the
 * wire: a generated year with the synthetic layer on top (and, when the
 * data set is present, the first events of the real Online Retail year with
 * the layer) is published through a real rapportd with rapportctl and must
 * come back with zero rejections; publishing it again gives only duplicates
 * (the ids are stable).
 *
 * And the survey answers meet the survey plugin's requests: a generated
 * half year with the layer goes through rapportd with the scoring, care and
 * survey plugins (the ones whose defaults surveyplan.h models), paced in
 * small chunks so that each plugin keeps up with the others as in live
 * operation, and the answers must land on the plugin's own purchase
 * surveys, after they were sent.
 */
#include <setjmp.h>
#include <stdbool.h>
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
    int rc;
    char *out = rp_test_command(command, &rc);
    const char *line = strncmp(out, "accepted=", 9) == 0 ? out : strstr(out, "\naccepted=");
    snprintf(summary, size, "%s", line ? line + (*line == '\n') : "");
    summary[strcspn(summary, "\n")] = '\0';
    free(out);
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

/* Publishes the file in chunks of `lines`, letting every plugin catch up
 * after each (a live stream's pace, not a replay's burst). */
static void publish_paced(const rp_test_daemon *daemon, PGconn *db, const char *path, int lines)
{
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char chunk[] = "/tmp/rp-synth-chunk-XXXXXX";
    int fd = mkstemp(chunk);
    assert_true(fd >= 0);
    close(fd);
    char line[65536], summary[256];
    bool more = true;
    while (more) {
        FILE *out = fopen(chunk, "w");
        assert_non_null(out);
        int n = 0;
        while (n < lines && (more = fgets(line, sizeof line, in) != NULL))
            n += fputs(line, out) >= 0;
        fclose(out);
        if (n == 0)
            break;
        publish(daemon, chunk, summary, sizeof summary);
        if (!strstr(summary, " rejected=0 "))
            fail_msg("chunk not accepted: %s", summary);
        rp_test_wait_idle(db, 60000);
    }
    fclose(in);
    unlink(chunk);
}

static void survey_answers_meet_the_plugins_requests(void **state)
{
    (void)state;
    char path[] = "/tmp/rp-synth-surveys-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char command[1024];
    snprintf(command, sizeof command, "%s --generate --seed=1 --customers=150 --months=6 2>/dev/null | "
             "%s --seed=1 >%s 2>/dev/null", RP_SYNTH, RP_SYNTH, path);
    run(command);
    char *conninfo = rp_test_create_db("rp_synth_surveys");
    static const char *const args[] = {"--plugins=scoring,care,survey", "--clock=event", NULL};
    rp_test_daemon *daemon = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    publish_paced(daemon, db, path, 50);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);

    /* The layer's answers to the plugin (survey ids purchase:CUSTOMER:ORDER). */
    long answers = (long)rp_test_sql_int(db, "SELECT count(*) FROM survey_requests"
                                             " WHERE survey_id LIKE 'purchase:%' AND answered_ms IS NOT NULL");
    /* ... of which answer a survey the plugin sent, after it sent it. */
    long met = (long)rp_test_sql_int(db, "SELECT count(*) FROM survey_requests WHERE kind = 'purchase'"
                                         " AND reason IS NULL AND answered_ms > requested_ms");
    /* The model of the plugins cannot know every touch of the care plugin
     * (surveyplan.h): a few answers come before a request deferred further,
     * or to a survey suppressed after all. */
    if (!(answers >= 20 && met * 100 >= answers * 85))
        fail_msg("%ld answers to the plugin's surveys, %ld of them after a request it sent", answers, met);
    long requested = (long)rp_test_sql_int(db, "SELECT count(*) FROM survey_requests WHERE kind = 'purchase'"
                                               " AND status IN ('requested', 'answered', 'expired')");
    if (!(met * 100 >= requested * 10 && met * 100 <= requested * 50))
        fail_msg("response rate %ld / %ld out of 10..50 %%", met, requested);
    /* Feedback forms stay unsolicited, under their own ids. */
    assert_true(rp_test_sql_int(db, "SELECT count(*) FROM survey_requests WHERE kind = 'unsolicited'"
                                    " AND survey_id LIKE 'syn:feedback:%'") >= 1);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(daemon, SIGTERM), 0);
    free(conninfo);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_year_with_layer_is_valid),
        cmocka_unit_test(real_data_prefix_with_layer_is_valid),
        cmocka_unit_test(survey_answers_meet_the_plugins_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
