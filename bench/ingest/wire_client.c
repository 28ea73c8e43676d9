/*
 * wire_client.c - DEALER client of the ingress socket (see wire_client.h).
 */
#include "wire_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <msgpack.h>
#include <zmq.h>

void *bench_dealer_open(void *zmq_ctx, const char *endpoint, char *err, size_t errlen)
{
    void *sock = zmq_socket(zmq_ctx, ZMQ_DEALER);
    if (!sock) {
        snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(errno));
        return NULL;
    }
    int zero = 0;
    /* The window (or the latency schedule) bounds what is in flight; ZeroMQ's
     * own high-water marks must not silently hold frames back. */
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &zero, sizeof zero);
    if (zmq_connect(sock, endpoint) != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", endpoint, zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

void bench_dealer_close(void *sock)
{
    if (sock)
        zmq_close(sock);
}

bool bench_send_frame(void *sock, const uint8_t *frame, size_t len)
{
    if (zmq_send(sock, "", 0, ZMQ_SNDMORE) < 0)
        return false;
    return zmq_send(sock, frame, len, 0) >= 0;
}

/* True when o is the string text (a map key or a status value). */
static bool is_key(const msgpack_object *o, const char *text)
{
    size_t len = strlen(text);
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == len &&
           memcmp(o->via.str.ptr, text, len) == 0;
}

static void count_status(const msgpack_object_map *entry, bench_status_counts *counts)
{
    const msgpack_object *status = NULL, *error = NULL;
    for (uint32_t i = 0; i < entry->size; i++) {
        if (is_key(&entry->ptr[i].key, "status"))
            status = &entry->ptr[i].val;
        else if (is_key(&entry->ptr[i].key, "error"))
            error = &entry->ptr[i].val;
    }
    bool problem = true;
    if (status && is_key(status, "accepted")) {
        counts->accepted++;
        problem = false;
    } else if (status && is_key(status, "duplicate")) {
        counts->duplicate++;
        problem = false;
    } else if (status && is_key(status, "rejected")) {
        counts->rejected++;
    } else if (status && is_key(status, "retry")) {
        counts->retry++;
    } else {
        counts->other++;
    }
    if (problem && !counts->first_problem[0]) {
        if (error && error->type == MSGPACK_OBJECT_STR)
            snprintf(counts->first_problem, sizeof counts->first_problem, "%.*s",
                     (int)error->via.str.size, error->via.str.ptr);
        else
            snprintf(counts->first_problem, sizeof counts->first_problem, "an event without a known status");
    }
}

static bool count_reply(const void *data, size_t len, bench_status_counts *counts, char *err, size_t errlen)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t offset = 0;
    bool ok = msgpack_unpack_next(&unpacked, data, len, &offset) == MSGPACK_UNPACK_SUCCESS &&
              unpacked.data.type == MSGPACK_OBJECT_ARRAY;
    if (ok) {
        const msgpack_object_array *entries = &unpacked.data.via.array;
        for (uint32_t i = 0; i < entries->size && ok; i++) {
            ok = entries->ptr[i].type == MSGPACK_OBJECT_MAP;
            if (ok)
                count_status(&entries->ptr[i].via.map, counts);
        }
    }
    if (!ok)
        snprintf(err, errlen, "a reply that is not an array of status maps (%zu bytes)", len);
    msgpack_unpacked_destroy(&unpacked);
    return ok;
}

int bench_recv_reply(void *sock, int timeout_ms, bench_status_counts *counts, char *err, size_t errlen)
{
    zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
    int ready = zmq_poll(&item, 1, timeout_ms);
    if (ready < 0) {
        snprintf(err, errlen, "zmq_poll: %s", zmq_strerror(errno));
        return -1;
    }
    if (ready == 0)
        return 0;
    /* Frames: an optional empty delimiter, then the payload (the last one). */
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int more = 1;
    bool ok = true;
    while (more) {
        zmq_msg_close(&msg);
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, 0) < 0) {
            snprintf(err, errlen, "zmq_msg_recv: %s", zmq_strerror(errno));
            ok = false;
            break;
        }
        more = zmq_msg_more(&msg);
    }
    if (ok)
        ok = count_reply(zmq_msg_data(&msg), zmq_msg_size(&msg), counts, err, errlen);
    zmq_msg_close(&msg);
    return ok ? 1 : -1;
}

size_t bench_status_total(const bench_status_counts *counts)
{
    return counts->accepted + counts->duplicate + counts->rejected + counts->retry + counts->other;
}
