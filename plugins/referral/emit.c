/*
 * emit.c - the referral plugin's derived events, each built as one msgpack
 * map (fields as in docs/plugins/referral.md).
 */
#include "emit.h"
#include "rapport/rp_mpout.h"

/* Each event is one map; a failed build fails the callback (rp_mpout.h). */
static bool send_event(rf_run *r, rp_mpout *o, const char *type, const char *customer)
{
    return rp_mpout_emit(o, r->ctx, r->api, "referral", type, customer, NULL);
}

bool rf_emit_converted(rf_run *r, const rf_converted_info *c)
{
    rp_mpout o;
    rp_mpout_open_map(&o, c->correction ? 11 : 9);
    rp_mpout_kv_str(&o, "referrer", c->referrer);
    rp_mpout_kv_str(&o, "referee", c->referee);
    rp_mpout_kv_int(&o, "depth", c->depth);
    rp_mpout_kv_int(&o, "days_to_convert", c->days_to_convert);
    rp_mpout_kv_int(&o, "referred_ms", c->referred_ms);
    rp_mpout_kv_int(&o, "converted_ms", c->converted_ms);
    rp_mpout_kv_str(&o, "order_id", c->order_id);
    rp_mpout_kv_double(&o, "amount", c->amount);
    rp_mpout_kv_bool(&o, "flagged", c->flagged);
    if (c->correction) {
        rp_mpout_kv_bool(&o, "correction", true);
        rp_mpout_kv_str(&o, "status", c->status);
    }
    return send_event(r, &o, "referral.converted", c->referrer);
}

bool rf_emit_key_person(rf_run *r, const rf_node *n, const char *evicted)
{
    rp_mpout o;
    rp_mpout_open_map(&o, 5);
    rp_mpout_kv_double(&o, "influence", n->influence);
    rp_mpout_kv_int(&o, "subtree_size", n->subtree_size);
    rp_mpout_kv_double(&o, "subtree_revenue", n->subtree_revenue);
    rp_mpout_kv_int(&o, "top", r->s->top);
    rp_mpout_kv_str(&o, "evicted", evicted && evicted[0] ? evicted : NULL);
    return send_event(r, &o, "referral.key_person", n->id);
}

bool rf_emit_reward(rf_run *r, const rf_reward *rw, const char *key)
{
    rp_mpout o;
    rp_mpout_open_map(&o, 6);
    rp_mpout_kv_str(&o, "rule", rw->rule->name);
    rp_mpout_kv_str(&o, "side", rf_side_name(rw->side));
    rp_mpout_kv_double(&o, "amount", rw->amount);
    rp_mpout_kv_str(&o, "referrer", rw->referrer);
    rp_mpout_kv_str(&o, "referee", rw->referee);
    rp_mpout_kv_str(&o, "reward_key", key);
    return send_event(r, &o, "referral.reward_earned", rw->beneficiary);
}

bool rf_emit_flagged(rf_run *r, const char *referrer, const char *referee,
                     const char *const *reasons, size_t nreasons, const char *message, bool held,
                     bool correction)
{
    rp_mpout o;
    rp_mpout_open_map(&o, correction ? 6 : 5);
    rp_mpout_kv_str(&o, "referrer", referrer);
    rp_mpout_kv_str(&o, "referee", referee);
    rp_mpout_str(&o, "reasons");
    msgpack_pack_array(&o.pk, nreasons);
    for (size_t i = 0; i < nreasons; i++)
        rp_mpout_str(&o, reasons[i]);
    rp_mpout_kv_str(&o, "message", message);
    rp_mpout_kv_bool(&o, "held", held);
    if (correction)
        rp_mpout_kv_bool(&o, "correction", true);
    return send_event(r, &o, "referral.flagged", referrer);
}
