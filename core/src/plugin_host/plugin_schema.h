/*
 * plugin_schema.h - what a plugin needs of the database before init:
 * the plugins it requires, its numbered migrations, its progress rows.
 *
 * A required plugin is either loaded in this process (then its migrations
 * run first: rp_plugins_order) or has migrations recorded in
 * plugin_migrations by another process; otherwise the start is refused.
 */
#ifndef RP_PLUGIN_SCHEMA_H
#define RP_PLUGIN_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "plugin_host.h"

/* The descriptor's migrations ascend from 1 without repeats and its
 * requires are plugin names other than its own. */
bool rp_plugin_schema_valid(const rp_plugin *desc, const char *path, char *err, size_t errlen);

/* Reorders plugins so each comes after the loaded plugins it requires;
 * refuses a cycle, naming it. */
bool rp_plugins_order(rp_plugin_host **plugins, size_t count, char *err, size_t errlen);

/* Refuses a required plugin that is neither loaded nor recorded. */
bool rp_plugin_requires_met(const rp_plugin_host *host, rp_plugin_host *const *loaded, size_t loaded_count,
                            PGconn *db, char *err, size_t errlen);

/* Applies the migrations the database has not recorded, each in its own
 * transaction under the plugin's advisory lock, then the progress rows. */
bool rp_plugin_migrate(rp_plugin_host *host, PGconn *db, char *err, size_t errlen);

#endif
