/*
 * timer_quarterly.c - quarterly:CUSTOMER, the core group's quarterly
 * survey: re-armed for the next quarter either way; when the scoring plugin
 * counts the customer as core, the quarter's survey joins the batch's sends
 * (so it is loaded with them and applied at this timer's place in the
 * order). A customer without a survey_customers row was erased: the round
 * stops.
 */
#include <stdlib.h>
#include <string.h>

#include "timers.h"

static const char sql_scoring[] =
    "SELECT u.n, c.timezone, sc.core FROM unnest($2::text[]) WITH ORDINALITY AS u(customer, n)"
    " JOIN survey_customers c ON c.tenant = $1 AND c.customer = u.customer"
    " LEFT JOIN scoring_customers sc ON sc.tenant = $1 AND sc.customer = u.customer";
static const char sql_plain[] =
    "SELECT u.n, c.timezone, NULL FROM unnest($2::text[]) WITH ORDINALITY AS u(customer, n)"
    " JOIN survey_customers c ON c.tenant = $1 AND c.customer = u.customer";

static const char *customer_of(const sv_tcall *c, const sv_tquarter *q)
{
    return c->items[q->item].id;
}

/* The core customer's survey of this quarter, added to the sends. */
static bool add_send(sv_tcall *c, sv_tquarter *q)
{
    const char *customer = customer_of(c, q);
    sv_tsend *s = &c->sends[c->nsends];
    *s = (sv_tsend){.item = q->item, .customer = customer, .first_due_ms = c->now, .prev = SV_NONE,
                    .kind = strdup("quarterly"),
                    .survey_id = sv_concat("quarterly:", customer, ":", q->quarter, (char *)NULL),
                    .ref = strdup(q->quarter)};
    q->send = c->nsends++;
    if (s->kind && s->survey_id && s->ref)
        return true;
    c->api->fail(c->ctx, "survey: out of memory");
    return false;
}

/* The next quarter's start and this quarter's label in the customer's zone. */
static bool found(sv_tcall *c, sv_tquarter *q, const char *tz_row, const char *core)
{
    const char *tz = tz_row ? tz_row : c->s->tz;
    q->found = true;
    q->core = core && core[0] == 't';
    if (!sv_schedule_next_quarter(c->api->to_local, c->api->from_local, tz, c->now, (int)c->s->send_hour,
                                  &q->next_ms)
        || !sv_quarter_label(c->api->to_local, tz, c->now, q->quarter, sizeof q->quarter)) {
        c->api->fail(c->ctx, "survey: timer %s: time zone %s unusable", c->items[q->item].t->key, tz);
        return false;
    }
    return !q->core || add_send(c, q);
}

static rp_rows *query(sv_tcall *c)
{
    bool scoring;
    if (!sv_tscoring(c, &scoring))
        return NULL;
    rp_pgarray customers = {0};
    for (size_t i = 0; i < c->nquarters; i++)
        rp_pgarray_add(&customers, customer_of(c, &c->quarters[i]));
    return sv_tquery_ids(c, "quarterly", scoring ? sql_scoring : sql_plain, &customers);
}

bool sv_tquarter_load(sv_tcall *c)
{
    rp_rows *rows = query(c);
    if (!rows)
        return false;
    bool ok = true;
    for (int r = 0; ok && r < c->api->rows_count(rows); r++) {
        size_t i = sv_tslot(c, rows, r, c->nquarters);
        ok = i != SV_NONE && found(c, &c->quarters[i], c->api->rows_value(rows, r, 1), c->api->rows_value(rows, r, 2));
    }
    c->api->rows_free(rows);
    return ok;
}

bool sv_tquarter_apply(sv_tcall *c, sv_tquarter *q)
{
    if (!q->found)
        return true;
    const char *customer = customer_of(c, q);
    sv_tw_quarter(c, customer, q->next_ms);
    if (!sv_arm_quarterly(c->call, customer, q->next_ms))
        return false;
    return q->send == SV_NONE || sv_tsend_apply(c, &c->sends[q->send]);
}
