/*
 * taskid.c - deterministic task ids (see taskid.h).
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taskid.h"

/* Each part with its length first: ("a:b", "c") and ("a", "b:c") differ. */
static size_t put_part(unsigned char *out, const char *part)
{
    uint64_t len = strlen(part);
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(len >> (56 - 8 * i));
    memcpy(out + 8, part, len);
    return 8 + len;
}

/* Bytes of kind to keep: at most CR_TASK_ID_KIND_MAX, never half a UTF-8
 * character (the id travels in derived events as a string). */
static size_t kind_prefix(const char *kind)
{
    size_t n = strlen(kind);
    if (n <= CR_TASK_ID_KIND_MAX)
        return n;
    n = CR_TASK_ID_KIND_MAX;
    while (n > 0 && ((unsigned char)kind[n] & 0xC0) == 0x80)
        n--;
    return n;
}

bool cr_task_id(char out[CR_TASK_ID_MAX], const char *kind, const char *customer, const char *ref)
{
    if (!customer)
        customer = "";
    size_t len = strlen(kind) + strlen(customer) + strlen(ref) + 2;
    if (len < CR_TASK_ID_MAX) {
        snprintf(out, CR_TASK_ID_MAX, "%s:%s:%s", kind, customer, ref);
        return true;
    }
    unsigned char *parts = malloc(len + 3 * 8), digest[SHA256_DIGEST_LENGTH];
    if (!parts)
        return false;
    size_t used = put_part(parts, kind);
    used += put_part(parts + used, customer);
    used += put_part(parts + used, ref);
    SHA256(parts, used, digest);
    free(parts);
    int n = snprintf(out, CR_TASK_ID_MAX, "%.*s:h", (int)kind_prefix(kind), kind);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + n + 2 * i, 3, "%02x", digest[i]);
    return true;
}
