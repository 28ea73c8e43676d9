/*
 * test_plugin_dir.c - the default plugin directory (plugin_dir.h): the
 * build tree's plugins for a rapportd inside the build tree, the installed
 * ones otherwise, never the working directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "plugin_dir.h"

#define INSTALLED "/usr/local/lib/rapport/plugins"

static void build_tree_or_installed(void **state)
{
    assert_string_equal(rp_plugin_dir_choose("/src/build/services/rapportd/rapportd", "/src/build",
                                             "/src/build/plugins", INSTALLED), "/src/build/plugins");
    assert_string_equal(rp_plugin_dir_choose("/src/build/services/rapportd/rapportd", "/src/build/",
                                             "/src/build/plugins", INSTALLED), "/src/build/plugins");
    assert_string_equal(rp_plugin_dir_choose("/usr/local/bin/rapportd", "/src/build", "/src/build/plugins",
                                             INSTALLED), INSTALLED);
    /* a sibling whose name merely starts like the build tree is not in it */
    assert_string_equal(rp_plugin_dir_choose("/src/build-other/rapportd", "/src/build", "/src/build/plugins",
                                             INSTALLED), INSTALLED);
    assert_string_equal(rp_plugin_dir_choose(NULL, "/src/build", "/src/build/plugins", INSTALLED), INSTALLED);
    assert_string_equal(rp_plugin_dir_choose("/src/build/x", NULL, NULL, INSTALLED), INSTALLED);
}

/* This test runs from the build tree, so the default is the build tree's
 * plugin directory: absolute, whatever the working directory. */
static void this_process_is_in_the_build_tree(void **state)
{
    const char *dir = rp_plugin_dir_default();
    assert_non_null(dir);
    assert_int_equal(dir[0], '/');
    assert_non_null(strstr(dir, "/plugins"));
    assert_null(strstr(dir, "./build"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_tree_or_installed),
        cmocka_unit_test(this_process_is_in_the_build_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
