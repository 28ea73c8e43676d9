/* init_fail.c - a plugin whose init() refuses to start. */
#include "rapport/plugin.h"

static const char *const subscribes[] = {"purchase", NULL};

static int init(rp_ctx *ctx, const rp_host_api *api)
{
    api->fail(ctx, "license key missing (test plugin)");
    return RP_ERROR;
}

static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    (void)ctx, (void)events, (void)count;
    return RP_OK;
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = "init_fail",
    .subscribes = subscribes,
    .init = init,
    .on_events = on_events,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
