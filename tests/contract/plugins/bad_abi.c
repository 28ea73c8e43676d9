/* bad_abi.c - a plugin built for a plugin ABI major this host does not speak. */
#include "rapport/plugin.h"

static int on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    (void)ctx, (void)events, (void)count;
    return RP_OK;
}

static const rp_plugin descriptor = {
    .struct_size = sizeof(rp_plugin),
    .abi_major = RP_ABI_MAJOR + 1,
    .abi_minor = 0,
    .name = "bad_abi",
    .on_events = on_events,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
