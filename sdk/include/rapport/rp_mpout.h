/*
 * rp_mpout.h - building one msgpack map (a derived event's data or a timer
 * payload) and handing it to the host.
 *
 * A failed write is remembered instead of checked after every pack call;
 * rp_mpout_emit() reports it once, through api->fail. Usage:
 *
 *     rp_mpout o;
 *     rp_mpout_open_map(&o, 2);
 *     rp_mpout_kv_str(&o, "task_id", id);
 *     rp_mpout_kv_int(&o, "due_ms", due);
 *     return rp_mpout_emit(&o, call->ctx, call->api, "care", "care.task_due", customer, NULL)
 *         ? RP_OK : RP_ERROR;
 *
 * The map's field count is the caller's promise: pack exactly that many
 * key/value pairs. For values without a helper, pack into o.pk directly
 * (msgpack-c's packer: the SDK's pkg-config file and CMake package bring its
 * header and library along).
 */
#ifndef RP_MPOUT_H
#define RP_MPOUT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rapport/plugin.h"

typedef struct rp_mpout {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    bool oom;
} rp_mpout;

/* Starts a new buffer holding the header of a map of `fields` pairs. */
void rp_mpout_open_map(rp_mpout *o, size_t fields);
/* A string (key, array element or value). */
void rp_mpout_str(rp_mpout *o, const char *s);
/* key then value; a NULL value packs nil. */
void rp_mpout_kv_str(rp_mpout *o, const char *key, const char *value);
void rp_mpout_kv_int(rp_mpout *o, const char *key, int64_t value);
void rp_mpout_kv_double(rp_mpout *o, const char *key, double value);
void rp_mpout_kv_bool(rp_mpout *o, const char *key, bool value);

/* api->emit of the map as event `type` with the given scope (NULL customer
 * and org keep the handled event's), then frees the buffer. On out of
 * memory nothing is emitted and the callback fails with "<plugin>: out of
 * memory building <type>". True when the host took the event. */
bool rp_mpout_emit(rp_mpout *o, rp_ctx *ctx, const rp_host_api *api, const char *plugin,
                   const char *type, const char *customer, const char *org);
/* Frees the buffer, for callers that hand the bytes over themselves. */
void rp_mpout_free(rp_mpout *o);

#endif
