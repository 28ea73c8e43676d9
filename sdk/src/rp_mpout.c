/*
 * rp_mpout.c - one msgpack map built in memory (rp_mpout.h).
 */
#include <string.h>

#include "rapport/rp_mpout.h"

/* msgpack's packer ignores most write results; this one remembers the first
 * failure so the map is checked once, before it leaves the plugin. */
static int write_checked(void *data, const char *buf, size_t len)
{
    rp_mpout *o = data;
    if (!o->oom && msgpack_sbuffer_write(&o->sb, buf, len) != 0)
        o->oom = true;
    return 0;
}

void rp_mpout_open_map(rp_mpout *o, size_t fields)
{
    msgpack_sbuffer_init(&o->sb);
    o->oom = false;
    msgpack_packer_init(&o->pk, o, write_checked);
    msgpack_pack_map(&o->pk, fields);
}

void rp_mpout_str(rp_mpout *o, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(&o->pk, n);
    msgpack_pack_str_body(&o->pk, s, n);
}

void rp_mpout_kv_str(rp_mpout *o, const char *key, const char *value)
{
    rp_mpout_str(o, key);
    if (value)
        rp_mpout_str(o, value);
    else
        msgpack_pack_nil(&o->pk);
}

void rp_mpout_kv_int(rp_mpout *o, const char *key, int64_t value)
{
    rp_mpout_str(o, key);
    msgpack_pack_int64(&o->pk, value);
}

void rp_mpout_kv_double(rp_mpout *o, const char *key, double value)
{
    rp_mpout_str(o, key);
    msgpack_pack_double(&o->pk, value);
}

void rp_mpout_kv_bool(rp_mpout *o, const char *key, bool value)
{
    rp_mpout_str(o, key);
    if (value)
        msgpack_pack_true(&o->pk);
    else
        msgpack_pack_false(&o->pk);
}

bool rp_mpout_emit(rp_mpout *o, rp_ctx *ctx, const rp_host_api *api, const char *plugin,
                   const char *type, const char *customer, const char *org)
{
    bool ok = !o->oom && api->emit(ctx, type, customer, org, (const uint8_t *)o->sb.data,
                                   o->sb.size) == RP_OK;
    if (o->oom)
        api->fail(ctx, "%s: out of memory building %s", plugin, type);
    rp_mpout_free(o);
    return ok;
}

void rp_mpout_free(rp_mpout *o)
{
    msgpack_sbuffer_destroy(&o->sb);
}
