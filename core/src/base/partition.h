/*
 * partition.h - the stable partition hash.
 *
 * partition = FNV-1a-64(tenant "\0" scope_key) mod partitions, where scope_key
 * is the customer for customer-scoped events, the org for org-scoped events and
 * the empty string for tenant-scoped events. The function is part of the
 * public contract (proto/README.md): changing it would reorder history.
 */
#ifndef RP_PARTITION_H
#define RP_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include <rapport/plugin.h>

/* Tenant-clock timers (RP_PARTITION_TENANT_CLOCK) are stored and served as
 * partition -1: the "tenant lane" of a plugin, next to its partitions. */
#define RP_TENANT_LANE RP_PARTITION_TENANT_CLOCK
#define RP_TENANT_LANE_COLUMN (-1)

/* A timer's partition as its integer column (-1 for the tenant lane), and back. */
static inline int64_t rp_partition_column(uint32_t partition)
{
    return partition == RP_TENANT_LANE ? RP_TENANT_LANE_COLUMN : (int64_t)partition;
}

static inline uint32_t rp_partition_from_column(int64_t column)
{
    return column < 0 ? RP_TENANT_LANE : (uint32_t)column;
}

uint32_t rp_partition_of(const char *tenant, size_t tenant_len,
                         const char *scope_key, size_t scope_len,
                         uint32_t partitions);

/* The 64-bit hash behind it, FNV-1a over tenant "\0" key (key may be NULL;
 * <rapport/rp_fnv.h> is the FNV-1a implementation). */
uint64_t rp_key_hash(const char *tenant, size_t tenant_len, const char *key, size_t key_len);

#endif
