/*
 * plugin_call.c - every call into a plugin (see plugin_call.h).
 */
#include "plugin_call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tenant_slot {
    const char *tenant;
    size_t index;
} tenant_slot;

static int by_tenant_then_index(const void *a, const void *b)
{
    const tenant_slot *x = a, *y = b;
    int cmp = strcmp(x->tenant, y->tenant);
    if (cmp)
        return cmp;
    return x->index < y->index ? -1 : x->index > y->index;
}

bool rp_tenant_order(const char *const *tenants, size_t count, size_t *perm)
{
    for (size_t i = 0; i < count; i++)
        perm[i] = i;
    if (count < 2 || rp_tenant_stretch(tenants, count) == count)
        return true;       /* one tenant: the common case costs one pass */
    tenant_slot *slots = malloc(count * sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < count; i++)
        slots[i] = (tenant_slot){tenants[i], i};
    qsort(slots, count, sizeof *slots, by_tenant_then_index);
    for (size_t i = 0; i < count; i++)
        perm[i] = slots[i].index;
    free(slots);
    return true;
}

size_t rp_tenant_stretch(const char *const *tenants, size_t count)
{
    size_t n = count ? 1 : 0;
    while (n < count && strcmp(tenants[n], tenants[0]) == 0)
        n++;
    return n;
}

static rp_call call_for(rp_plugin_host *h, const char *tenant)
{
    return (rp_call){
        .struct_size = sizeof(rp_call),
        .ctx = &h->ctx,
        .api = &rp_host_api_table,
        .state = h->state,
        .tenant = tenant,
        .settings = tenant ? rp_settings_for(h->settings, tenant) : rp_settings_plugin_wide(h->settings),
    };
}

int rp_call_on_events(rp_ctx *ctx, const rp_event *const *events, size_t count)
{
    rp_call call = call_for(ctx->host, events[0]->tenant);
    ctx->call_tenant = call.tenant;
    int rc = ctx->host->desc->on_events(&call, events, count);
    ctx->call_tenant = NULL;
    return rc;
}

int rp_call_on_timers(rp_ctx *ctx, const rp_timer *const *timers, size_t count)
{
    if (!ctx->host->desc->on_timers)
        return RP_OK;
    rp_call call = call_for(ctx->host, timers[0]->tenant);
    ctx->call_tenant = call.tenant;
    int rc = ctx->host->desc->on_timers(&call, timers, count);
    ctx->call_tenant = NULL;
    return rc;
}

int rp_ctx_before_commit(rp_ctx *ctx)
{
    if (!ctx->host->desc->before_commit)
        return RP_OK;
    ctx->failed = false;
    ctx->error[0] = '\0';
    ctx->committing = true;
    rp_call call = call_for(ctx->host, NULL);
    int rc = ctx->host->desc->before_commit(&call);
    ctx->committing = false;
    if (rc != RP_OK && !ctx->failed)
        snprintf(ctx->error, sizeof ctx->error, "before_commit returned an error without a message");
    return rc == RP_OK && !ctx->failed ? RP_OK : RP_ERROR;
}

int rp_call_init(rp_plugin_host *h)
{
    if (!h->desc->init)
        return RP_OK;
    rp_call call = call_for(h, NULL);
    void *state = NULL;
    int rc = h->desc->init(&call, &state);
    h->state = state;
    return rc;
}

void rp_call_shutdown(rp_plugin_host *h)
{
    if (!h->desc->shutdown)
        return;
    rp_call call = call_for(h, NULL);
    h->desc->shutdown(&call);
}
