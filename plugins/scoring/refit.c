/*
 * refit.c - the per-tenant refit: on a durable timer on the TENANT CLOCK
 * (api->tenant_timer_set) every refit_interval of engine time, and on
 * demand with a scoring.refit event (which arms the same timer for now).
 *
 * The refit reads and writes every customer of the tenant, so it must see
 * them all at one instant: on the tenant clock it fires, in event time, once
 * every partition has handled its events and timers before its due time and
 * before any partition goes past it (issue 18: a refit in one partition's
 * time read rows other partitions had not brought up to that time, and its
 * churn-risk events went back and forth in time).
 *
 * The fit reads (x, t_x, T) of up to fit_max_customers purchasing customers
 * (a stable pseudo-random sample: ordered by md5 of the customer id), so its
 * cost is bounded however large the tenant. Then one pass over every
 * purchasing customer, page by page in customer order, takes the snapshot of
 * the tenant's RFM distribution at the refit's instant (scoring_tenant_stats,
 * which every score until the next refit compares with) and, after a fit,
 * refreshes P(alive), because the care plugin reads it from
 * scoring_customers and must not wait for the customer's next event.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgnbd.h"
#include "evaluate.h"
#include "refit.h"
#include "rapport/rp_pgarray.h"

#define REFRESH_PAGE 2000

static const uint8_t empty_map = 0x80;

bool sc_refit_arm(rp_ctx *ctx, const rp_host_api *api, int64_t due_ms)
{
    if (!RP_API_HAS(api, tenant_timer_set)) {
        api->fail(ctx, "scoring: the host has no tenant clock (plugin ABI 2.1 needed for the refit)");
        return false;
    }
    return api->tenant_timer_set(ctx, SC_REFIT_TIMER, due_ms, NULL, NULL, &empty_map, 1) == RP_OK;
}

/* The tenant's first cut. Its timer is armed while events are handled, so
 * when it fires some partitions may have handled events past it already
 * (the host cannot hold them at a timer that did not exist yet), and which
 * ones depends on the partition count and on arrival: a refit there would
 * see a different tenant in every run, and scores and tiers would part ways
 * for good. So the first cut reads and writes nothing of the customers: it
 * only fixes the schedule. It comes first_fit_after the tenant's earliest
 * event by event time (not the first one to arrive: while it is pending, an
 * earlier event moves it earlier, harmless since it changes nothing), and
 * arms the first refit refit_interval later, or as many intervals as it
 * takes to be past every instant handled so far; armed from a tenant-clock
 * callback, that one and every later one are exact cuts. */
static bool schedule_first(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t due)
{
    if (t->params_row && !(t->first_cut_ms > 0 && due < t->first_cut_ms))
        return true;
    char partition[16], next[24];
    snprintf(partition, sizeof partition, "%u", api->partition_of(ctx, ""));
    snprintf(next, sizeof next, "%lld", (long long)due);
    const char *params[] = {t->tenant, partition, next};
    if (api->db_defer(ctx,
            "INSERT INTO scoring_bgnbd_params (tenant, partition, status, next_fit_ms)"
            " VALUES ($1, $2, 'pending', $3) ON CONFLICT (tenant) DO UPDATE SET"
            " next_fit_ms = EXCLUDED.next_fit_ms WHERE scoring_bgnbd_params.status = 'pending'",
            3, params) != RP_OK)
        return false;
    t->params_row = true;
    t->first_cut_ms = due;
    return sc_refit_arm(ctx, api, due);
}

bool sc_refit_ensure_scheduled(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms)
{
    return schedule_first(ctx, api, t, now_ms + t->s->first_fit_ms);
}

/* Sets the instant of the next refit in the parameter row (status
 * 'scheduled' until the first refit has run) and arms it. */
static bool schedule_refit(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t due)
{
    char partition[16], next[24];
    snprintf(partition, sizeof partition, "%u", api->partition_of(ctx, ""));
    snprintf(next, sizeof next, "%lld", (long long)due);
    const char *params[] = {t->tenant, partition, next};
    if (api->db_defer(ctx,
            "INSERT INTO scoring_bgnbd_params (tenant, partition, status, next_fit_ms)"
            " VALUES ($1, $2, 'scheduled', $3) ON CONFLICT (tenant) DO UPDATE SET"
            " next_fit_ms = EXCLUDED.next_fit_ms, status = CASE WHEN scoring_bgnbd_params.status"
            " = 'pending' THEN 'scheduled' ELSE scoring_bgnbd_params.status END", 3, params) != RP_OK)
        return false;
    t->params_row = true;
    t->first_cut_ms = 0;
    return sc_refit_arm(ctx, api, due);
}

/* The first cut (schedule_first): the first refit past every instant the
 * tenant's customers were brought to. */
static bool first_cut(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms)
{
    const char *params[] = {t->tenant};
    rp_rows *rows = api->db_query(ctx,
        "SELECT coalesce(max(updated_ms), 0) FROM scoring_customers WHERE tenant = $1", 1, params);
    if (!rows)
        return false;
    int64_t handled = strtoll(api->rows_value(rows, 0, 0), NULL, 10);
    api->rows_free(rows);
    int64_t due = now_ms + t->s->refit_ms;
    while (due <= handled)
        due += t->s->refit_ms;
    api->log(ctx, RP_LOG_INFO, "BG/NBD first cut tenant=%s at=%lld: customers handled up to %lld, "
             "first fit at %lld", t->tenant, (long long)now_ms, (long long)handled, (long long)due);
    return schedule_refit(ctx, api, t, due);
}

bool sc_refit_request(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t due_ms)
{
    return schedule_refit(ctx, api, t, due_ms);
}

/* Loads the fitting sample; *out is malloc'd. */
static bool load_sample(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, int64_t now_ms,
                        sc_rfm **out, size_t *n)
{
    char limit[24];
    snprintf(limit, sizeof limit, "%lld", (long long)t->s->fit_max_customers);
    const char *params[] = {t->tenant, limit};
    rp_rows *rows = api->db_query(ctx,
        "SELECT bgnbd_x, first_purchase_ms, last_purchase_ms FROM scoring_customers"
        " WHERE tenant = $1 AND first_purchase_ms IS NOT NULL"
        " ORDER BY md5(customer) LIMIT $2::bigint", 2, params);
    if (!rows)
        return false;
    int count = api->rows_count(rows);
    *out = calloc(count > 0 ? (size_t)count : 1, sizeof **out);
    if (!*out) {
        api->rows_free(rows);
        api->fail(ctx, "scoring: out of memory loading %d customers for the BG/NBD fit", count);
        return false;
    }
    double unit = (double)t->s->period_ms;
    for (int r = 0; r < count; r++) {
        double x = strtod(api->rows_value(rows, r, 0), NULL);
        double first = strtod(api->rows_value(rows, r, 1), NULL);
        double last = strtod(api->rows_value(rows, r, 2), NULL);
        double t_x = (last - first) / unit;
        (*out)[r] = (sc_rfm){x, t_x, fmax(t_x, ((double)now_ms - first) / unit)};
    }
    *n = (size_t)count;
    api->rows_free(rows);
    return true;
}

static bool store_params(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, bool fitted,
                         double ll, size_t n, int64_t now_ms)
{
    char partition[16], v[4][40], llb[40], nb[24], ts[24], next[24];
    snprintf(partition, sizeof partition, "%u", api->partition_of(ctx, ""));
    const double *p = &t->params.r;
    for (int i = 0; i < 4; i++)
        snprintf(v[i], sizeof v[i], "%.17g", p[i]);
    snprintf(llb, sizeof llb, "%.17g", ll);
    snprintf(nb, sizeof nb, "%zu", n);
    snprintf(ts, sizeof ts, "%lld", (long long)now_ms);
    snprintf(next, sizeof next, "%lld", (long long)(now_ms + t->s->refit_ms));
    if (!fitted) {
        const char *params[] = {t->tenant, partition, nb, ts, next};
        return api->db_defer(ctx,
            "INSERT INTO scoring_bgnbd_params (tenant, partition, status, customers, attempted_ms, next_fit_ms)"
            " VALUES ($1, $2, 'insufficient', $3, $4, $5) ON CONFLICT (tenant) DO UPDATE SET"
            " status = CASE WHEN scoring_bgnbd_params.r IS NULL THEN 'insufficient'"
            "               ELSE scoring_bgnbd_params.status END,"
            " customers = EXCLUDED.customers, attempted_ms = EXCLUDED.attempted_ms,"
            " next_fit_ms = EXCLUDED.next_fit_ms", 5, params) == RP_OK;
    }
    const char *params[] = {t->tenant, partition, v[0], v[1], v[2], v[3], llb, nb, ts, next};
    return api->db_defer(ctx,
        "INSERT INTO scoring_bgnbd_params (tenant, partition, r, alpha, a, b, log_likelihood,"
        " customers, fitted_ms, attempted_ms, next_fit_ms, status)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, 'fitted')"
        " ON CONFLICT (tenant) DO UPDATE SET r = EXCLUDED.r, alpha = EXCLUDED.alpha, a = EXCLUDED.a,"
        " b = EXCLUDED.b, log_likelihood = EXCLUDED.log_likelihood, customers = EXCLUDED.customers,"
        " fitted_ms = EXCLUDED.fitted_ms, attempted_ms = EXCLUDED.attempted_ms,"
        " next_fit_ms = EXCLUDED.next_fit_ms, status = 'fitted'", 10, params) == RP_OK;
}

/* A sweep over every purchasing customer of the tenant. */
typedef struct sweep {
    rp_text after;          /* keyset: the last customer of the previous page */
    sc_tenant_stats stats;  /* the distribution at the refit's instant */
    bool refresh;           /* refresh P(alive) too (after a fit) */
} sweep;

/* Writes one page's refreshed P(alive), expected purchases and risk. */
static bool write_churn(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, rp_text *cols)
{
    for (int k = 0; k < 4; k++)
        rp_text_putc(&cols[k], '}');
    const char *up[] = {t->tenant, rp_text_get(&cols[0]), rp_text_get(&cols[1]), rp_text_get(&cols[2]),
                        rp_text_get(&cols[3])};
    if (!up[1] || !up[2] || !up[3] || !up[4]) {
        api->fail(ctx, "scoring: out of memory refreshing customers of tenant %s", t->tenant);
        return false;
    }
    return api->db_defer(ctx,
        "UPDATE scoring_customers c SET p_alive = u.p, expected_purchases = u.e, risk_level = u.r"
        "  FROM unnest($2::text[], $3::float8[], $4::float8[], $5::text[]) AS u(customer, p, e, r)"
        " WHERE c.tenant = $1 AND c.customer = u.customer", 5, up) == RP_OK;
}

/* One customer row of a page: its part of the distribution, and (refresh)
 * its churn values appended to cols (customer, p_alive, expected, risk). */
static bool sweep_row(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, int64_t now_ms,
                      sweep *sw, rp_rows *rows, int r, rp_text *cols)
{
    double ref = strtod(api->rows_value(rows, r, 6), NULL);
    double purchases = strtod(api->rows_value(rows, r, 7), NULL);
    double spend = strtod(api->rows_value(rows, r, 8), NULL);
    sc_stats_add(&sw->stats, ref, purchases, spend, (double)now_ms, t->s->params.half_life_ms);
    if (!sw->refresh)
        return true;
    sc_cust c;
    memset(&c, 0, sizeof c);
    c.customer = (char *)api->rows_value(rows, r, 0);
    c.ev.repeat_n = strtod(api->rows_value(rows, r, 1), NULL);
    c.ev.first_purchase_ms = strtod(api->rows_value(rows, r, 2), NULL);
    c.ev.last_purchase_ms = strtod(api->rows_value(rows, r, 3), NULL);
    snprintf(c.risk, sizeof c.risk, "%s", api->rows_value(rows, r, 4));
    c.tier = sc_tier_parse(api->rows_value(rows, r, 5));
    if (!sc_update_churn(ctx, api, t, &c, now_ms))
        return false;
    const char *sep = cols[0].len ? "," : "{";
    rp_text_puts(&cols[0], sep);
    rp_pgarray_quote(&cols[0], c.customer);
    rp_text_puts(&cols[1], sep);
    rp_text_double(&cols[1], c.p_alive, "NULL");
    rp_text_puts(&cols[2], sep);
    rp_text_double(&cols[2], c.expected, "NULL");
    rp_text_puts(&cols[3], sep);
    rp_pgarray_quote(&cols[3], c.risk);
    return true;
}

/* One page of customers after sw->after (keyset), which it moves to the
 * page's last customer; returns rows seen or -1. Pages go in customer order,
 * so the distribution's sums are added in the same order in every run. */
static int sweep_page(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, int64_t now_ms,
                      sweep *sw)
{
    const char *params[] = {t->tenant, rp_text_get(&sw->after)};
    if (!params[1]) {
        api->fail(ctx, "scoring: out of memory refreshing customers of tenant %s", t->tenant);
        return -1;
    }
    rp_rows *rows = api->db_query(ctx,
        "SELECT customer, bgnbd_x, first_purchase_ms, last_purchase_ms, risk_level, tier,"
        "       evidence[1], evidence[5], evidence[6]"   /* ref_ms, purchases, spend */
        "  FROM scoring_customers WHERE tenant = $1 AND customer > $2"
        "   AND first_purchase_ms IS NOT NULL ORDER BY customer LIMIT " "2000", 2, params);
    if (!rows)
        return -1;
    int count = api->rows_count(rows);
    rp_text cols[4];
    memset(cols, 0, sizeof cols);
    bool ok = true;
    for (int r = 0; r < count && ok; r++)
        ok = sweep_row(ctx, api, t, now_ms, sw, rows, r, cols);
    if (count > 0) {
        rp_text_reset(&sw->after);
        rp_text_puts(&sw->after, api->rows_value(rows, count - 1, 0));
    }
    api->rows_free(rows);
    if (ok && count > 0 && sw->refresh)
        ok = write_churn(ctx, api, t, cols);
    for (int k = 0; k < 4; k++)
        rp_text_free(&cols[k]);
    return ok ? count : -1;
}

/* The snapshot of the distribution, replacing the previous one. */
static bool store_stats(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                        const sc_tenant_stats *st)
{
    char partition[16], v[5][40];
    snprintf(partition, sizeof partition, "%u", api->partition_of(ctx, ""));
    const double *dv = &st->n;
    for (int i = 0; i < 5; i++)
        snprintf(v[i], sizeof v[i], "%.17g", dv[i]);
    const char *params[] = {t->tenant, partition, v[0], v[1], v[2], v[3], v[4]};
    return api->db_defer(ctx,
        "INSERT INTO scoring_tenant_stats (tenant, partition, n, sf, sff, sm, smm)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant) DO UPDATE SET"
        " n = EXCLUDED.n, sf = EXCLUDED.sf, sff = EXCLUDED.sff, sm = EXCLUDED.sm,"
        " smm = EXCLUDED.smm", 7, params) == RP_OK;
}

/* Every purchasing customer once: the distribution, and P(alive) after a fit. */
static bool sweep_customers(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                            int64_t now_ms, bool refresh)
{
    sweep sw = {.refresh = refresh};
    int got;
    while ((got = sweep_page(ctx, api, t, now_ms, &sw)) == REFRESH_PAGE)
        ;
    rp_text_free(&sw.after);
    return got >= 0 && store_stats(ctx, api, t, &sw.stats);
}

bool sc_refit(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms)
{
    if (t->first_cut_ms > 0)
        return first_cut(ctx, api, t, now_ms);
    sc_rfm *data = NULL;
    size_t n = 0;
    if (!load_sample(ctx, api, t, now_ms, &data, &n))
        return false;
    double ll = NAN;
    sc_bgnbd fitted;
    bool ok_fit = (int64_t)n >= t->s->fit_min_customers && sc_bgnbd_fit(data, n, &fitted, &ll);
    free(data);
    if (ok_fit) {
        t->params = fitted;
        t->have_params = true;
        api->log(ctx, RP_LOG_INFO, "BG/NBD fit tenant=%s at=%lld customers=%zu r=%g alpha=%g a=%g "
                 "b=%g ll=%g", t->tenant, (long long)now_ms, n, fitted.r, fitted.alpha, fitted.a,
                 fitted.b, ll);
    } else {
        api->log(ctx, RP_LOG_INFO, "BG/NBD fit skipped tenant=%s at=%lld: %zu purchasing customers, "
                 "fit_min_customers is %lld", t->tenant, (long long)now_ms, n,
                 (long long)t->s->fit_min_customers);
    }
    if (!store_params(ctx, api, t, ok_fit, ll, n, now_ms))
        return false;
    t->params_row = true;
    t->first_cut_ms = 0;
    return sweep_customers(ctx, api, t, now_ms, ok_fit)
        && sc_refit_arm(ctx, api, now_ms + t->s->refit_ms);
}
