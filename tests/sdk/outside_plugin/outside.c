/*
 * outside.c - a plugin written as an author outside this repository writes
 * one: it includes <rapport/plugin.h> and the SDK's <rapport/rp_mpout.h> and
 * <rapport/rp_pgarray.h> only, and is built against an installed prefix with
 * pkg-config or the CMake package (tests/sdk/test_outside_plugin.sh).
 *
 * Each run of purchases becomes rows of OUTSIDE_NAME_seen (one statement
 * for the run) and one derived event OUTSIDE_NAME.seen per purchase, both
 * carrying the tenant's `label` setting. OUTSIDE_NAME lets one source build
 * two plugins that load side by side ("outside" by default).
 */
#include <stddef.h>
#include <stdlib.h>

#include <rapport/plugin.h>
#include <rapport/rp_mpout.h>
#include <rapport/rp_pgarray.h>

#ifndef OUTSIDE_NAME
#define OUTSIDE_NAME "outside"
#endif

typedef struct outside_settings {
    const char *label;
} outside_settings;

static const rp_setting settings[] = {
    {.key = "label", .type = RP_SETTING_STRING, .offset = offsetof(outside_settings, label),
     .default_value = "plain", .flags = RP_SETTING_PER_TENANT,
     .help = "text stored with each row and derived event"},
    {.key = NULL},
};

static const char *const subscribes[] = {"purchase", NULL};

static const rp_migration migrations[] = {
    {1, "CREATE TABLE " OUTSIDE_NAME "_seen (tenant text NOT NULL, event_id text NOT NULL,"
        " customer text, order_id text, label text NOT NULL, PRIMARY KEY (tenant, event_id))"},
    {0, NULL},
};

/* The order id of a purchase as a NUL-terminated copy (NULL if absent). */
static char *order_id(const rp_host_api *api, const rp_event *ev)
{
    const char *s;
    size_t len;
    if (!api->view_str(api->view_get(ev->data, "order_id"), &s, &len))
        return NULL;
    char *copy = malloc(len + 1);
    if (copy) {
        for (size_t i = 0; i < len; i++)
            copy[i] = s[i];
        copy[len] = '\0';
    }
    return copy;
}

static int emit_seen(const rp_call *call, const rp_event *ev, const char *order)
{
    const outside_settings *set = call->settings;
    rp_mpout o;
    rp_mpout_open_map(&o, 2);
    rp_mpout_kv_str(&o, "order_id", order);
    rp_mpout_kv_str(&o, "label", set->label);
    call->api->scope_event(call->ctx, ev);
    return rp_mpout_emit(&o, call->ctx, call->api, OUTSIDE_NAME, OUTSIDE_NAME ".seen", NULL, NULL)
               ? RP_OK : RP_ERROR;
}

static const char INSERT_SQL[] =
    "INSERT INTO " OUTSIDE_NAME "_seen (tenant, event_id, customer, order_id, label) "
    "SELECT $1, id, customer, order_id, $5 FROM unnest($2::text[], $3::text[], $4::text[]) "
    "AS u(id, customer, order_id) ON CONFLICT DO NOTHING";

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    const outside_settings *set = call->settings;
    rp_pgarray ids = {0}, customers = {0}, orders = {0};
    int rc = RP_OK;
    for (size_t i = 0; i < count && rc == RP_OK; i++) {
        char *order = order_id(call->api, events[i]);
        rp_pgarray_add(&ids, events[i]->id);
        rp_pgarray_add(&customers, events[i]->customer);
        rp_pgarray_add(&orders, order);
        rc = emit_seen(call, events[i], order);
        free(order);
    }
    const char *params[] = {call->tenant, rp_pgarray_finish(&ids), rp_pgarray_finish(&customers),
                            rp_pgarray_finish(&orders), set->label};
    if (rc == RP_OK && (!params[1] || !params[2] || !params[3])) {
        call->api->fail(call->ctx, OUTSIDE_NAME ": out of memory building a run of %zu", count);
        rc = RP_ERROR;
    }
    if (rc == RP_OK && call->api->db_exec(call->ctx, INSERT_SQL, 5, params) < 0)
        rc = RP_ERROR;
    rp_pgarray_free(&ids);
    rp_pgarray_free(&customers);
    rp_pgarray_free(&orders);
    return rc;
}

static int init(const rp_call *call, void **state)
{
    *state = NULL;
    call->api->log(call->ctx, RP_LOG_INFO, OUTSIDE_NAME " built outside the tree, ready");
    return RP_OK;
}

static const rp_plugin plugin = {
    RP_PLUGIN_INIT_HEADER,
    .name = OUTSIDE_NAME,
    .version = "1.0",
    .description = "tests/sdk: a plugin built against an installed prefix",
    .subscribes = subscribes,
    .migrations = migrations,
    .settings = settings,
    .settings_size = sizeof(outside_settings),
    .init = init,
    .on_events = on_events,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &plugin;
}
