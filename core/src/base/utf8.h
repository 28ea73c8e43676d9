/*
 * utf8.h - UTF-8 validity (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) and its repair for text the broker sends back to
 * clients, whose strict msgpack decoders refuse a str that is not UTF-8.
 */
#ifndef RP_UTF8_H
#define RP_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s[0..len) (1..4), or 0 when the
 * bytes there do not start one. len must be > 0. */
size_t rp_utf8_seq_len(const unsigned char *s, size_t len);

/* True when all of s[0..len) is valid UTF-8 (NUL is a valid character). */
bool rp_utf8_valid(const char *s, size_t len);

/* Copies s[0..len) into out (size bytes, always NUL-terminated when size >
 * 0) with each byte that does not start a valid sequence replaced by U+FFFD
 * (the "maximal subpart" choice of Unicode §3.9 is not needed here: the
 * result only has to be valid and readable). A sequence that does not fit
 * is dropped whole, never cut. Returns the bytes written, without the NUL. */
size_t rp_utf8_repair(const char *s, size_t len, char *out, size_t size);

#endif
