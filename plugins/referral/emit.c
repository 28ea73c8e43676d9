/*
 * emit.c - the referral plugin's derived events, each built as one msgpack
 * map (fields as in docs/plugins/referral.md).
 */
#include <msgpack.h>
#include <string.h>

#include "emit.h"

typedef struct out {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    bool oom;
} out;

/* Remembers a failed write instead of relying on every pack call's result. */
static int write_checked(void *data, const char *buf, size_t len)
{
    out *o = data;
    if (!o->oom && msgpack_sbuffer_write(&o->sb, buf, len) != 0)
        o->oom = true;
    return 0;
}

static void open_map(out *o, size_t fields)
{
    msgpack_sbuffer_init(&o->sb);
    o->oom = false;
    msgpack_packer_init(&o->pk, o, write_checked);
    msgpack_pack_map(&o->pk, fields);
}

static void put_str(out *o, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(&o->pk, n);
    msgpack_pack_str_body(&o->pk, s, n);
}

static void kv_str(out *o, const char *key, const char *value)
{
    put_str(o, key);
    if (value)
        put_str(o, value);
    else
        msgpack_pack_nil(&o->pk);
}

static void kv_int(out *o, const char *key, int64_t value)
{
    put_str(o, key);
    msgpack_pack_int64(&o->pk, value);
}

static void kv_double(out *o, const char *key, double value)
{
    put_str(o, key);
    msgpack_pack_double(&o->pk, value);
}

static void kv_bool(out *o, const char *key, bool value)
{
    put_str(o, key);
    if (value)
        msgpack_pack_true(&o->pk);
    else
        msgpack_pack_false(&o->pk);
}

static bool send_event(rf_run *r, out *o, const char *type, const char *customer)
{
    bool ok = !o->oom
              && r->api->emit(r->ctx, type, customer, NULL, (const uint8_t *)o->sb.data, o->sb.size) == RP_OK;
    if (o->oom)
        r->api->fail(r->ctx, "referral: out of memory building %s", type);
    msgpack_sbuffer_destroy(&o->sb);
    return ok;
}

bool rf_emit_converted(rf_run *r, const rf_converted_info *c)
{
    out o;
    open_map(&o, 9);
    kv_str(&o, "referrer", c->referrer);
    kv_str(&o, "referee", c->referee);
    kv_int(&o, "depth", c->depth);
    kv_int(&o, "days_to_convert", c->days_to_convert);
    kv_int(&o, "referred_ms", c->referred_ms);
    kv_int(&o, "converted_ms", c->converted_ms);
    kv_str(&o, "order_id", c->order_id);
    kv_double(&o, "amount", c->amount);
    kv_bool(&o, "flagged", c->flagged);
    return send_event(r, &o, "referral.converted", c->referrer);
}

bool rf_emit_key_person(rf_run *r, const rf_node *n, const char *evicted)
{
    out o;
    open_map(&o, 5);
    kv_double(&o, "influence", n->influence);
    kv_int(&o, "subtree_size", n->subtree_size);
    kv_double(&o, "subtree_revenue", n->subtree_revenue);
    kv_int(&o, "top", r->s->top);
    kv_str(&o, "evicted", evicted && evicted[0] ? evicted : NULL);
    return send_event(r, &o, "referral.key_person", n->id);
}

bool rf_emit_reward(rf_run *r, const rf_reward *rw, const char *key)
{
    out o;
    open_map(&o, 6);
    kv_str(&o, "rule", rw->rule->name);
    kv_str(&o, "side", rf_side_name(rw->side));
    kv_double(&o, "amount", rw->amount);
    kv_str(&o, "referrer", rw->referrer);
    kv_str(&o, "referee", rw->referee);
    kv_str(&o, "reward_key", key);
    return send_event(r, &o, "referral.reward_earned", rw->beneficiary);
}

bool rf_emit_flagged(rf_run *r, const char *referrer, const char *referee,
                     const char *const *reasons, size_t nreasons, const char *message, bool held)
{
    out o;
    open_map(&o, 5);
    kv_str(&o, "referrer", referrer);
    kv_str(&o, "referee", referee);
    put_str(&o, "reasons");
    msgpack_pack_array(&o.pk, nreasons);
    for (size_t i = 0; i < nreasons; i++)
        put_str(&o, reasons[i]);
    kv_str(&o, "message", message);
    kv_bool(&o, "held", held);
    return send_event(r, &o, "referral.flagged", referrer);
}
