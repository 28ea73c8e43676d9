/* partition.c - FNV-1a 64 partition hash; see partition.h for the contract. */
#include "partition.h"

static uint64_t fnv1a_update(uint64_t hash, const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        hash ^= (uint8_t)bytes[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

uint64_t rp_key_hash(const char *tenant, size_t tenant_len, const char *key, size_t key_len)
{
    uint64_t hash = 14695981039346656037ULL;
    const char separator = '\0';
    hash = fnv1a_update(hash, tenant, tenant_len);
    hash = fnv1a_update(hash, &separator, 1);
    if (key)
        hash = fnv1a_update(hash, key, key_len);
    return hash;
}

uint32_t rp_partition_of(const char *tenant, size_t tenant_len,
                         const char *scope_key, size_t scope_len,
                         uint32_t partitions)
{
    uint64_t hash = rp_key_hash(tenant, tenant_len, scope_key, scope_len);
    return partitions ? (uint32_t)(hash % partitions) : 0;
}
