/*
 * emit.c - the survey plugin's own parts of its msgpack maps (fields in
 * docs/plugins/survey.md): optional measures, the questions of a request
 * and timer payloads. Events go out through rp_mpout_emit.
 */
#include "glue.h"

void sv_pack_dbl(rp_mpout *o, const char *key, double value)
{
    rp_mpout_str(o, key);
    /* the measures are never negative: below zero stands for unknown */
    if (value >= 0)
        msgpack_pack_double(&o->pk, value);
    else
        msgpack_pack_nil(&o->pk);
}

static void scale_question(rp_mpout *o, const char *id, const char *text, int min, int max)
{
    msgpack_pack_map(&o->pk, 5);
    rp_mpout_kv_str(o, "id", id);
    rp_mpout_kv_str(o, "type", "scale");
    rp_mpout_kv_str(o, "text", text);
    rp_mpout_kv_int(o, "min", min);
    rp_mpout_kv_int(o, "max", max);
}

void sv_pack_questions(rp_mpout *o)
{
    rp_mpout_str(o, "questions");
    msgpack_pack_array(&o->pk, 3);
    scale_question(o, "nps", "How likely are you to recommend us to a friend or colleague?", 0, 10);
    scale_question(o, "csat", "How satisfied are you with us?", 1, 5);
    msgpack_pack_map(&o->pk, 4);
    rp_mpout_kv_str(o, "id", "comment");
    rp_mpout_kv_str(o, "type", "text");
    rp_mpout_kv_str(o, "text", "Anything we should know?");
    rp_mpout_kv_bool(o, "optional", true);
}

bool sv_pack_timer(rp_mpout *o, const rp_call *call, const char *key, int64_t due_ms, const char *customer)
{
    const rp_host_api *api = call->api;
    bool ok = key && !o->oom
              && api->timer_set(call->ctx, key, due_ms, customer, NULL, (const uint8_t *)o->sb.data,
                                o->sb.size) == RP_OK;
    if (!key || o->oom)
        api->fail(call->ctx, "survey: out of memory building timer %s", key ? key : "(key)");
    rp_mpout_free(o);
    return ok;
}
