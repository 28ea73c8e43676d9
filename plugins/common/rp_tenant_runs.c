/*
 * rp_tenant_runs.c - stretches of one tenant (rp_tenant_runs.h).
 */
#include <string.h>

#include "rp_tenant_runs.h"

int rp_each_tenant_run(rp_ctx *ctx, const rp_event *const *events, size_t count,
                       rp_tenant_run_fn *run, void *arg)
{
    for (size_t i = 0; i < count;) {
        size_t j = i + 1;
        while (j < count && strcmp(events[j]->tenant, events[i]->tenant) == 0)
            j++;
        if (!run(ctx, arg, events + i, j - i))
            return RP_ERROR;
        i = j;
    }
    return RP_OK;
}
