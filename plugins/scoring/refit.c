/*
 * refit.c - the per-tenant BG/NBD refit: on a durable timer every
 * refit_interval of engine time, and on demand with a scoring.refit event.
 *
 * The fit reads (x, t_x, T) of up to fit_max_customers purchasing customers
 * (a stable pseudo-random sample: ordered by md5 of the customer id), so its
 * cost is bounded however large the tenant. After the fit every customer's
 * P(alive) is refreshed page by page, because the care plugin reads it from
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

static bool set_refit_timer(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, int64_t due)
{
    return api->timer_set(ctx, SC_REFIT_TIMER, due, NULL, NULL, &empty_map, 1) == RP_OK;
}

bool sc_refit_ensure_scheduled(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms)
{
    if (t->params_row)
        return true;
    int64_t due = now_ms + t->s->first_fit_ms;
    char partition[16], next[24];
    snprintf(partition, sizeof partition, "%u", api->partition_of(ctx, ""));
    snprintf(next, sizeof next, "%lld", (long long)due);
    const char *params[] = {t->tenant, partition, next};
    if (api->db_defer(ctx,
            "INSERT INTO scoring_bgnbd_params (tenant, partition, status, next_fit_ms)"
            " VALUES ($1, $2, 'pending', $3) ON CONFLICT (tenant) DO NOTHING", 3, params) != RP_OK)
        return false;
    t->params_row = true;
    return set_refit_timer(ctx, api, t, due);
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

/* One page of customers after `after` (keyset), which it moves to the
 * page's last customer; returns rows seen or -1. */
static int refresh_page(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, int64_t now_ms,
                        rp_text *after)
{
    const char *params[] = {t->tenant, rp_text_get(after)};
    if (!params[1]) {
        api->fail(ctx, "scoring: out of memory refreshing customers of tenant %s", t->tenant);
        return -1;
    }
    rp_rows *rows = api->db_query(ctx,
        "SELECT customer, bgnbd_x, first_purchase_ms, last_purchase_ms, risk_level, tier"
        "  FROM scoring_customers WHERE tenant = $1 AND customer > $2"
        "   AND first_purchase_ms IS NOT NULL ORDER BY customer LIMIT " "2000", 2, params);
    if (!rows)
        return -1;
    int count = api->rows_count(rows);
    rp_text ids = {0}, pa = {0}, ex = {0}, rk = {0};
    bool ok = true;
    for (int r = 0; r < count && ok; r++) {
        sc_cust c;
        memset(&c, 0, sizeof c);
        c.customer = (char *)api->rows_value(rows, r, 0);
        c.ev.repeat_n = strtod(api->rows_value(rows, r, 1), NULL);
        c.ev.first_purchase_ms = strtod(api->rows_value(rows, r, 2), NULL);
        c.ev.last_purchase_ms = strtod(api->rows_value(rows, r, 3), NULL);
        snprintf(c.risk, sizeof c.risk, "%s", api->rows_value(rows, r, 4));
        c.tier = sc_tier_parse(api->rows_value(rows, r, 5));
        ok = sc_update_churn(ctx, api, t, &c, now_ms);
        const char *sep = r ? "," : "{";
        rp_text_puts(&ids, sep);
        rp_pgarray_quote(&ids, c.customer);
        rp_text_puts(&pa, sep);
        rp_text_double(&pa, c.p_alive, "NULL");
        rp_text_puts(&ex, sep);
        rp_text_double(&ex, c.expected, "NULL");
        rp_text_puts(&rk, sep);
        rp_pgarray_quote(&rk, c.risk);
    }
    if (count > 0) {
        rp_text_reset(after);
        rp_text_puts(after, api->rows_value(rows, count - 1, 0));
    }
    api->rows_free(rows);
    if (ok && count > 0) {
        rp_text_putc(&ids, '}');
        rp_text_putc(&pa, '}');
        rp_text_putc(&ex, '}');
        rp_text_putc(&rk, '}');
        const char *up[] = {t->tenant, rp_text_get(&ids), rp_text_get(&pa), rp_text_get(&ex),
                            rp_text_get(&rk)};
        ok = up[1] && up[2] && up[3] && up[4] && api->db_defer(ctx,
            "UPDATE scoring_customers c SET p_alive = u.p, expected_purchases = u.e, risk_level = u.r"
            "  FROM unnest($2::text[], $3::float8[], $4::float8[], $5::text[]) AS u(customer, p, e, r)"
            " WHERE c.tenant = $1 AND c.customer = u.customer", 5, up) == RP_OK;
    }
    rp_text_free(&ids);
    rp_text_free(&pa);
    rp_text_free(&ex);
    rp_text_free(&rk);
    return ok ? count : -1;
}

bool sc_refit(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms)
{
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
        api->log(ctx, RP_LOG_INFO, "BG/NBD fit tenant=%s customers=%zu r=%g alpha=%g a=%g b=%g ll=%g",
                 t->tenant, n, fitted.r, fitted.alpha, fitted.a, fitted.b, ll);
    } else {
        api->log(ctx, RP_LOG_INFO, "BG/NBD fit skipped tenant=%s: %zu purchasing customers, "
                 "fit_min_customers is %lld", t->tenant, n, (long long)t->s->fit_min_customers);
    }
    if (!store_params(ctx, api, t, ok_fit, ll, n, now_ms))
        return false;
    t->params_row = true;
    if (ok_fit) {
        rp_text after = {0};
        int got;
        while ((got = refresh_page(ctx, api, t, now_ms, &after)) == REFRESH_PAGE)
            ;
        rp_text_free(&after);
        if (got < 0)
            return false;
    }
    return set_refit_timer(ctx, api, t, now_ms + t->s->refit_ms);
}
