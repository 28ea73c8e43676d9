/*
 * plugin_settings.c - every settings struct of a plugin, built at start (see
 * plugin_settings.h).
 *
 * A value's text is chosen per key: the tenant's override, else the
 * plugin-wide value, else the default. A struct is parsed from those texts
 * in full (not copied from the plugin-wide one), so a tenant's struct never
 * shares memory with another and release frees each exactly once.
 *
 * Tenants with a struct of their own are kept sorted by name and found by
 * binary search: a lookup per call, no cache, no limit on their number.
 */
#include "plugin_settings.h"

#include <stdlib.h>
#include <string.h>

#include "setting_parse.h"

typedef struct settings_instance {
    char *tenant;              /* NULL for the plugin-wide struct */
    void *data;
    rp_setting_allocs allocs;
    bool checked;              /* settings_check ran: release is due */
} settings_instance;

struct rp_settings_store {
    const rp_plugin *desc;
    settings_instance wide;
    settings_instance *tenants; /* sorted by tenant */
    size_t tenant_count;
};

/* One configured value of this plugin: "key" or "tenant.key". */
typedef struct setting_text {
    const char *tenant;        /* points into a copy the builder frees */
    size_t tenant_len;
    const rp_setting *spec;
    const char *value;
} setting_text;

typedef struct builder {
    const rp_plugin *desc;
    setting_text *texts;
    size_t text_count;
    char *err;
    size_t errlen;
} builder;

static size_t table_size(const rp_plugin *desc)
{
    size_t n = 0;
    while (desc->settings && desc->settings[n].key)
        n++;
    return n;
}

static const rp_setting *find_spec(const rp_plugin *desc, const char *key, size_t key_len)
{
    for (const rp_setting *s = desc->settings; s && s->key; s++)
        if (strlen(s->key) == key_len && memcmp(s->key, key, key_len) == 0)
            return s;
    return NULL;
}

static bool check_table(const rp_plugin *desc, char *err, size_t errlen)
{
    size_t n = table_size(desc);
    if (n && !desc->settings_size) {
        snprintf(err, errlen, "plugin %s: declares settings but settings_size is 0", desc->name);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char why[256];
        if (!rp_setting_entry_valid(&desc->settings[i], desc->settings_size, why, sizeof why)) {
            snprintf(err, errlen, "plugin %s: settings table entry %zu: %s", desc->name, i + 1, why);
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(desc->settings[j].key, desc->settings[i].key) == 0) {
                snprintf(err, errlen, "plugin %s: setting %s is declared twice", desc->name,
                         desc->settings[i].key);
                return false;
            }
    }
    return true;
}

/* ---------------------------------------------------------------- texts */

/* "key" is plugin-wide; "tenant.key" an override (the tenant is everything
 * before the last dot: tenant ids may hold dots, keys never do). */
static bool classify(builder *b, const rp_plugin_setting *s)
{
    const rp_plugin *d = b->desc;
    const char *dot = strrchr(s->key, '.');
    const char *key = dot ? dot + 1 : s->key;
    const rp_setting *spec = find_spec(d, key, strlen(key));
    setting_text *t = &b->texts[b->text_count];
    *t = (setting_text){.spec = spec, .value = s->value};
    if (dot) {
        t->tenant = s->key;
        t->tenant_len = (size_t)(dot - s->key);
    }
    if (!spec) {
        if (dot)
            snprintf(b->err, b->errlen, "plugin %s: tenant %.*s: unknown setting \"%s\" (see rapportd --help-plugin %s)",
                     d->name, (int)t->tenant_len, t->tenant, key, d->name);
        else
            snprintf(b->err, b->errlen, "plugin %s: unknown setting \"%s\" (see rapportd --help-plugin %s)",
                     d->name, key, d->name);
        return false;
    }
    if (dot && (t->tenant_len == 0 || t->tenant_len > RP_TENANT_MAX_BYTES)) {
        snprintf(b->err, b->errlen, "plugin %s: setting %s: the tenant before \".%s\" must have 1..%d bytes",
                 d->name, s->key, key, RP_TENANT_MAX_BYTES);
        return false;
    }
    if (dot && !(spec->flags & RP_SETTING_PER_TENANT)) {
        snprintf(b->err, b->errlen,
                 "plugin %s: tenant %.*s: setting %s cannot be set per tenant; set it for the whole plugin "
                 "(see rapportd --help-plugin %s)", d->name, (int)t->tenant_len, t->tenant, key, d->name);
        return false;
    }
    b->text_count++;
    return true;
}

static bool collect_texts(builder *b, const rp_config *cfg)
{
    b->texts = calloc(cfg->plugin_settings_count + 1, sizeof *b->texts);
    if (!b->texts) {
        snprintf(b->err, b->errlen, "plugin %s: out of memory reading settings", b->desc->name);
        return false;
    }
    for (size_t i = 0; i < cfg->plugin_settings_count; i++) {
        const rp_plugin_setting *s = &cfg->plugin_settings[i];
        if (strcmp(s->plugin, b->desc->name) == 0 && !classify(b, s))
            return false;
    }
    return true;
}

static bool same_tenant(const setting_text *t, const char *tenant, size_t len)
{
    return t->tenant && t->tenant_len == len && memcmp(t->tenant, tenant, len) == 0;
}

/* The text of spec for tenant (NULL: plugin-wide): override, wide, default. */
static const char *text_for(const builder *b, const rp_setting *spec, const char *tenant, size_t tenant_len)
{
    const char *wide = NULL, *own = NULL;
    for (size_t i = 0; i < b->text_count; i++) {
        const setting_text *t = &b->texts[i];
        if (t->spec != spec)
            continue;
        if (!t->tenant)
            wide = t->value;
        else if (tenant && same_tenant(t, tenant, tenant_len))
            own = t->value;
    }
    return own ? own : wide ? wide : spec->default_value;
}

/* ---------------------------------------------------------------- structs */

static bool fill(builder *b, settings_instance *inst)
{
    const rp_plugin *d = b->desc;
    inst->data = calloc(1, d->settings_size ? d->settings_size : 1);
    if (!inst->data) {
        snprintf(b->err, b->errlen, "plugin %s: out of memory building settings", d->name);
        return false;
    }
    size_t tenant_len = inst->tenant ? strlen(inst->tenant) : 0;
    for (const rp_setting *spec = d->settings; spec && spec->key; spec++) {
        const char *text = text_for(b, spec, inst->tenant, tenant_len);
        char why[320];
        if (!text) {
            snprintf(b->err, b->errlen, "plugin %s: setting %s is required (%s); set it in [plugin.%s]",
                     d->name, spec->key, spec->help ? spec->help : "no default", d->name);
            return false;
        }
        if (!rp_setting_parse(spec, text, inst->data, &inst->allocs, why, sizeof why)) {
            if (inst->tenant)
                snprintf(b->err, b->errlen, "plugin %s: tenant %s: setting %s = \"%s\" %s", d->name,
                         inst->tenant, spec->key, text, why);
            else
                snprintf(b->err, b->errlen, "plugin %s: setting %s = \"%s\" %s", d->name, spec->key, text, why);
            return false;
        }
    }
    return true;
}

static bool run_check(builder *b, settings_instance *inst)
{
    const rp_plugin *d = b->desc;
    if (!d->settings_check)
        return true;
    char why[512] = "";
    int rc = d->settings_check(inst->data, inst->tenant, why, sizeof why);
    inst->checked = true;
    if (rc == RP_OK)
        return true;
    if (inst->tenant)
        snprintf(b->err, b->errlen, "plugin %s: tenant %s: %s", d->name, inst->tenant,
                 why[0] ? why : "settings refused without a message");
    else
        snprintf(b->err, b->errlen, "plugin %s: %s", d->name, why[0] ? why : "settings refused without a message");
    return false;
}

static bool build_instance(builder *b, settings_instance *inst)
{
    return fill(b, inst) && run_check(b, inst);
}

static int by_tenant(const void *a, const void *b)
{
    return strcmp(((const settings_instance *)a)->tenant, ((const settings_instance *)b)->tenant);
}

static bool known_tenant(const rp_settings_store *store, const char *tenant, size_t len)
{
    for (size_t i = 0; i < store->tenant_count; i++)
        if (strlen(store->tenants[i].tenant) == len && memcmp(store->tenants[i].tenant, tenant, len) == 0)
            return true;
    return false;
}

/* One struct per distinct tenant named in an override, sorted. */
static bool build_tenants(builder *b, rp_settings_store *store)
{
    store->tenants = calloc(b->text_count + 1, sizeof *store->tenants);
    if (!store->tenants) {
        snprintf(b->err, b->errlen, "plugin %s: out of memory building settings", b->desc->name);
        return false;
    }
    for (size_t i = 0; i < b->text_count; i++) {
        const setting_text *t = &b->texts[i];
        if (!t->tenant || known_tenant(store, t->tenant, t->tenant_len))
            continue;
        settings_instance *inst = &store->tenants[store->tenant_count++];
        inst->tenant = strndup(t->tenant, t->tenant_len);
        if (!inst->tenant) {
            snprintf(b->err, b->errlen, "plugin %s: out of memory building settings", b->desc->name);
            return false;
        }
        if (!build_instance(b, inst))
            return false;
    }
    qsort(store->tenants, store->tenant_count, sizeof *store->tenants, by_tenant);
    return true;
}

rp_settings_store *rp_settings_build(const rp_plugin *desc, const rp_config *cfg, char *err, size_t errlen)
{
    if (!check_table(desc, err, errlen))
        return NULL;
    rp_settings_store *store = calloc(1, sizeof *store);
    builder b = {.desc = desc, .err = err, .errlen = errlen};
    bool ok = store != NULL;
    if (!ok)
        snprintf(err, errlen, "plugin %s: out of memory building settings", desc->name);
    if (ok) {
        store->desc = desc;
        ok = collect_texts(&b, cfg) && build_instance(&b, &store->wide) && build_tenants(&b, store);
    }
    free(b.texts);
    if (!ok) {
        rp_settings_free(store);
        return NULL;
    }
    return store;
}

/* ---------------------------------------------------------------- lookup */

const void *rp_settings_for(const rp_settings_store *store, const char *tenant)
{
    size_t lo = 0, hi = tenant ? store->tenant_count : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(tenant, store->tenants[mid].tenant);
        if (cmp == 0)
            return store->tenants[mid].data;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return store->wide.data;
}

const void *rp_settings_plugin_wide(const rp_settings_store *store)
{
    return store->wide.data;
}

size_t rp_settings_tenant_count(const rp_settings_store *store)
{
    return store->tenant_count;
}

static void release_instance(const rp_plugin *desc, settings_instance *inst)
{
    if (inst->checked && desc->settings_release && inst->data)
        desc->settings_release(inst->data);
    rp_setting_allocs_free(&inst->allocs);
    free(inst->data);
    free(inst->tenant);
}

void rp_settings_free(rp_settings_store *store)
{
    if (!store)
        return;
    release_instance(store->desc, &store->wide);
    for (size_t i = 0; store->tenants && i < store->tenant_count; i++)
        release_instance(store->desc, &store->tenants[i]);
    free(store->tenants);
    free(store);
}

/* ---------------------------------------------------------------- help */

void rp_settings_print_help(FILE *out, const rp_plugin *desc)
{
    fprintf(out, "settings ([plugin.%s] KEY = VALUE, or --plugin.%s.KEY=VALUE;\n"
                 "          per tenant, where marked: TENANT.KEY):\n", desc->name, desc->name);
    if (!desc->settings || !desc->settings[0].key)
        fprintf(out, "  (none)\n");
    for (const rp_setting *s = desc->settings; s && s->key; s++) {
        char type[256], range[96];
        rp_setting_type_text(s, type, sizeof type);
        rp_setting_range_text(s, range, sizeof range);
        fprintf(out, "  %s  %s%s%s  default %s%s\n      %s\n", s->key, type, range[0] ? " " : "", range,
                s->default_value ? s->default_value : "(required)",
                (s->flags & RP_SETTING_PER_TENANT) ? "  per tenant" : "", s->help ? s->help : "");
    }
}

/* A table cell: '|' would end it and a newline the row. */
static void put_cell(FILE *out, const char *text)
{
    fputs(" ", out);
    for (const char *c = text; *c; c++) {
        if (*c == '|')
            fputs("\\|", out);
        else
            fputc(*c == '\n' ? ' ' : *c, out);
    }
    fputs(" |", out);
}

void rp_settings_print_markdown(FILE *out, const rp_plugin *desc)
{
    fprintf(out, "| key | type | default | range | per tenant | meaning |\n|---|---|---|---|---|---|\n");
    for (const rp_setting *s = desc->settings; s && s->key; s++) {
        char type[256], range[96], key[80], def[512];
        rp_setting_type_text(s, type, sizeof type);
        rp_setting_range_text(s, range, sizeof range);
        snprintf(key, sizeof key, "`%s`", s->key);
        if (!s->default_value)
            snprintf(def, sizeof def, "(required)");
        else
            snprintf(def, sizeof def, s->default_value[0] ? "`%s`" : "(empty)", s->default_value);
        fputs("|", out);
        put_cell(out, key);
        put_cell(out, type);
        put_cell(out, def);
        put_cell(out, range);
        put_cell(out, (s->flags & RP_SETTING_PER_TENANT) ? "yes" : "no");
        put_cell(out, s->help ? s->help : "");
        fputs("\n", out);
    }
}
