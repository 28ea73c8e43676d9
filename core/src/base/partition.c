/* partition.c - FNV-1a 64 partition hash; see partition.h for the contract. */
#include "partition.h"

#include <rapport/rp_fnv.h>

uint64_t rp_key_hash(const char *tenant, size_t tenant_len, const char *key, size_t key_len)
{
    uint64_t hash = rp_fnv1a64_update(rp_fnv1a64_start(), tenant, tenant_len);
    hash = rp_fnv1a64_byte(hash, '\0');
    if (key)
        hash = rp_fnv1a64_update(hash, key, key_len);
    return hash;
}

uint32_t rp_partition_of(const char *tenant, size_t tenant_len,
                         const char *scope_key, size_t scope_len,
                         uint32_t partitions)
{
    uint64_t hash = rp_key_hash(tenant, tenant_len, scope_key, scope_len);
    return partitions ? (uint32_t)(hash % partitions) : 0;
}
