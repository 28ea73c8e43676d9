/* test_log.c - the exact shape of log lines in kv and JSON format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Runs fn with stderr redirected to a temp file and returns what was
 * written, with the leading timestamp field cut off. */
static char *capture(void (*fn)(void))
{
    static char text[4096];
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(text, 1, sizeof text - 1, tmp);
    text[n] = '\0';
    fclose(tmp);
    /* "ts=2026-...Z " or "{"ts":"2026-...Z"," */
    char *z = strchr(text, 'Z');
    assert_non_null(z);
    return z + 1;
}

static void log_two_records(void)
{
    rp_log(RP_INFO, "ingress", "listening", "endpoint=%s queue=%d", "tcp://127.0.0.1:7450", 20000);
    rp_log(RP_WARN, "worker", "plugin failed", "plugin=scoring error=\"%s\"", "bad \"value\"\nnext");
    rp_log(RP_DEBUG, "worker", "not shown", NULL);
}

static void kv_format(void **state)
{
    assert_true(rp_log_configure("kv", "info"));
    const char *out = capture(log_two_records);
    assert_non_null(strstr(out, " level=info comp=ingress msg=\"listening\" endpoint=tcp://127.0.0.1:7450 queue=20000\n"));
    assert_non_null(strstr(out, " level=warn comp=worker msg=\"plugin failed\" plugin=scoring error="));
    assert_null(strstr(out, "not shown"));
}

static void json_format(void **state)
{
    assert_true(rp_log_configure("json", "warn"));
    assert_string_equal(capture(log_two_records),
        "\",\"level\":\"warn\",\"comp\":\"worker\",\"msg\":\"plugin failed\",\"plugin\":\"scoring\","
        "\"error\":\"bad \\\"value\\\"\\nnext\"}\n");
    assert_false(rp_log_enabled(RP_INFO));
    assert_true(rp_log_enabled(RP_ERR));
}

static void bad_settings_are_refused(void **state)
{
    assert_false(rp_log_configure("xml", "info"));
    assert_false(rp_log_configure("kv", "verbose"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kv_format),
        cmocka_unit_test(json_format),
        cmocka_unit_test(bad_settings_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
