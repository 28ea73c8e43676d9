/*
 * tenants.c - what care keeps per tenant outside any customer: the inbox
 * timer that takes the tenant's care_requests (on the tenant clock: the
 * requests come from other plugins' transactions in every partition), and
 * the tenant's own contact_budget rows when its budget differs from the
 * plugin-wide one.
 *
 * Both are recorded in care_tenants, in the transaction that arms the timer
 * or writes the rows, so the table says what the database holds. A tenant's
 * first call in this process reads its row once; an inbox timer that is
 * armed is never set again except by its own firing (ABI 1 set it again,
 * inbox_interval later, whenever a tenant's settings were reloaded: with
 * more active tenants than its 32-slot cache the timer kept moving away
 * and requests waited for hours). The memory of which tenants were read is
 * a map without limit; an entry written by a transaction that may not have
 * committed is read again by the next one.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static const uint8_t empty_map = 0x80;

static const char *tenant_of(const void *items, size_t i)
{
    return ((const cr_tenant *)items)[i].tenant;
}

static cr_tenant *entry(cr_run *r)
{
    cr_tenants *t = &r->st->tenants;
    size_t i = rp_keyindex_find(&t->index, r->tenant, tenant_of, t->items);
    if (i != RP_KEYINDEX_NONE)
        return &t->items[i];
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        cr_tenant *items = realloc(t->items, cap * sizeof *items);
        if (!items)
            return NULL;
        t->items = items;
        t->cap = cap;
    }
    cr_tenant *e = &t->items[t->count];
    *e = (cr_tenant){.tenant = strdup(r->tenant)};
    if (!e->tenant || !rp_keyindex_add(&t->index, t->count, tenant_of, t->items)) {
        free(e->tenant);
        return NULL;
    }
    return &t->items[t->count++];
}

static cr_tenant *entry_or_fail(cr_run *r)
{
    cr_tenant *e = entry(r);
    if (!e)
        r->api->fail(r->ctx, "care: out of memory registering tenant %s", r->tenant);
    return e;
}

/* The inbox fires on multiples of inbox_interval counted from the epoch:
 * the first after the tenant's first call, then every interval. So its
 * firings, and the requests each takes, do not depend on which of the
 * tenant's events happened to come first. */
static int64_t next_inbox(const cr_run *r, int64_t after_ms)
{
    int64_t step = r->s->inbox_ms;
    int64_t at = after_ms >= 0 ? after_ms / step * step : 0;
    return at + step;
}

/* The tenant clock (ABI 2.1): what such a timer reads or writes spans the
 * tenant's customers in every partition, and it fires only once every
 * partition has handled what came before its due time. */
bool cr_tenant_timer(cr_run *r, const char *key, int64_t due_ms, const uint8_t *payload, size_t len)
{
    if (!RP_API_HAS(r->api, tenant_timer_set)) {
        r->api->fail(r->ctx, "care: the host has no tenant clock (plugin ABI 2.1 needed)");
        return false;
    }
    return r->api->tenant_timer_set(r->ctx, key, due_ms, NULL, NULL, payload, len) == RP_OK;
}

static bool arm(cr_run *r, int64_t due_ms)
{
    return cr_tenant_timer(r, CR_INBOX_TIMER, due_ms, &empty_map, 1);
}

static bool write_tier(rp_ctx *ctx, const rp_host_api *api, const cr_budget_policy *b,
                       const char *tenant, const char *tier)
{
    for (size_t w = 0; w < b->count; w++) {
        char window[24], max[24];
        const char *p[] = {tenant, tier, cr_i64(window, b->windows[w].window_ms),
                           cr_i64(max, b->windows[w].max_touches)};
        if (api->db_defer(ctx, "INSERT INTO contact_budget (tenant, tier, window_ms, max_touches)"
                               " VALUES ($1, $2, $3, $4)", 4, p) != RP_OK)
            return false;
    }
    return true;
}

/* Rows per tier, plus tier '*' (the potential budget: what applies to a
 * customer no plugin has placed yet). Replaced as a whole so removed
 * windows disappear; s NULL only removes them. */
bool cr_budget_write(rp_ctx *ctx, const rp_host_api *api, const cr_settings *s, const char *tenant)
{
    const char *p[] = {tenant};
    if (api->db_defer(ctx, "DELETE FROM contact_budget WHERE tenant = $1", 1, p) != RP_OK)
        return false;
    if (!s)
        return true;
    for (int i = 0; i < CR_TIERS; i++)
        if (!write_tier(ctx, api, &s->budgets[i], tenant, cr_tier_names[i]))
            return false;
    return write_tier(ctx, api, &s->budgets[CR_TIERS - 1], tenant, "*");
}

/* What care_tenants.budget_rows must say: "" when the tenant follows the
 * plugin-wide rows (tenant '*'), else its own budget's text. */
static const char *wanted_budget(const cr_run *r)
{
    bool own = strcmp(r->s->budget_rows, r->st->wide->budget_rows) != 0;
    return own ? r->s->budget_rows : "";
}

/* budget and started NULL keep what the row says. */
static bool record(cr_run *r, int64_t due_ms, const char *budget, const char *started)
{
    char due[24];
    const char *p[] = {r->tenant, cr_i64(due, due_ms), budget, started};
    return r->api->db_defer(r->ctx,
        "INSERT INTO care_tenants (tenant, inbox_due_ms, budget_rows, inbox_started)"
        " VALUES ($1, $2, $3, $4::boolean)"
        " ON CONFLICT (tenant) DO UPDATE SET inbox_due_ms = EXCLUDED.inbox_due_ms,"
        " budget_rows = COALESCE(EXCLUDED.budget_rows, care_tenants.budget_rows),"
        " inbox_started = COALESCE(EXCLUDED.inbox_started, care_tenants.inbox_started)",
        4, p) == RP_OK;
}

/* Reads the tenant's row and repairs what it lacks: the budget rows when
 * they differ from the settings, the inbox timer when none was armed, or
 * when the armed one is long overdue (its firing may have been dead-lettered;
 * setting it again at its own due time fires it now, never later). */
static bool check(cr_run *r, cr_tenant *e, uint64_t seq)
{
    const char *p[] = {r->tenant};
    rp_rows *rows = r->api->db_query(r->ctx,
        "SELECT inbox_due_ms, budget_rows, inbox_started FROM care_tenants WHERE tenant = $1",
        1, p);
    if (!rows)
        return false;
    bool found = r->api->rows_count(rows) > 0;
    const char *due_text = found ? r->api->rows_value(rows, 0, 0) : NULL;
    const char *have = found ? r->api->rows_value(rows, 0, 1) : NULL;
    const char *started = found ? r->api->rows_value(rows, 0, 2) : NULL;
    /* NULL: a row from before the column, whose inbox has long been firing */
    e->started = due_text && (!started || started[0] == 't');
    const char *want = wanted_budget(r);
    bool armed = due_text != NULL;
    bool budget_ok = have && strcmp(have, want) == 0;
    int64_t due = armed ? strtoll(due_text, NULL, 10) : next_inbox(r, r->now);
    r->api->rows_free(rows);
    bool ok = true;
    if (!budget_ok)
        ok = cr_budget_write(r->ctx, r->api, *want ? r->s : NULL, r->tenant);
    if (ok && (!armed || due + r->s->inbox_ms < r->now))
        ok = arm(r, due);
    if (ok && (!armed || !budget_ok))
        ok = record(r, due, want, armed ? NULL : "false");
    e->confirmed = armed && budget_ok;
    e->written = !e->confirmed;
    e->seq = seq;
    e->inbox_due_ms = due;
    e->checked_ms = r->now;
    return ok;
}

/* Until its first firing the inbox starts at the interval after the
 * tenant's earliest event seen, not after whichever event came first: an
 * earlier event arriving late moves the first firing earlier, so requests
 * made before it are taken when they would have been in time order. After
 * the first firing nothing moves it (a firing is never taken back). The
 * next transaction reads the row again (the write may roll back). */
static bool start_earlier(cr_run *r, cr_tenant *e, int64_t earliest_ms)
{
    int64_t due = next_inbox(r, earliest_ms);
    if (e->started || due >= e->inbox_due_ms)
        return true;
    if (!arm(r, due) || !record(r, due, NULL, NULL))
        return false;
    e->inbox_due_ms = due;
    e->confirmed = false;
    e->written = true;
    e->seq = r->api->txn_seq(r->ctx);
    return true;
}

bool cr_tenant_ensure(cr_run *r, int64_t earliest_ms)
{
    cr_tenant *e = entry_or_fail(r);
    if (!e)
        return false;
    uint64_t seq = r->api->txn_seq(r->ctx);
    bool seen = e->written && e->seq == seq;    /* this transaction saw to it */
    bool overdue = r->now > e->inbox_due_ms + 2 * r->s->inbox_ms
                   && r->now > e->checked_ms + r->s->inbox_ms;
    if (!seen && (!e->confirmed || overdue) && !check(r, e, seq))
        return false;
    return start_earlier(r, e, earliest_ms);
}

bool cr_tenant_inbox_rearm(cr_run *r)
{
    cr_tenant *e = entry_or_fail(r);
    if (!e)
        return false;
    int64_t due = next_inbox(r, r->now);
    if (!arm(r, due) || !record(r, due, NULL, "true"))
        return false;
    e->inbox_due_ms = due;
    e->started = true;
    e->written = true;
    e->seq = r->api->txn_seq(r->ctx);
    return true;
}

void cr_tenants_free(cr_tenants *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->items[i].tenant);
    free(t->items);
    rp_keyindex_free(&t->index);
    *t = (cr_tenants){0};
}
