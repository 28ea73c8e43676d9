/*
 * plugin_settings.h - a plugin's settings, parsed once at start into the
 * plugin's own struct: one for every tenant named in a TENANT.KEY override,
 * one (the plugin-wide values over the defaults) for every other tenant.
 *
 * The plugin declares the keys as a typed table (rp_setting in plugin.h);
 * this file checks the table, parses every value of [plugin.NAME] and
 * --plugin.NAME.* against it, runs the plugin's settings_check on each
 * finished struct and refuses the start with a message naming the plugin,
 * the tenant, the key and the value. After that the structs never change,
 * so worker threads read them without locks and plugins may keep pointers.
 */
#ifndef RP_PLUGIN_SETTINGS_H
#define RP_PLUGIN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rapport/plugin.h"
#include "config.h"

typedef struct rp_settings_store rp_settings_store;

/* Builds every struct of plugin desc from cfg. NULL with err set on any
 * refusal (a bad table, an unknown key, a bad value, a failed check). */
rp_settings_store *rp_settings_build(const rp_plugin *desc, const rp_config *cfg, char *err, size_t errlen);

/* The settings of tenant: its own struct if it has overrides, else the
 * plugin-wide one. Never NULL (a plugin without settings gets an empty
 * struct). */
const void *rp_settings_for(const rp_settings_store *store, const char *tenant);
const void *rp_settings_plugin_wide(const rp_settings_store *store);

/* How many tenants have a struct of their own. */
size_t rp_settings_tenant_count(const rp_settings_store *store);

/* Calls settings_release on every struct and frees the store. */
void rp_settings_free(rp_settings_store *store);

/* The table as --help-plugin shows it: key, type, default, range,
 * whether a tenant may override it, help. */
void rp_settings_print_help(FILE *out, const rp_plugin *desc);

/* The same as one Markdown table (key, type, default, range, per tenant,
 * meaning), the form docs/plugins/NAME.md carries (scripts/plugin-docs.sh),
 * so the docs and --help-plugin come from the plugin's own table. */
void rp_settings_print_markdown(FILE *out, const rp_plugin *desc);

#endif
