/*
 * bad_abi.c - a plugin built for plugin ABI 1.4, the last ABI 1 minor, as an
 * old plugin .so next to an ABI 2 rapportd would be. It does not include
 * rapport/plugin.h (that header is ABI 2 now): it lays out the ABI 1.4
 * descriptor itself, field for field, so the host reads what a real ABI 1
 * build exports and must refuse it naming both versions, before calling
 * anything in it.
 */
#include <stddef.h>
#include <stdint.h>

typedef struct abi1_plugin {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    const char *name;
    const char *version;
    const char *description;
    const char *const *subscribes;
    const void *config;
    const void *event_types;
    const char *const *schema_sql;
    int (*init)(void *ctx, const void *api);
    int (*on_events)(void *ctx, const void *const *events, size_t count);
    int (*on_timer)(void *ctx, const void *timer);
    void (*shutdown)(void *ctx);
    uintptr_t flags;
    int (*on_timers)(void *ctx, const void *const *timers, size_t count);
    int (*before_commit)(void *ctx);
    void *reserved[5];
} abi1_plugin;

static const char *const subscribes[] = {"purchase", NULL};

/* ABI 1's signature: the host must never call it. */
static int on_events(void *ctx, const void *const *events, size_t count)
{
    (void)ctx, (void)events, (void)count;
    return 0;
}

static const abi1_plugin descriptor = {
    .struct_size = sizeof(abi1_plugin),
    .abi_major = 1,
    .abi_minor = 4,
    .name = "bad_abi",
    .subscribes = subscribes,
    .on_events = on_events,
};

__attribute__((visibility("default"))) const abi1_plugin *rapport_plugin_entry(void);

const abi1_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
