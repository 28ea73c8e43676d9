/*
 * rp_fnv.h - FNV-1a 64 (Fowler/Noll/Vo), header-only: the one copy in this
 * repository.
 *
 * It is a contract, not a hash-table detail: the broker's partition of an
 * event is FNV-1a 64 of tenant "\0" scope key (proto/README.md), and plugins
 * and tools keep values derived from it (the referral plugin's contact
 * hashes, the scoring plugin's deal ids, rapport-synth's random streams), so
 * its output must never change. Hash tables use uthash, not this.
 *
 *   uint64_t h = rp_fnv1a64_start();
 *   h = rp_fnv1a64_update(h, tenant, tenant_len);
 *   h = rp_fnv1a64_byte(h, 0);
 *   h = rp_fnv1a64_str(h, key);
 *
 * rp_fnv1a64(s, n) is the whole hash of n bytes ("" -> 0xcbf29ce484222325,
 * "a" -> 0xaf63dc4c8601ec8c, "foobar" -> 0x85944171f73967e8). The update
 * functions continue from any value, so a caller that must reproduce values
 * once computed from another starting value can pass that value instead of
 * rp_fnv1a64_start().
 */
#ifndef RP_FNV_H
#define RP_FNV_H

#include <stddef.h>
#include <stdint.h>

#define RP_FNV1A64_OFFSET 0xcbf29ce484222325ULL   /* 14695981039346656037 */
#define RP_FNV1A64_PRIME 0x100000001b3ULL         /* 1099511628211 */

static inline uint64_t rp_fnv1a64_start(void)
{
    return RP_FNV1A64_OFFSET;
}

/* One more byte. */
static inline uint64_t rp_fnv1a64_byte(uint64_t hash, unsigned char byte)
{
    return (hash ^ byte) * RP_FNV1A64_PRIME;
}

/* len more bytes (bytes may be NULL when len is 0). */
static inline uint64_t rp_fnv1a64_update(uint64_t hash, const void *bytes, size_t len)
{
    const unsigned char *p = (const unsigned char *)bytes;
    for (size_t i = 0; i < len; i++)
        hash = rp_fnv1a64_byte(hash, p[i]);
    return hash;
}

/* The bytes of a NUL-terminated string, without the NUL. */
static inline uint64_t rp_fnv1a64_str(uint64_t hash, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        hash = rp_fnv1a64_byte(hash, *p);
    return hash;
}

/* FNV-1a 64 of len bytes. */
static inline uint64_t rp_fnv1a64(const void *bytes, size_t len)
{
    return rp_fnv1a64_update(rp_fnv1a64_start(), bytes, len);
}

#endif
