/*
 * wire_reply.c - the reply frame of wire protocol v1, packed with msgpack-c:
 * [{"id": id|nil, "status": S, "error"?: text}, ...] in request order.
 */
#include <limits.h>   /* msgpack.h relies on it being included first */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void pack_text(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_event_reply(msgpack_packer *pk, const rp_wire_event *ev)
{
    bool has_error = ev->status == RP_STATUS_REJECTED || ev->status == RP_STATUS_RETRY;
    msgpack_pack_map(pk, has_error ? 3 : 2);
    pack_text(pk, "id", 2);
    if (ev->id)
        pack_text(pk, ev->id, ev->id_len);
    else
        msgpack_pack_nil(pk);
    pack_text(pk, "status", 6);
    const char *status = rp_event_status_name(ev->status);
    pack_text(pk, status, strlen(status));
    if (has_error) {
        pack_text(pk, "error", 5);
        const char *error = ev->error[0] ? ev->error : "no reason given";
        pack_text(pk, error, strlen(error));
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
