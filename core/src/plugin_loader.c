/*
 * plugin_loader.c - loading a plugin and refusing it precisely.
 *
 * Order: dlopen -> find rapport_plugin_entry -> check the descriptor (ABI
 * major/minor, struct size, name) -> validate the [plugin.NAME] settings
 * against the declared config schema -> (later, with a database) run the
 * plugin's schema_sql, create its progress rows and call init(). Every
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
#include "plugin_host.h"

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

static bool check_descriptor(const rp_plugin *d, const char *path, char *err, size_t errlen)
{
    if (!d) {
        snprintf(err, errlen, "plugin %s: rapport_plugin_entry() returned NULL", path);
        return false;
    }
    if (d->abi_major != RP_ABI_MAJOR) {
        snprintf(err, errlen,
                 "plugin %s: built for plugin ABI %u.%u but this rapportd provides ABI %d.%d; "
                 "the major versions must match: rebuild the plugin against this rapportd's plugin.h",
                 path, d->abi_major, d->abi_minor, RP_ABI_MAJOR, RP_ABI_MINOR);
        return false;
    }
    if (d->abi_minor > RP_ABI_MINOR) {
        snprintf(err, errlen,
                 "plugin %s: built for plugin ABI %u.%u, newer than this rapportd's ABI %d.%d; "
                 "upgrade rapportd or rebuild the plugin against this version",
                 path, d->abi_major, d->abi_minor, RP_ABI_MAJOR, RP_ABI_MINOR);
        return false;
    }
    if (d->struct_size < offsetof(rp_plugin, shutdown) + sizeof d->shutdown) {
        snprintf(err, errlen, "plugin %s: descriptor struct_size %u is smaller than ABI %d.0 requires (%zu)",
                 path, d->struct_size, RP_ABI_MAJOR, offsetof(rp_plugin, shutdown) + sizeof d->shutdown);
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
    return true;
}

/* ---------------------------------------------------------------- config */

static bool parse_duration_ms(const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || errno || value < 0 || !isfinite(value))
        return false;
    double scale;
    if (strcmp(end, "ms") == 0) scale = 1;
    else if (strcmp(end, "s") == 0) scale = 1000;
    else if (strcmp(end, "m") == 0) scale = 60000;
    else if (strcmp(end, "h") == 0) scale = 3600000;
    else if (strcmp(end, "d") == 0) scale = 86400000;
    else if (strcmp(end, "w") == 0) scale = 7 * 86400000.0;
    else return false;
    *out = (int64_t)llround(value * scale);
    return true;
}

static bool parse_bool(const char *text, int64_t *out)
{
    static const char *yes[] = {"true", "yes", "on", "1"};
    static const char *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) { *out = 1; return true; }
        if (strcasecmp(text, no[i]) == 0) { *out = 0; return true; }
    }
    return false;
}

static const char *type_rule(rp_config_type type)
{
    switch (type) {
    case RP_CONFIG_INT: return "an integer";
    case RP_CONFIG_DOUBLE: return "a number";
    case RP_CONFIG_BOOL: return "true/false/yes/no/on/off/1/0";
    case RP_CONFIG_DURATION: return "a duration such as 500ms, 30s, 15m, 2h, 7d, 2w";
    default: return "a string";
    }
}

static bool parse_value(rp_config_value *v, const char *text)
{
    char *end;
    errno = 0;
    switch (v->spec->type) {
    case RP_CONFIG_INT:
        v->as_int = strtoll(text, &end, 10);
        v->as_double = (double)v->as_int;
        return *text && !*end && !errno;
    case RP_CONFIG_DOUBLE:
        v->as_double = strtod(text, &end);
        return *text && !*end && !errno && isfinite(v->as_double);
    case RP_CONFIG_BOOL:
        return parse_bool(text, &v->as_int);
    case RP_CONFIG_DURATION:
        return parse_duration_ms(text, &v->as_int);
    default:
        return true;
    }
}

static const rp_config_key *find_key(const rp_plugin *d, const char *key)
{
    for (const rp_config_key *k = d->config; k && k->key; k++)
        if (strcmp(k->key, key) == 0)
            return k;
    return NULL;
}

static bool add_value(rp_plugin_host *h, const rp_config_key *spec, const char *tenant,
                      const char *text, char *err, size_t errlen)
{
    rp_config_value *values = realloc(h->values, (h->value_count + 1) * sizeof *values);
    if (!values) {
        snprintf(err, errlen, "plugin %s: out of memory reading config", h->name);
        return false;
    }
    h->values = values;
    rp_config_value *v = &values[h->value_count];
    *v = (rp_config_value){.spec = spec, .tenant = tenant ? strdup(tenant) : NULL, .text = strdup(text)};
    h->value_count++;
    if (!parse_value(v, text)) {
        snprintf(err, errlen, "plugin %s: config key %s%s%s = \"%s\" must be %s", h->name,
                 tenant ? tenant : "", tenant ? "." : "", spec->key, text, type_rule(spec->type));
        return false;
    }
    return true;
}

/* A setting is "key" or "<tenant>.<key>" (a per-tenant override). */
static bool apply_setting(rp_plugin_host *h, const rp_plugin_setting *s, bool tenant_pass,
                          char *err, size_t errlen)
{
    const rp_config_key *spec = find_key(h->desc, s->key);
    if (spec)
        return tenant_pass ? true : add_value(h, spec, NULL, s->value, err, errlen);
    const char *dot = strrchr(s->key, '.');
    spec = dot ? find_key(h->desc, dot + 1) : NULL;
    if (!spec) {
        snprintf(err, errlen, "plugin %s: unknown config key \"%s\" (see rapportd --help-plugin %s)",
                 h->name, s->key, h->name);
        return false;
    }
    if (!tenant_pass)
        return true;
    char tenant[256];
    snprintf(tenant, sizeof tenant, "%.*s", (int)(dot - s->key), s->key);
    return add_value(h, spec, tenant, s->value, err, errlen);
}

static bool load_config(rp_plugin_host *h, const rp_config *cfg, char *err, size_t errlen)
{
    /* Pass 1: plugin-wide values; pass 2: per-tenant overrides. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cfg->plugin_settings_count; i++) {
            const rp_plugin_setting *s = &cfg->plugin_settings[i];
            if (strcmp(s->plugin, h->name) == 0 && !apply_setting(h, s, pass == 1, err, errlen))
                return false;
        }
    for (const rp_config_key *k = h->desc->config; k && k->key; k++) {
        if (rp_plugin_config(h, NULL, k->key))
            continue;
        if (!k->default_value) {
            snprintf(err, errlen, "plugin %s: config key %s is required (%s); set it in [plugin.%s]",
                     h->name, k->key, k->description ? k->description : "no default", h->name);
            return false;
        }
        if (!add_value(h, k, NULL, k->default_value, err, errlen))
            return false;
    }
    return true;
}

const rp_config_value *rp_plugin_config(const rp_plugin_host *h, const char *tenant, const char *key)
{
    const rp_config_value *plugin_wide = NULL;
    for (size_t i = 0; i < h->value_count; i++) {
        const rp_config_value *v = &h->values[i];
        if (strcmp(v->spec->key, key) != 0)
            continue;
        if (!v->tenant)
            plugin_wide = v;
        else if (tenant && strcmp(v->tenant, tenant) == 0)
            return v;
    }
    return plugin_wide;
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

static char *all_partitions_array(uint32_t partitions)
{
    char *out = malloc((size_t)partitions * 11 + 3);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (uint32_t i = 0; i < partitions; i++)
        p += sprintf(p, i ? ",%u" : "%u", i);
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
    if (!load_config(h, broker->cfg, err, errlen))
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

static bool run_schema(rp_plugin_host *h, PGconn *db, char *err, size_t errlen)
{
    char lock[160];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(hashtext('rapport.plugin.%s'))", h->name);
    if (!rp_db_run(db, "BEGIN", err, errlen) || !rp_db_run(db, lock, err, errlen))
        return false;
    for (const char *const *sql = h->desc->schema_sql; sql && *sql; sql++) {
        char stmt_err[400];
        if (!rp_db_run(db, *sql, stmt_err, sizeof stmt_err)) {
            snprintf(err, errlen, "plugin %s: schema statement %d failed: %s", h->name,
                     (int)(sql - h->desc->schema_sql) + 1, stmt_err);
            rp_db_run(db, "ROLLBACK", NULL, 0);
            return false;
        }
    }
    char partitions[16];
    snprintf(partitions, sizeof partitions, "%u", h->partition_count);
    const char *params[] = {h->name, partitions};
    PGresult *res = rp_db_query(db,
        "INSERT INTO plugin_progress (plugin, partition) "
        "SELECT $1, g FROM generate_series(0, $2::int - 1) g ON CONFLICT DO NOTHING",
        2, params, err, errlen);
    if (!res) {
        rp_db_run(db, "ROLLBACK", NULL, 0);
        return false;
    }
    PQclear(res);
    return rp_db_run(db, "COMMIT", err, errlen);
}

bool rp_plugin_prepare(rp_plugin_host *h, PGconn *db, char *err, size_t errlen)
{
    if (!run_schema(h, db, err, errlen))
        return false;
    if (!h->desc->init)
        return h->initialised = true;
    /* init may read tables, so it runs in a transaction of its own. */
    h->ctx.db = db;
    h->ctx.failed = false;
    h->ctx.scope = (rp_scope_state){.now_ms = rp_clock_now(&h->broker->clock)};
    if (!rp_db_run(db, "BEGIN", err, errlen))
        return false;
    int rc = h->desc->init(&h->ctx, &rp_host_api_table);
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
    if (h->initialised && h->desc->shutdown)
        h->desc->shutdown(&h->ctx);
    rp_fx_free(&h->ctx.fx);
    for (size_t i = 0; i < h->value_count; i++) {
        free(h->values[i].tenant);
        free(h->values[i].text);
    }
    free(h->values);
    free(h->subscribed_array);
    free(h->partitions_array);
    free(h->path);
    /* The library stays mapped: never dlclose while anything of the plugin
     * (a thread, a pointer in a log line) may still run. */
    free(h);
}
