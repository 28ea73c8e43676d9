/*
 * taskid.c - deterministic task ids (see taskid.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "taskid.h"

uint64_t cr_fnv1a64(const char *text)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

void cr_task_id(char out[CR_TASK_ID_MAX], const char *kind, const char *customer, const char *ref)
{
    char full[1024];
    int n = snprintf(full, sizeof full, "%s:%s:%s", kind, customer ? customer : "", ref);
    if (n >= 0 && n < CR_TASK_ID_MAX) {
        snprintf(out, CR_TASK_ID_MAX, "%s", full);
        return;
    }
    /* Too long for a readable id (or even for full): hash every part. */
    uint64_t h = cr_fnv1a64(kind);
    h ^= cr_fnv1a64(customer ? customer : "") * 31;
    h ^= cr_fnv1a64(ref) * 131;
    snprintf(out, CR_TASK_ID_MAX, "%.64s:h%016" PRIx64, kind, h);
}
