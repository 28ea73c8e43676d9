/*
 * fraud.c - contact hashing, the burst window and the review flags
 * (rules in fraud.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rapport/rp_fnv.h>

#include "fraud.h"

/* FNV-1a 64 from this starting value, not from FNV's offset basis: it was
 * written with a digit of 14695981039346656037 missing, and the contact
 * hashes it gave are stored (referral_nodes.email_hash, phone_hash), so it
 * stays. */
#define CONTACT_HASH_START 1469598103934665603ULL

/* A hash of 0 is reserved for "unknown". */
static uint64_t nonzero(uint64_t h)
{
    return h ? h : 1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

uint64_t rf_email_hash(const char *email)
{
    if (!email)
        return 0;
    const char *start = email, *end = email + strlen(email);
    while (start < end && is_space(*start))
        start++;
    while (end > start && is_space(end[-1]))
        end--;
    if (start == end || !memchr(start, '@', (size_t)(end - start)))
        return 0;
    uint64_t h = CONTACT_HASH_START;
    for (const char *p = start; p < end; p++) {
        char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        h = rp_fnv1a64_byte(h, (unsigned char)c);
    }
    return nonzero(h);
}

uint64_t rf_phone_hash(const char *phone)
{
    if (!phone)
        return 0;
    uint64_t h = CONTACT_HASH_START;
    int digits = 0;
    for (const char *p = phone; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            h = rp_fnv1a64_byte(h, (unsigned char)*p);
            digits++;
        }
    }
    return digits >= 6 ? nonzero(h) : 0;
}

int64_t rf_burst_count(const int64_t *earlier_ms, size_t n, int64_t referred_ms, int64_t window_ms)
{
    int64_t count = 1;
    for (size_t i = 0; i < n; i++)
        if (earlier_ms[i] > referred_ms - window_ms && earlier_ms[i] <= referred_ms)
            count++;
    return count;
}

static int by_time(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Index of the first sorted time >= t (n if none). */
static size_t first_not_before(const int64_t *sorted, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool rf_burst_flags(const rf_fraud_rules *rules, const int64_t *times, size_t n, bool *flagged)
{
    for (size_t k = 0; k < n; k++)
        flagged[k] = false;
    if (rules->burst_max <= 0 || n == 0)
        return true;
    int64_t *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return false;
    memcpy(sorted, times, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_time);
    for (size_t k = 0; k < n; k++) {
        /* (t - window, t]: from the first time > t - window to the last <= t */
        size_t from = first_not_before(sorted, n, times[k] - rules->burst_window_ms + 1);
        size_t to = first_not_before(sorted, n, times[k] + 1);
        flagged[k] = (int64_t)(to - from) > rules->burst_max;
    }
    free(sorted);
    return true;
}

unsigned rf_fraud_assess(const rf_fraud_rules *rules, const rf_fraud_input *in)
{
    unsigned flags = 0;
    if (in->referrer_email && in->referrer_email == in->referee_email)
        flags |= RF_FLAG_SAME_EMAIL;
    if (in->referrer_phone && in->referrer_phone == in->referee_phone)
        flags |= RF_FLAG_SAME_PHONE;
    if (rules->burst_max > 0
        && rf_burst_count(in->earlier_ms, in->nearlier, in->referred_ms, rules->burst_window_ms)
               > rules->burst_max)
        flags |= RF_FLAG_BURST;
    return flags;
}

const char *rf_flag_names(unsigned flags, char *buf, size_t size)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {RF_FLAG_SAME_EMAIL, "same_email"},
        {RF_FLAG_SAME_PHONE, "same_phone"},
        {RF_FLAG_BURST, "burst"},
    };
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(flags & names[i].bit) || used >= size)
            continue;
        int w = snprintf(buf + used, size - used, "%s%s", used ? "," : "", names[i].name);
        if (w > 0)
            used += (size_t)w;
    }
    return buf;
}
