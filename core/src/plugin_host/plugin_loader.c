/*
 * plugin_loader.c - loading a plugin and refusing it precisely.
 *
 * Order: dlopen -> find rapport_plugin_entry -> check the descriptor (ABI
 * major/minor, struct size, name, migrations) -> parse and check every
 * setting into the plugin's structs (plugin_settings.c) -> (later, with a
 * database) requires, migrations and progress rows (plugin_schema.c), then
 * init() with an rp_call (plugin_call.c). Every
 * refusal names the plugin, the file and the exact mismatch, in the spirit
 * of PostgreSQL's "incompatible library" errors.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "lane_tenants.h"
#include "partition.h"
#include "plugin_call.h"
#include "plugin_host.h"
#include "plugin_schema.h"

static bool valid_plugin_name(const char *name)
{
    if (!name || !islower((unsigned char)name[0]) || strlen(name) > 63)
        return false;
    for (const char *p = name; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

static char *resolve_path(const rp_config *cfg, const char *name_or_path)
{
    char path[4096];
    if (strchr(name_or_path, '/') || strstr(name_or_path, ".so"))
        snprintf(path, sizeof path, "%s", name_or_path);
    else
        snprintf(path, sizeof path, "%s/%s.so", cfg->plugin_dir, name_or_path);
    return strdup(path);
}

/* An ABI 1 descriptor starts like this one (size, major, minor, name), so
 * its version can be read and named before anything else of it is. */
static bool check_version(const rp_plugin *d, const char *path, char *err, size_t errlen)
{
    if (d->abi_major != RP_ABI_MAJOR) {
        snprintf(err, errlen,
                 "plugin %s: built for plugin ABI %u.%u but this rapportd provides ABI %d.%d; "
                 "the major versions must match: rebuild the plugin against this rapportd's rapport/plugin.h%s",
                 path, d->abi_major, d->abi_minor, RP_ABI_MAJOR, RP_ABI_MINOR,
                 d->abi_major < RP_ABI_MAJOR ? " (docs/plugin-guide.md, \"Porting from ABI 1\")" : "");
        return false;
    }
    if (d->abi_minor > RP_ABI_MINOR) {
        snprintf(err, errlen,
                 "plugin %s: built for plugin ABI %u.%u, newer than this rapportd's ABI %d.%d; "
                 "upgrade rapportd or rebuild the plugin against this version",
                 path, d->abi_major, d->abi_minor, RP_ABI_MAJOR, RP_ABI_MINOR);
        return false;
    }
    return true;
}

static bool check_descriptor(const rp_plugin *d, const char *path, char *err, size_t errlen)
{
    if (!d) {
        snprintf(err, errlen, "plugin %s: rapport_plugin_entry() returned NULL", path);
        return false;
    }
    if (!check_version(d, path, err, errlen))
        return false;
    size_t needed = offsetof(rp_plugin, reserved);
    if (d->struct_size < needed) {
        snprintf(err, errlen, "plugin %s: descriptor struct_size %u is smaller than ABI %d.0 requires (%zu)",
                 path, d->struct_size, RP_ABI_MAJOR, needed);
        return false;
    }
    if (!valid_plugin_name(d->name)) {
        snprintf(err, errlen, "plugin %s: name \"%s\" must match [a-z][a-z0-9_]{0,62}", path,
                 d->name ? d->name : "(null)");
        return false;
    }
    if (!d->on_events) {
        snprintf(err, errlen, "plugin %s (%s): on_events callback is required", d->name, path);
        return false;
    }
    return rp_plugin_schema_valid(d, path, err, errlen);
}

/* ---------------------------------------------------------------- load */

static char *subscription_array(const rp_plugin *d)
{
    size_t len = 3;
    for (const char *const *t = d->subscribes; t && *t; t++)
        len += strlen(*t) * 2 + 3;
    char *out = malloc(len);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (const char *const *t = d->subscribes; t && *t; t++) {
        if (t != d->subscribes)
            *p++ = ',';
        *p++ = '"';
        for (const char *c = *t; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* Every partition and the tenant lane (-1, the tenant clock's timers). */
static char *all_partitions_array(uint32_t partitions)
{
    char *out = malloc((size_t)partitions * 11 + 8);
    if (!out)
        return NULL;
    char *p = out;
    p += sprintf(p, "{%d", RP_TENANT_LANE_COLUMN);
    for (uint32_t i = 0; i < partitions; i++)
        p += sprintf(p, ",%u", i);
    *p++ = '}';
    *p = '\0';
    return out;
}

rp_plugin_host *rp_plugin_load(rp_broker *broker, const char *name_or_path, char *err, size_t errlen)
{
    rp_plugin_host *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory loading plugin %s", name_or_path);
        return NULL;
    }
    h->broker = broker;
    h->path = resolve_path(broker->cfg, name_or_path);
    h->dl = h->path ? dlopen(h->path, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!h->dl) {
        snprintf(err, errlen, "plugin %s: cannot load: %s", name_or_path, h->path ? dlerror() : "out of memory");
        goto fail;
    }
    rp_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h->dl, RP_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        snprintf(err, errlen, "plugin %s: does not export %s(); is it a Rapport plugin built with RP_EXPORT?",
                 h->path, RP_PLUGIN_ENTRY_SYMBOL);
        goto fail;
    }
    h->desc = entry();
    if (!check_descriptor(h->desc, h->path, err, errlen))
        goto fail;
    h->name = h->desc->name;
    h->ctx.host = h;
    h->settings = rp_settings_build(h->desc, broker->cfg, err, errlen);
    if (!h->settings)
        goto fail;
    h->subscribed_array = subscription_array(h->desc);
    h->partitions_array = all_partitions_array(broker->cfg->partitions);
    h->partition_count = broker->cfg->partitions;
    if (!h->subscribed_array || !h->partitions_array) {
        snprintf(err, errlen, "plugin %s: out of memory", h->name);
        goto fail;
    }
    rp_log(RP_INFO, "plugins", "loaded", "plugin=%s version=%s path=%s abi=%u.%u", h->name,
           h->desc->version ? h->desc->version : "?", h->path, h->desc->abi_major, h->desc->abi_minor);
    return h;
fail:
    /* Not dlclose'd on purpose when a descriptor was read: its strings are
     * still referenced by the error text of some callers. */
    rp_plugin_unload(h);
    return NULL;
}

bool rp_plugin_subscribes(const rp_plugin_host *h, const char *type)
{
    for (const char *const *t = h->desc->subscribes; t && *t; t++)
        if (strcmp(*t, type) == 0)
            return true;
    return false;
}

bool rp_plugin_prepare(rp_plugin_host *h, PGconn *db, char *err, size_t errlen)
{
    if (!rp_plugin_migrate(h, db, err, errlen))
        return false;
    /* init may read tables, so it runs in a transaction of its own. */
    h->ctx.db = db;
    h->ctx.failed = false;
    h->ctx.scope = (rp_scope_state){.now_ms = rp_clock_now(&h->broker->clock)};
    if (!rp_db_run(db, "BEGIN", err, errlen))
        return false;
    int rc = rp_call_init(h);
    char fx_err[256];
    size_t emitted;
    if (rc == RP_OK && !h->ctx.failed && rp_fx_write(&h->ctx.fx, db, h->name, &emitted, fx_err, sizeof fx_err) &&
        rp_db_run(db, "COMMIT", err, errlen)) {
        rp_fx_reset(&h->ctx.fx);
        h->ctx.db = NULL;
        return h->initialised = true;
    }
    rp_db_run(db, "ROLLBACK", NULL, 0);
    rp_fx_reset(&h->ctx.fx);
    h->ctx.db = NULL;
    snprintf(err, errlen, "plugin %s: init failed: %s", h->name,
             h->ctx.failed ? h->ctx.error : "init returned an error without a message");
    return false;
}

void rp_plugin_unload(rp_plugin_host *h)
{
    if (!h)
        return;
    if (h->initialised)
        rp_call_shutdown(h);
    rp_fx_free(&h->ctx.fx);
    rp_settings_free(h->settings);
    free(h->subscribed_array);
    free(h->partitions_array);
    rp_lane_tenants_free(&h->lane_tenants);
    free(h->path);
    /* The library stays mapped: never dlclose while anything of the plugin
     * (a thread, a pointer in a log line) may still run. */
    free(h);
}
