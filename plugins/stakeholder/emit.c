/*
 * emit.c - the stakeholder plugin's derived events, each one msgpack map.
 */
#include <msgpack.h>
#include <string.h>

#include "emit.h"

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

static void kv_bool(out *o, const char *key, bool value)
{
    put_str(o, key);
    if (value)
        msgpack_pack_true(&o->pk);
    else
        msgpack_pack_false(&o->pk);
}

static void kv_roles(out *o, const char *key, unsigned roles)
{
    put_str(o, key);
    size_t n = 0;
    for (int r = 0; r < SH_ROLE_COUNT; r++)
        n += (roles & SH_ROLE_BIT(r)) != 0;
    msgpack_pack_array(&o->pk, n);
    for (int r = 0; r < SH_ROLE_COUNT; r++)
        if (roles & SH_ROLE_BIT(r))
            put_str(o, sh_role_name((sh_role)r));
}

/* customer/org: explicit scope; NULL for both keeps the handled event's. */
static bool send_event(sh_run *r, out *o, const char *type, const char *customer, const char *org)
{
    bool ok = !o->oom
              && r->api->emit(r->ctx, type, customer, org, (const uint8_t *)o->sb.data, o->sb.size) == RP_OK;
    if (o->oom)
        r->api->fail(r->ctx, "stakeholder: out of memory building %s", type);
    msgpack_sbuffer_destroy(&o->sb);
    return ok;
}

bool sh_emit_gap(sh_run *r, size_t org, const sh_gap_change *change, int64_t opened_ms,
                 const sh_coverage *coverage)
{
    out o;
    open_map(&o, 8);
    kv_str(&o, "role", sh_role_name(change->role));
    kv_str(&o, "kind", sh_gap_kind_name(change->kind));
    kv_str(&o, "state", change->opened ? "opened" : "closed");
    kv_int(&o, "opened_ms", opened_ms);
    kv_int(&o, "coverage_score", coverage->score);
    kv_int(&o, "covered_roles", coverage->covered_roles);
    kv_bool(&o, "single_threaded", coverage->single_threaded);
    kv_int(&o, "members", coverage->members);
    /* org scope only: a contact's recomputation is about the org, not the person */
    return send_event(r, &o, "org.coverage_gap", NULL, r->orgs[org].id);
}

bool sh_emit_champion_left(sh_run *r, size_t member, const char *reason, const char *request_id)
{
    const sh_member *m = &r->members[member];
    const sh_org *org = &r->orgs[m->org];
    out o;
    open_map(&o, 6);
    kv_str(&o, "person", r->people[m->person].id);
    kv_roles(&o, "roles", m->roles);
    kv_str(&o, "attitude", sh_attitude_name(m->attitude));
    kv_str(&o, "owner", org->owner);
    kv_str(&o, "reason", reason);
    kv_str(&o, "care_request_id", request_id);
    return send_event(r, &o, "org.champion_left", NULL, NULL);
}
