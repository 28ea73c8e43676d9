/*
 * plugin_dir.c - the default plugin directory (plugin_dir.h).
 */
#include "plugin_dir.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#ifndef RAPPORT_PLUGIN_DIR
#define RAPPORT_PLUGIN_DIR "/usr/local/lib/rapport/plugins"
#endif
#ifndef RAPPORT_BUILD_DIR
#define RAPPORT_BUILD_DIR NULL
#endif
#ifndef RAPPORT_BUILD_PLUGIN_DIR
#define RAPPORT_BUILD_PLUGIN_DIR NULL
#endif

static bool inside(const char *path, const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    return len > 0 && strncmp(path, dir, len) == 0 && path[len] == '/';
}

const char *rp_plugin_dir_choose(const char *exe_path, const char *build_dir, const char *build_plugins,
                                 const char *installed)
{
    if (exe_path && build_dir && build_plugins && inside(exe_path, build_dir))
        return build_plugins;
    return installed;
}

const char *rp_plugin_dir_default(void)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return RAPPORT_PLUGIN_DIR;
    exe[len] = '\0';
    return rp_plugin_dir_choose(exe, RAPPORT_BUILD_DIR, RAPPORT_BUILD_PLUGIN_DIR, RAPPORT_PLUGIN_DIR);
}
