/*
 * profile.c - customer.upsert: what the care plugin keeps of a profile
 * (time zone, preferred channel, consent, special days). Absent fields keep
 * their previous value; a present list (family, anniversaries) replaces the
 * stored one of its kind. Each field keeps the newest statement by event
 * time (stamps.h): an older upsert arriving late changes only the fields
 * no newer upsert has stated.
 */
#include <stdio.h>
#include <string.h>

#include "glue.h"

/* Whether the upsert's statement of a field replaces the stored one: it is
 * as recent by event time (stamps.h), whatever the arrival order. */
static bool newest(cr_cust *c, const rp_event *ev, cr_profile_field f)
{
    return cr_stamp_take(&c->profile_ms[f], ev->ts_ms);
}

static void read_consent(cr_run *r, cr_cust *c, const rp_event *ev)
{
    rp_view consent = r->api->view_get(ev->data, "consent");
    bool v;
    if (r->api->view_bool(r->api->view_get(consent, "contact"), &v)
        && newest(c, ev, CR_PF_CONSENT_CONTACT))
        c->consent_contact = v;
    if (r->api->view_bool(r->api->view_get(consent, "marketing"), &v)
        && newest(c, ev, CR_PF_CONSENT_MARKETING))
        c->consent_marketing = v;
}

/* Keeps the stored special days whose kind is not being replaced. */
static void keep_others(const cr_cust *c, const bool replace[3], char *out, size_t size)
{
    static const char *const kinds[3] = {"birthday", "family_birthday", "anniversary"};
    cr_special old[CR_SPECIALS_MAX];
    size_t n = cr_specials_parse(c->specials, old, CR_SPECIALS_MAX);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (int k = 0; k < 3; k++)
            replaced |= replace[k] && strcmp(old[i].kind, kinds[k]) == 0;
        if (!replaced)
            cr_specials_append(out, size, old[i].kind, old[i].label, old[i].month, old[i].day);
    }
}

static void add_day(char *out, size_t size, const char *kind, const char *label, const char *date)
{
    int y, m, d;
    if (cr_parse_month_day(date, &y, &m, &d))
        cr_specials_append(out, size, kind, label, m, d);
}

/* Labels are cut to what specialday.h stores (a label, not an id). */
static void add_family(cr_run *r, rp_view family, char *out, size_t size)
{
    rp_view_iter it;
    rp_view member;
    r->api->view_iter_init(family, &it);
    while (r->api->view_iter_next(&it, &member)) {
        const char *name = cr_field(r, member, "name");
        const char *relation = cr_field(r, member, "relation");
        char label[64];
        snprintf(label, sizeof label, "%s%s%s", relation, name[0] ? " " : "", name);
        add_day(out, size, "family_birthday", label, cr_field(r, member, "birthday"));
    }
}

static void add_anniversaries(cr_run *r, rp_view list, char *out, size_t size)
{
    rp_view_iter it;
    rp_view a;
    r->api->view_iter_init(list, &it);
    while (r->api->view_iter_next(&it, &a))
        add_day(out, size, "anniversary", cr_field(r, a, "label"), cr_field(r, a, "date"));
}

static void read_special_days(cr_run *r, cr_cust *c, const rp_event *ev)
{
    rp_view birthday = r->api->view_get(ev->data, "birthday");
    rp_view family = r->api->view_get(ev->data, "family");
    rp_view anniversaries = r->api->view_get(ev->data, "anniversaries");
    bool replace[3] = {
        r->api->view_kind(birthday) == RP_VIEW_STR && newest(c, ev, CR_PF_BIRTHDAY),
        r->api->view_kind(family) == RP_VIEW_ARRAY && newest(c, ev, CR_PF_FAMILY),
        r->api->view_kind(anniversaries) == RP_VIEW_ARRAY && newest(c, ev, CR_PF_ANNIVERSARIES),
    };
    if (!replace[0] && !replace[1] && !replace[2])
        return;
    char next[sizeof c->specials];
    keep_others(c, replace, next, sizeof next);
    const char *date = cr_str(r, birthday);
    if (replace[0] && date)
        add_day(next, sizeof next, "birthday", "", date);
    if (replace[1])
        add_family(r, family, next, sizeof next);
    if (replace[2])
        add_anniversaries(r, anniversaries, next, sizeof next);
    memcpy(c->specials, next, sizeof next);
}

/* Withdrawn consent cancels the open tasks it no longer allows (all but the
 * see-off for contact, the marketing kinds for marketing) and frees their
 * place in the budget. */
static bool cancel_withdrawn(cr_run *r, cr_cust *c, int contact_before, int marketing_before)
{
    bool contact_withdrawn = c->consent_contact == 0 && contact_before != 0;
    bool marketing_withdrawn = c->consent_marketing == 0 && marketing_before != 0;
    if (!contact_withdrawn && !marketing_withdrawn)
        return true;
    const char *p[] = {r->tenant, c->id, contact_withdrawn ? "true" : "false"};
    return cr_rows_flush(r) && r->api->db_defer(r->ctx,
        "WITH cancelled AS (UPDATE care_tasks SET status = 'skipped', outcome = 'consent withdrawn'"
        "  WHERE tenant = $1 AND customer = $2 AND status IN ('pending', 'due')"
        "  AND kind <> 'see_off' AND ($3::boolean OR kind IN ('regular', 'campaign'))"
        "  RETURNING task_id)"
        " DELETE FROM contact_ledger WHERE tenant = $1 AND customer = $2 AND source = 'care'"
        " AND ref IN (SELECT task_id FROM cancelled)", 3, p) == RP_OK;
}

/* A zone name longer than any IANA zone is none: the default applies. */
static void read_zone(cr_run *r, cr_cust *c, const rp_event *ev)
{
    const char *tz = cr_str(r, r->api->view_get(ev->data, "timezone"));
    if (!tz || !newest(c, ev, CR_PF_TIMEZONE))
        return;
    snprintf(c->tz, sizeof c->tz, "%s", strlen(tz) < sizeof c->tz ? tz : "-");
    c->tz_known = 0;
}

bool cr_on_upsert(cr_run *r, cr_cust *c, const rp_event *ev)
{
    int contact_before = c->consent_contact, marketing_before = c->consent_marketing;
    read_zone(r, c, ev);
    const char *channel = cr_str(r, r->api->view_get(ev->data, "preferred_channel"));
    if (channel && newest(c, ev, CR_PF_CHANNEL))
        snprintf(c->channel, sizeof c->channel, "%s", channel);
    read_consent(r, c, ev);
    read_special_days(r, c, ev);
    c->dirty = true;
    return cancel_withdrawn(r, c, contact_before, marketing_before);
}
