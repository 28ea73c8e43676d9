/*
 * plugin_dir.c - the default plugin directory (plugin_dir.h).
 */
#include "plugin_dir.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
/* The plugin directory relative to the installed executable's directory
 * (e.g. "../lib/rapport/plugins"). */
#ifndef RAPPORT_PLUGIN_DIR_FROM_BIN
#define RAPPORT_PLUGIN_DIR_FROM_BIN NULL
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

/* The plugin directory of the prefix exe is installed in, when it exists:
 * an install placed elsewhere than the configured prefix (cmake --install
 * --prefix, DESTDIR, a moved tree) uses its own plugins, not those of
 * another install at the configured prefix. NULL otherwise. */
static const char *beside_exe(const char *exe, const char *from_bin, char *out)
{
    const char *slash = strrchr(exe, '/');
    char dir[PATH_MAX];
    if (!from_bin || !slash
        || snprintf(dir, sizeof dir, "%.*s/%s", (int)(slash - exe), exe, from_bin) >= (int)sizeof dir)
        return NULL;
    return realpath(dir, out);
}

const char *rp_plugin_dir_default(void)
{
    static char found[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return RAPPORT_PLUGIN_DIR;
    exe[len] = '\0';
    const char *installed = beside_exe(exe, RAPPORT_PLUGIN_DIR_FROM_BIN, found);
    return rp_plugin_dir_choose(exe, RAPPORT_BUILD_DIR, RAPPORT_BUILD_PLUGIN_DIR,
                                installed ? installed : RAPPORT_PLUGIN_DIR);
}
