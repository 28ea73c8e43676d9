/*
 * emit.c - the stakeholder plugin's derived events, each one msgpack map.
 */
#include "emit.h"
#include "rapport/rp_mpout.h"

static void kv_roles(rp_mpout *o, const char *key, unsigned roles)
{
    rp_mpout_str(o, key);
    size_t n = 0;
    for (int r = 0; r < SH_ROLE_COUNT; r++)
        n += (roles & SH_ROLE_BIT(r)) != 0;
    msgpack_pack_array(&o->pk, n);
    for (int r = 0; r < SH_ROLE_COUNT; r++)
        if (roles & SH_ROLE_BIT(r))
            rp_mpout_str(o, sh_role_name((sh_role)r));
}

/* customer/org: explicit scope; NULL for both keeps the handled event's. */
static bool send_event(sh_run *r, rp_mpout *o, const char *type, const char *customer,
                       const char *org)
{
    return rp_mpout_emit(o, r->ctx, r->api, "stakeholder", type, customer, org);
}

bool sh_emit_gap(sh_run *r, size_t org, const sh_gap_change *change, int64_t opened_ms,
                 const sh_coverage *coverage, bool correction)
{
    rp_mpout o;
    rp_mpout_open_map(&o, correction ? 9 : 8);
    rp_mpout_kv_str(&o, "role", sh_role_name(change->role));
    rp_mpout_kv_str(&o, "kind", sh_gap_kind_name(change->kind));
    rp_mpout_kv_str(&o, "state", change->opened ? "opened" : "closed");
    rp_mpout_kv_int(&o, "opened_ms", opened_ms);
    rp_mpout_kv_int(&o, "coverage_score", coverage->score);
    rp_mpout_kv_int(&o, "covered_roles", coverage->covered_roles);
    rp_mpout_kv_bool(&o, "single_threaded", coverage->single_threaded);
    rp_mpout_kv_int(&o, "members", coverage->members);
    if (correction)
        rp_mpout_kv_bool(&o, "correction", true);
    /* org scope only: a contact's recomputation is about the org, not the person */
    return send_event(r, &o, "org.coverage_gap", NULL, r->orgs[org].id);
}

bool sh_emit_champion_left(sh_run *r, size_t person, const sh_member_state *was,
                           const char *owner, const char *reason, const char *request_id)
{
    rp_mpout o;
    rp_mpout_open_map(&o, 6);
    rp_mpout_kv_str(&o, "person", r->people[person].id);
    kv_roles(&o, "roles", was->roles);
    rp_mpout_kv_str(&o, "attitude", sh_attitude_name(was->attitude));
    rp_mpout_kv_str(&o, "owner", owner);
    rp_mpout_kv_str(&o, "reason", reason);
    rp_mpout_kv_str(&o, "care_request_id", request_id);
    return send_event(r, &o, "org.champion_left", NULL, NULL);
}
