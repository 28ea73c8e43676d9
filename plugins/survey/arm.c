/*
 * arm.c - every survey timer's key and payload in one place (timers.h
 * lists the kinds), used by the event handlers that arm them and by the
 * timers that re-arm each other. Each payload names its id (survey,
 * complaint) so a hashed key (keys.c) loses nothing.
 */
#include <stdlib.h>

#include "glue.h"

/* Sets PREFIX:ID with the payload map, freeing both. */
static bool set(const rp_call *call, rp_mpout *payload, const char *prefix, const char *id, int64_t due_ms,
                const char *customer)
{
    char *key = sv_timer_key(prefix, id);
    bool ok = sv_pack_timer(payload, call, key, due_ms, customer);
    free(key);
    return ok;
}

bool sv_arm_send(const rp_call *call, const char *customer, const char *kind, const char *survey_id,
                 const char *ref, int64_t first_due_ms, int64_t due_ms)
{
    rp_mpout p;
    rp_mpout_open_map(&p, 4);
    rp_mpout_kv_str(&p, "kind", kind);
    rp_mpout_kv_str(&p, "survey_id", survey_id);
    rp_mpout_kv_str(&p, "ref", ref);
    rp_mpout_kv_int(&p, "first_due_ms", first_due_ms);
    return set(call, &p, SV_KEY_SEND, survey_id, due_ms, customer);
}

bool sv_arm_expire(const rp_call *call, const char *customer, const char *survey_id, int64_t due_ms)
{
    rp_mpout p;
    rp_mpout_open_map(&p, 1);
    rp_mpout_kv_str(&p, "survey_id", survey_id);
    return set(call, &p, SV_KEY_EXPIRE, survey_id, due_ms, customer);
}

/* The customer is the timer's scope, so the payload needs no id. */
bool sv_arm_quarterly(const rp_call *call, const char *customer, int64_t due_ms)
{
    rp_mpout p;
    rp_mpout_open_map(&p, 1);
    rp_mpout_kv_str(&p, "kind", "quarterly");
    return set(call, &p, SV_KEY_QUARTERLY, customer, due_ms, customer);
}

bool sv_arm_clock(const rp_call *call, const char *customer, const char *complaint_id, bool first,
                  int64_t due_ms)
{
    rp_mpout p;
    rp_mpout_open_map(&p, 2);
    rp_mpout_kv_str(&p, "complaint_id", complaint_id);
    rp_mpout_kv_str(&p, "clock", first ? "first" : "resolve");
    return set(call, &p, first ? SV_KEY_SLA_FIRST : SV_KEY_SLA_RESOLVE, complaint_id, due_ms, customer);
}

bool sv_arm_silent(const rp_call *call, const char *customer, const char *survey_id, int64_t due_ms)
{
    rp_mpout p;
    rp_mpout_open_map(&p, 1);
    rp_mpout_kv_str(&p, "survey_id", survey_id);
    return set(call, &p, SV_KEY_SILENT, survey_id, due_ms, customer);
}

bool sv_cancel(const rp_call *call, const char *prefix, const char *id)
{
    char *key = sv_timer_key(prefix, id);
    if (!key) {
        call->api->fail(call->ctx, "survey: out of memory cancelling a %s timer", prefix);
        return false;
    }
    bool ok = call->api->timer_cancel(call->ctx, key) == RP_OK;
    if (!ok)
        call->api->fail(call->ctx, "survey: cancelling timer %s failed", key);
    free(key);
    return ok;
}
