/*
 * copy_binary.h - COPY ... (FORMAT binary) rows in the same growing buffer
 * as copy_text.h, sent with rp_copy_send.
 *
 * Binary COPY is what the committer uses for the event log: an event's data
 * is msgpack, which text COPY must spell as hex (twice the bytes on the wire
 * and a hex decode in the server for every row). In binary format every
 * value is a 32-bit big-endian length followed by its bytes in the type's
 * binary representation (for text and bytea: the bytes themselves; for
 * integers: big-endian), each row starts with a 16-bit field count, and the
 * stream has a fixed header and a -1 trailer.
 */
#ifndef RP_COPY_BINARY_H
#define RP_COPY_BINARY_H

#include "copy_text.h"

void rp_copy_bin_header(rp_copy_buffer *buf);
void rp_copy_bin_row(rp_copy_buffer *buf, uint16_t field_count);
void rp_copy_bin_bytes(rp_copy_buffer *buf, const void *bytes, size_t len);   /* text or bytea */
void rp_copy_bin_text_or_null(rp_copy_buffer *buf, const char *s);              /* NULL -> NULL */
void rp_copy_bin_int4(rp_copy_buffer *buf, int32_t value);
void rp_copy_bin_int8(rp_copy_buffer *buf, int64_t value);
void rp_copy_bin_trailer(rp_copy_buffer *buf);

#endif
