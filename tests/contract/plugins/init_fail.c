/* init_fail.c - a plugin whose init() refuses to start. */
#include "rapport/plugin.h"

static const char *const subscribes[] = {"purchase", NULL};

static int init(const rp_call *call, void **state)
{
    (void)state;
    call->api->fail(call->ctx, "license key missing (test plugin)");
    return RP_ERROR;
}

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    (void)call, (void)events, (void)count;
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
