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

uint32_t rp_partition_of(const char *tenant, size_t tenant_len,
                         const char *scope_key, size_t scope_len,
                         uint32_t partitions);

/* The 64-bit hash behind it, FNV-1a over tenant "\0" key (key may be NULL;
 * <rapport/rp_fnv.h> is the FNV-1a implementation). */
uint64_t rp_key_hash(const char *tenant, size_t tenant_len, const char *key, size_t key_len);

#endif
