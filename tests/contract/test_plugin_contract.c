/*
 * test_plugin_contract.c - the plugin loader refuses bad plugins precisely:
 * a plugin built for ABI 1, not a plugin, a missing file, failing init; and
 * --help-plugin documents a plugin's settings table. (Settings are refused
 * in test_settings.c, migrations and requires in test_migrations.c.)
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "rapport/plugin.h"
#include "rp_test.h"

/* Runs rapportd with args; returns its exit code and its stdout+stderr. */
static int run_rapportd(const char *const *args, char *out, size_t out_size)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        char *argv[32];
        int n = 0;
        argv[n++] = (char *)rp_test_rapportd_path();
        for (const char *const *a = args; *a && n < 31; a++)
            argv[n++] = (char *)*a;
        argv[n] = NULL;
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t got;
    while ((got = read(fds[0], out + len, out_size - len - 1)) > 0)
        len += (size_t)got;
    out[len] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void expect_refusal(const char *const *args, const char *message)
{
    char out[16384];
    int rc = run_rapportd(args, out, sizeof out);
    if (rc != 1 || !strstr(out, message))
        fail_msg("expected exit 1 with \"%s\", got %d:\n%s", message, rc, out);
}

/* bad_abi.so lays out the ABI 1.4 descriptor: the refusal names both
 * versions, so the operator knows to rebuild. */
static void abi_1_plugin_is_refused_naming_both_versions(void **state)
{
    (void)state;
    const char *args[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/bad_abi.so", "--http=", NULL};
    char out[16384], provides[64];
    int rc = run_rapportd(args, out, sizeof out);
    snprintf(provides, sizeof provides, "provides ABI %d.%d", RP_ABI_MAJOR, RP_ABI_MINOR);
    if (rc != 1 || !strstr(out, "built for plugin ABI 1.4") || !strstr(out, provides) || !strstr(out, "bad_abi"))
        fail_msg("expected exit 1 naming bad_abi, ABI 1.4 and ABI %d.%d, got %d:\n%s", RP_ABI_MAJOR, RP_ABI_MINOR,
                 rc, out);
}

static void a_library_without_entry_point_is_refused(void **state)
{
    (void)state;
    const char *args[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/no_entry.so", "--http=", NULL};
    expect_refusal(args, "does not export rapport_plugin_entry()");
}

static void a_missing_plugin_file_is_refused(void **state)
{
    (void)state;
    const char *args[] = {"--plugins=" CONTRACT_PLUGIN_DIR "/absent.so", "--http=", NULL};
    expect_refusal(args, "cannot load");
}

static void failing_init_refuses_the_start(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_contract_init_fail");
    char database[4200];
    snprintf(database, sizeof database, "--database=%s", conninfo);
    const char *args[] = {database, "--plugins=" CONTRACT_PLUGIN_DIR "/init_fail.so", "--http=",
                          "--ingress=tcp://127.0.0.1:0", NULL};
    expect_refusal(args, "plugin init_fail: init failed: license key missing (test plugin)");
    free(conninfo);
}

static void help_plugin_lists_the_settings_table(void **state)
{
    (void)state;
    char out[16384];
    const char *args[] = {"--help-plugin", CONTRACT_PLUGIN_DIR "/counter.so", NULL};
    assert_int_equal(run_rapportd(args, out, sizeof out), 0);
    const char *keys[] = {"sleep_ms", "slow-plugin tests", "label", "weight", "flag", "wait", "level",
                          "names", "shared", NULL};
    for (const char *const *k = keys; *k; k++)
        if (!strstr(out, *k))
            fail_msg("--help-plugin does not show \"%s\":\n%s", *k, out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(abi_1_plugin_is_refused_naming_both_versions),
        cmocka_unit_test(a_library_without_entry_point_is_refused),
        cmocka_unit_test(a_missing_plugin_file_is_refused),
        cmocka_unit_test(failing_init_refuses_the_start),
        cmocka_unit_test(help_plugin_lists_the_settings_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
