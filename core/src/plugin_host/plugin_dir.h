/*
 * plugin_dir.h - where rapportd looks for NAME.so when plugin_dir is not set.
 *
 * Not the working directory: a service's working directory is wherever its
 * manager started it. An installed rapportd uses <its own directory>/../
 * LIBDIR/rapport/plugins when that exists (an install moved to another
 * prefix, or installed with --prefix), else the configured prefix's
 * LIBDIR/rapport/plugins (where `cmake --install` puts the plugins); a
 * rapportd run from its build tree uses that build tree's plugins, so a
 * developer's fresh build finds the plugins it built. CMake compiles both
 * locations in (RAPPORT_PLUGIN_DIR, RAPPORT_BUILD_DIR,
 * RAPPORT_BUILD_PLUGIN_DIR).
 */
#ifndef RP_PLUGIN_DIR_H
#define RP_PLUGIN_DIR_H

/* build_plugins when exe_path lies inside build_dir (a path prefix ending at
 * a '/'), else installed. Pure, for tests; any NULL argument but installed
 * means "not the build tree". */
const char *rp_plugin_dir_choose(const char *exe_path, const char *build_dir, const char *build_plugins,
                                 const char *installed);

/* The default for this process, from /proc/self/exe. */
const char *rp_plugin_dir_default(void);

#endif
