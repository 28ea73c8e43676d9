/*
 * test_run_as.c - the warning logged when rapportd runs as root (run_as.h),
 * read back from stderr.
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

#include "log.h"
#include "run_as.h"

/* What rp_run_as_warn(euid) writes to stderr (malloc'd). */
static char *stderr_of(uid_t euid, bool *warned)
{
    char path[] = "/tmp/rapport-run-as-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    *warned = rp_run_as_warn(euid);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char *text = calloc(1, 4096);
    assert_non_null(text);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, text, 4095);
    assert_true(n >= 0);
    close(fd);
    unlink(path);
    return text;
}

static void root_is_warned_once(void **state)
{
    assert_true(rp_log_configure("kv", "info"));
    bool warned = false;
    char *text = stderr_of(0, &warned);
    assert_true(warned);
    assert_non_null(strstr(text, "level=warn"));
    assert_non_null(strstr(text, "running as root"));
    assert_non_null(strstr(text, "euid=0"));
    assert_null(strchr(strchr(text, '\n') + 1, '\n'));   /* one line */
    free(text);
}

static void other_users_hear_nothing(void **state)
{
    bool warned = true;
    char *text = stderr_of(1000, &warned);
    assert_false(warned);
    assert_string_equal(text, "");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(root_is_warned_once),
        cmocka_unit_test(other_users_hear_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
