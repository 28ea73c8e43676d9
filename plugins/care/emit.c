/*
 * emit.c - the care plugin's derived events, each one msgpack map (fields
 * as in docs/plugins/care.md).
 */
#include "glue.h"
#include "rapport/rp_mpout.h"

/* Each event is one map; a failed build fails the callback (rp_mpout.h). */
static bool send_event(cr_run *r, rp_mpout *o, const char *type, const char *customer,
                       const char *org)
{
    return rp_mpout_emit(o, r->ctx, r->api, "care", type, customer, org);
}

bool cr_emit_created(cr_run *r, const cr_task_info *t)
{
    rp_mpout o;
    rp_mpout_open_map(&o, 11);
    rp_mpout_kv_str(&o, "task_id", t->task_id);
    rp_mpout_kv_str(&o, "kind", t->kind);
    rp_mpout_kv_str(&o, "channel", t->channel);
    rp_mpout_kv_str(&o, "gesture", t->gesture);
    rp_mpout_kv_int(&o, "priority", t->priority);
    rp_mpout_kv_int(&o, "due_ms", t->due_ms);
    rp_mpout_kv_str(&o, "reason", t->reason);
    rp_mpout_kv_str(&o, "status", t->status);
    rp_mpout_kv_str(&o, "merged_into", t->merged_into);
    rp_mpout_str(&o, "deferred_from_ms");
    if (t->deferred_from_ms >= 0)
        msgpack_pack_int64(&o.pk, t->deferred_from_ms);
    else
        msgpack_pack_nil(&o.pk);
    rp_mpout_kv_bool(&o, "over_budget", t->over_budget);
    return send_event(r, &o, "care.task_created", t->customer, NULL);
}

/* care.task_due and care.task_overdue carry the same fields. */
static bool emit_lifecycle(cr_run *r, const cr_lifecycle_row *t, const char *type)
{
    rp_mpout o;
    rp_mpout_open_map(&o, 7);
    rp_mpout_kv_str(&o, "task_id", t->task_id);
    rp_mpout_kv_str(&o, "kind", t->kind);
    rp_mpout_kv_str(&o, "channel", t->channel);
    rp_mpout_kv_int(&o, "priority", t->priority);
    rp_mpout_kv_str(&o, "reason", t->reason);
    rp_mpout_kv_int(&o, "due_ms", t->due_ms);
    rp_mpout_kv_int(&o, "window_end_ms", t->window_end_ms);
    return send_event(r, &o, type, t->customer, t->org);
}

bool cr_emit_due(cr_run *r, const cr_lifecycle_row *t)
{
    return emit_lifecycle(r, t, "care.task_due");
}

bool cr_emit_overdue(cr_run *r, const cr_lifecycle_row *t)
{
    return emit_lifecycle(r, t, "care.task_overdue");
}

bool cr_emit_deferred(cr_run *r, const cr_task_info *t)
{
    rp_mpout o;
    rp_mpout_open_map(&o, 5);
    rp_mpout_kv_str(&o, "task_id", t->task_id);
    rp_mpout_kv_str(&o, "kind", t->kind);
    rp_mpout_kv_int(&o, "from_ms", t->deferred_from_ms);
    rp_mpout_kv_int(&o, "to_ms", t->due_ms);
    rp_mpout_kv_int(&o, "priority", t->priority);
    return send_event(r, &o, "care.task_deferred", t->customer, NULL);
}

bool cr_emit_merged(cr_run *r, const char *customer, const char *task_id, const char *into,
                    const char *kind)
{
    rp_mpout o;
    rp_mpout_open_map(&o, 3);
    rp_mpout_kv_str(&o, "task_id", task_id);
    rp_mpout_kv_str(&o, "into", into);
    rp_mpout_kv_str(&o, "by_kind", kind);
    return send_event(r, &o, "care.task_merged", customer, NULL);
}
