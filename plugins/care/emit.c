/*
 * emit.c - the care plugin's derived events, each one msgpack map (fields
 * as in docs/plugins/care.md).
 */
#include <msgpack.h>
#include <string.h>

#include "glue.h"

typedef struct out {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    bool oom;
} out;

/* Remembers a failed write instead of checking every pack call. */
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

static bool send_event(cr_run *r, out *o, const char *type, const char *customer)
{
    bool ok = !o->oom
              && r->api->emit(r->ctx, type, customer, NULL, (const uint8_t *)o->sb.data,
                              o->sb.size) == RP_OK;
    if (o->oom)
        r->api->fail(r->ctx, "care: out of memory building %s", type);
    msgpack_sbuffer_destroy(&o->sb);
    return ok;
}

bool cr_emit_created(cr_run *r, const cr_task_info *t)
{
    out o;
    open_map(&o, 11);
    kv_str(&o, "task_id", t->task_id);
    kv_str(&o, "kind", t->kind);
    kv_str(&o, "channel", t->channel);
    kv_str(&o, "gesture", t->gesture);
    kv_int(&o, "priority", t->priority);
    kv_int(&o, "due_ms", t->due_ms);
    kv_str(&o, "reason", t->reason);
    kv_str(&o, "status", t->status);
    kv_str(&o, "merged_into", t->merged_into);
    put_str(&o, "deferred_from_ms");
    if (t->deferred_from_ms >= 0)
        msgpack_pack_int64(&o.pk, t->deferred_from_ms);
    else
        msgpack_pack_nil(&o.pk);
    put_str(&o, "over_budget");
    if (t->over_budget)
        msgpack_pack_true(&o.pk);
    else
        msgpack_pack_false(&o.pk);
    return send_event(r, &o, "care.task_created", t->customer);
}

/* care.task_due and care.task_overdue carry the same fields. */
static bool emit_lifecycle(cr_run *r, const cr_lifecycle_row *t, const char *type)
{
    out o;
    open_map(&o, 7);
    kv_str(&o, "task_id", t->task_id);
    kv_str(&o, "kind", t->kind);
    kv_str(&o, "channel", t->channel);
    kv_int(&o, "priority", t->priority);
    kv_str(&o, "reason", t->reason);
    kv_int(&o, "due_ms", t->due_ms);
    kv_int(&o, "window_end_ms", t->window_end_ms);
    if (o.oom) {
        r->api->fail(r->ctx, "care: out of memory building %s", type);
        msgpack_sbuffer_destroy(&o.sb);
        return false;
    }
    bool ok = r->api->emit(r->ctx, type, t->customer, t->org, (const uint8_t *)o.sb.data,
                           o.sb.size) == RP_OK;
    msgpack_sbuffer_destroy(&o.sb);
    return ok;
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
    out o;
    open_map(&o, 5);
    kv_str(&o, "task_id", t->task_id);
    kv_str(&o, "kind", t->kind);
    kv_int(&o, "from_ms", t->deferred_from_ms);
    kv_int(&o, "to_ms", t->due_ms);
    kv_int(&o, "priority", t->priority);
    return send_event(r, &o, "care.task_deferred", t->customer);
}

bool cr_emit_merged(cr_run *r, const char *customer, const char *task_id, const char *into,
                    const char *kind)
{
    out o;
    open_map(&o, 3);
    kv_str(&o, "task_id", task_id);
    kv_str(&o, "into", into);
    kv_str(&o, "by_kind", kind);
    return send_event(r, &o, "care.task_merged", customer);
}
