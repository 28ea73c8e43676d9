/*
 * wire_reply.c - the reply frame of wire protocol v1, packed with msgpack-c:
 * [{"id": id|nil, "status": S, "error"?: text}, ...] in request order.
 *
 * Nothing in a reply is invalid UTF-8, or strict clients could not decode
 * it at all: an id that is not valid UTF-8 is echoed as msgpack bin with its
 * exact bytes (so the client still matches it against the id it sent), and
 * error texts, which may quote what the client sent, are repaired with
 * U+FFFD (proto/README.md, "Reply").
 */
#include <limits.h>   /* msgpack.h relies on it being included first */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "wire.h"

static void pack_text(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

/* Error texts are at most RP_WIRE_ERROR_MAX bytes; each byte replaced
 * grows to three. */
static void pack_repaired(msgpack_packer *pk, const char *s, size_t n)
{
    char repaired[RP_WIRE_ERROR_MAX * 3 + 1];
    if (rp_utf8_valid(s, n)) {
        pack_text(pk, s, n);
        return;
    }
    pack_text(pk, repaired, rp_utf8_repair(s, n, repaired, sizeof repaired));
}

static void pack_id(msgpack_packer *pk, const char *id, size_t n)
{
    if (!id) {
        msgpack_pack_nil(pk);
    } else if (rp_utf8_valid(id, n)) {
        pack_text(pk, id, n);
    } else {
        msgpack_pack_bin(pk, n);
        msgpack_pack_bin_body(pk, id, n);
    }
}

static void pack_event_reply(msgpack_packer *pk, const rp_wire_event *ev)
{
    bool has_error = ev->status == RP_STATUS_REJECTED || ev->status == RP_STATUS_RETRY;
    msgpack_pack_map(pk, has_error ? 3 : 2);
    pack_text(pk, "id", 2);
    pack_id(pk, ev->id, ev->id_len);
    pack_text(pk, "status", 6);
    const char *status = rp_event_status_name(ev->status);
    pack_text(pk, status, strlen(status));
    if (has_error) {
        pack_text(pk, "error", 5);
        const char *error = ev->error[0] ? ev->error : "no reason given";
        pack_repaired(pk, error, strlen(error));
    }
}

uint8_t *rp_wire_encode_reply(const rp_wire_request *req, size_t *out_len)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, req->count);
    for (size_t i = 0; i < req->count; i++)
        pack_event_reply(&pk, &req->events[i]);
    if (!sbuf.data) {
        *out_len = 0;
        return NULL;
    }
    *out_len = sbuf.size;
    return (uint8_t *)msgpack_sbuffer_release(&sbuf);
}
