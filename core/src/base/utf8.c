/*
 * utf8.c - the UTF-8 checks behind utf8.h.
 */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t rp_utf8_seq_len(const unsigned char *p, size_t len)
{
    unsigned char c = p[0];
    size_t extra;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) { extra = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { extra = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { extra = 3; cp = c & 0x07; }
    else return 0;
    if (len <= extra)
        return 0;
    for (size_t i = 1; i <= extra; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    /* overlong forms, surrogates and values above U+10FFFF */
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return extra + 1;
}

bool rp_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t n = rp_utf8_seq_len(p, (size_t)(end - p));
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

size_t rp_utf8_repair(const char *s, size_t len, char *out, size_t size)
{
    static const char replacement[] = "\xef\xbf\xbd";   /* U+FFFD */
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    size_t used = 0;
    if (size == 0)
        return 0;
    while (p < end) {
        size_t n = rp_utf8_seq_len(p, (size_t)(end - p));
        const char *from = n ? (const char *)p : replacement;
        size_t width = n ? n : 3;
        if (used + width >= size)
            break;
        memcpy(out + used, from, width);
        used += width;
        p += n ? n : 1;
    }
    out[used] = '\0';
    return used;
}
