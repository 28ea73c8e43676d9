/* copy_binary.c - COPY binary-format rows (see copy_binary.h). */
#include "copy_binary.h"

#include <endian.h>
#include <string.h>

/* "PGCOPY\n\377\r\n\0", then 32-bit flags (no OIDs) and header extension length. */
static const char COPY_BINARY_HEADER[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

static void append(rp_copy_buffer *buf, const void *bytes, size_t len)
{
    if (rp_copy_reserve(buf, len)) {
        memcpy(buf->data + buf->len, bytes, len);
        buf->len += len;
    }
}

static void append_be32(rp_copy_buffer *buf, uint32_t value)
{
    uint32_t be = htobe32(value);
    append(buf, &be, sizeof be);
}

void rp_copy_bin_header(rp_copy_buffer *buf)
{
    append(buf, COPY_BINARY_HEADER, sizeof COPY_BINARY_HEADER);
}

void rp_copy_bin_row(rp_copy_buffer *buf, uint16_t field_count)
{
    uint16_t be = htobe16(field_count);
    append(buf, &be, sizeof be);
}

void rp_copy_bin_bytes(rp_copy_buffer *buf, const void *bytes, size_t len)
{
    /* Callers pass values bounded by the wire limits (far below 2 GiB);
     * a longer one would not fit the length word, so it is refused. */
    if (len > INT32_MAX) {
        buf->oom = true;
        return;
    }
    append_be32(buf, (uint32_t)len);
    append(buf, bytes, len);
}

void rp_copy_bin_text_or_null(rp_copy_buffer *buf, const char *s)
{
    if (s)
        rp_copy_bin_bytes(buf, s, strlen(s));
    else
        append_be32(buf, UINT32_MAX);   /* length -1: NULL */
}

void rp_copy_bin_int4(rp_copy_buffer *buf, int32_t value)
{
    append_be32(buf, 4);
    append_be32(buf, (uint32_t)value);
}

void rp_copy_bin_int8(rp_copy_buffer *buf, int64_t value)
{
    uint64_t be = htobe64((uint64_t)value);
    append_be32(buf, 8);
    append(buf, &be, sizeof be);
}

void rp_copy_bin_trailer(rp_copy_buffer *buf)
{
    uint16_t be = htobe16(UINT16_MAX);  /* field count -1 */
    append(buf, &be, sizeof be);
}
