/* lane_tenants.c - tenants with a tenant-clock timer (see lane_tenants.h),
 * a uthash set of strings. */
#include "lane_tenants.h"

#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "partition.h"

struct rp_lane_tenants {
    char *tenant;
    UT_hash_handle hh;
};

bool rp_lane_tenants_has(rp_lane_tenants *const *set, const char *tenant)
{
    rp_lane_tenants *found = NULL;
    HASH_FIND_STR(*set, tenant, found);
    return found != NULL;
}

bool rp_lane_tenants_add(rp_lane_tenants **set, const char *tenant)
{
    if (rp_lane_tenants_has(set, tenant))
        return true;
    rp_lane_tenants *entry = calloc(1, sizeof *entry);
    if (!entry || !(entry->tenant = strdup(tenant))) {
        free(entry);
        return false;
    }
    HASH_ADD_KEYPTR(hh, *set, entry->tenant, strlen(entry->tenant), entry);
    if (!entry->hh.tbl) {   /* uthash out of memory: left out */
        free(entry->tenant);
        free(entry);
        return false;
    }
    return true;
}

bool rp_lane_tenants_load(rp_lane_tenants **set, PGconn *db, const char *plugin)
{
    char lane[16];
    snprintf(lane, sizeof lane, "%d", RP_TENANT_LANE_COLUMN);
    const char *params[] = {plugin, lane};
    PGresult *res = PQexecParams(db, "SELECT DISTINCT tenant FROM timers WHERE plugin = $1 AND partition = $2",
                                 2, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    for (int r = 0; ok && r < PQntuples(res); r++)
        rp_lane_tenants_add(set, PQgetvalue(res, r, 0));
    PQclear(res);
    return ok;
}

void rp_lane_tenants_free(rp_lane_tenants **set)
{
    rp_lane_tenants *entry, *next;
    HASH_ITER(hh, *set, entry, next) {
        HASH_DEL(*set, entry);
        free(entry->tenant);
        free(entry);
    }
}
