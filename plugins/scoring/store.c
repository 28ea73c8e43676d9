/*
 * store.c - loading and saving the scoring working set (see store.h).
 *
 * Writes go through db_defer so they travel in the host's pipelined flush;
 * the customers of a run are written by one INSERT .. SELECT FROM unnest(..)
 * ON CONFLICT statement whose parameters are array literals.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rapport/rp_pgarray.h"
#include "store.h"

/* ------------------------------------------------------------ working set */

bool sc_tenant_init(sc_tenant_ctx *t, const char *tenant, const sc_settings *s)
{
    memset(t, 0, sizeof *t);
    t->s = s;
    t->tenant = strdup(tenant);
    return t->tenant != NULL;
}

static void free_history(sc_tenant_ctx *t)
{
    for (int k = 0; k < SC_HISTORY_COLS; k++)
        rp_pgarray_free(&t->history[k]);
    memset(t->history, 0, sizeof t->history);
    t->nhistory = 0;
}

static void free_cust(sc_cust *c)
{
    free(c->pin_reason);
    free(c->referred_by);
    free(c->customer);
}

void sc_tenant_free(sc_tenant_ctx *t)
{
    for (size_t i = 0; i < t->ncust; i++)
        free_cust(&t->custs[i]);
    free(t->custs);
    free(t->tenant);
    rp_keyindex_free(&t->index);
    free(t->promos);
    free_history(t);
    memset(t, 0, sizeof *t);
}

void sc_tenant_add_history(sc_tenant_ctx *t, const char *const values[SC_HISTORY_COLS])
{
    for (int k = 0; k < SC_HISTORY_COLS; k++)
        rp_pgarray_add(&t->history[k], values[k]);
    t->nhistory++;
}

bool sc_store_write_history(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t)
{
    if (t->nhistory == 0)
        return true;
    const char *params[SC_HISTORY_COLS + 1] = {t->tenant};
    bool ok = true;
    for (int k = 0; k < SC_HISTORY_COLS; k++)
        ok = (params[k + 1] = rp_pgarray_finish(&t->history[k])) != NULL && ok;
    if (!ok)
        api->fail(ctx, "scoring: out of memory writing %zu tier changes of tenant %s", t->nhistory,
                  t->tenant);
    else
        ok = api->db_defer(ctx,
            "INSERT INTO scoring_tier_history (tenant, customer, partition, ts_ms, from_tier, to_tier,"
            " score, confidence, core_from, core_to, reasons, cause)"
            " SELECT $1, customer, partition, ts_ms, from_tier, to_tier, score, confidence, core_from,"
            " core_to, reasons, cause FROM unnest($2::text[], $3::int[], $4::bigint[], $5::text[],"
            " $6::text[], $7::float8[], $8::int[], $9::bool[], $10::bool[], $11::jsonb[], $12::text[])"
            " AS h(customer, partition, ts_ms, from_tier, to_tier, score, confidence, core_from, core_to,"
            " reasons, cause)",
            SC_HISTORY_COLS + 1, params) == RP_OK;
    free_history(t);
    return ok;
}

bool sc_cust_set_text(char **field, const char *value)
{
    char *copy = NULL;
    if (value && *value && !(copy = strdup(value)))
        return false;
    free(*field);
    *field = copy;
    return true;
}

void sc_cust_reset(sc_cust *c)
{
    char *name = c->customer;
    uint32_t partition = c->partition;
    free(c->pin_reason);
    free(c->referred_by);
    memset(c, 0, sizeof *c);
    c->customer = name;
    c->partition = partition;
    c->score = NAN;
    c->p_alive = NAN;
    c->expected = NAN;
    c->tier = SC_TIER_NONE;
    c->pinned = SC_TIER_NONE;
    snprintf(c->risk, sizeof c->risk, "unknown");
    for (int i = 0; i < SC_CRITERIA; i++)
        c->sub[i] = c->sub_at_change[i] = NAN;
}

static const char *cust_id(const void *custs, size_t i)
{
    return ((const sc_cust *)custs)[i].customer;
}

sc_cust *sc_tenant_cust(sc_tenant_ctx *t, const char *customer, uint32_t partition, bool *added)
{
    *added = false;
    size_t at = rp_keyindex_find(&t->index, customer, cust_id, t->custs);
    if (at != RP_KEYINDEX_NONE)
        return &t->custs[at];
    if (t->ncust == t->cust_cap) {
        size_t cap = t->cust_cap ? t->cust_cap * 2 : 32;
        sc_cust *p = realloc(t->custs, cap * sizeof *p);
        if (!p)
            return NULL;
        t->custs = p;
        t->cust_cap = cap;
    }
    sc_cust *c = &t->custs[t->ncust];
    memset(c, 0, sizeof *c);
    c->customer = strdup(customer);
    if (!c->customer || !rp_keyindex_add(&t->index, t->ncust, cust_id, t->custs)) {
        free(c->customer);
        return NULL;
    }
    c->partition = partition;
    sc_cust_reset(c);
    t->ncust++;
    *added = true;
    return c;
}

void sc_tenant_add_promo(sc_tenant_ctx *t, int64_t starts_ms, int64_t ends_ms)
{
    if (t->npromos == t->promo_cap) {
        size_t cap = t->promo_cap ? t->promo_cap * 2 : 16;
        sc_promo *p = realloc(t->promos, cap * sizeof *p);
        if (!p)
            return;
        t->promos = p;
        t->promo_cap = cap;
    }
    size_t i = t->npromos++;
    while (i > 0 && t->promos[i - 1].starts_ms > starts_ms) {
        t->promos[i] = t->promos[i - 1];
        i--;
    }
    t->promos[i] = (sc_promo){starts_ms, ends_ms};
}

/* ------------------------------------------------------------------ load */

void sc_parse_float_array(const char *text, double *out, size_t n)
{
    const char *p = text ? text : "";
    if (*p == '{')
        p++;
    for (size_t i = 0; i < n; i++) {
        out[i] = 0;
        while (*p == ' ')
            p++;
        if (*p == '}' || *p == '\0')
            continue;
        if (strncmp(p, "NULL", 4) == 0) {
            out[i] = NAN;
            p += 4;
        } else {
            char *end;
            out[i] = strtod(p, &end);
            p = end == p ? p + strcspn(p, ",}") : end;
        }
        if (*p == ',')
            p++;
    }
}

static double num_or_nan(const char *s)
{
    return s ? strtod(s, NULL) : NAN;
}

bool sc_store_load_tenant(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t)
{
    const char *params[] = {t->tenant};
    rp_rows *rows = api->db_query(ctx,
        "SELECT s.n, s.sf, s.sff, s.sm, s.smm, p.r, p.alpha, p.a, p.b, p.tenant IS NOT NULL,"
        "       CASE WHEN p.status = 'pending' THEN p.next_fit_ms END"
        "  FROM (SELECT 1) one"
        "  LEFT JOIN scoring_tenant_stats s ON s.tenant = $1"
        "  LEFT JOIN scoring_bgnbd_params p ON p.tenant = $1", 1, params);
    if (!rows)
        return false;
    if (api->rows_count(rows) == 1) {
        double *v = &t->stats.n;
        for (int i = 0; i < 5; i++) {
            double x = num_or_nan(api->rows_value(rows, 0, i));
            v[i] = isnan(x) ? 0 : x;
        }
        t->params = (sc_bgnbd){num_or_nan(api->rows_value(rows, 0, 5)),
                               num_or_nan(api->rows_value(rows, 0, 6)),
                               num_or_nan(api->rows_value(rows, 0, 7)),
                               num_or_nan(api->rows_value(rows, 0, 8))};
        t->have_params = t->params.r > 0 && t->params.alpha > 0 && t->params.a > 0 && t->params.b > 0;
        const char *has = api->rows_value(rows, 0, 9);
        t->params_row = has && has[0] == 't';
        const char *first = api->rows_value(rows, 0, 10);
        t->first_cut_ms = first ? strtoll(first, NULL, 10) : 0;
    }
    api->rows_free(rows);
    return true;
}

/* False if out of memory. */
static bool load_row(const rp_host_api *api, rp_rows *rows, int r, sc_cust *c)
{
    sc_parse_float_array(api->rows_value(rows, r, 2), (double *)&c->ev, SC_EVIDENCE_FIELDS);
    sc_parse_float_array(api->rows_value(rows, r, 3), c->sub, SC_CRITERIA);
    sc_parse_float_array(api->rows_value(rows, r, 4), c->sub_at_change, SC_CRITERIA);
    c->score = num_or_nan(api->rows_value(rows, r, 5));
    c->confidence = (int)num_or_nan(api->rows_value(rows, r, 6));
    c->tier = sc_tier_parse(api->rows_value(rows, r, 7));
    c->tier_since_ms = (int64_t)num_or_nan(api->rows_value(rows, r, 8));
    c->p_alive = num_or_nan(api->rows_value(rows, r, 9));
    c->expected = num_or_nan(api->rows_value(rows, r, 10));
    const char *v = api->rows_value(rows, r, 11);
    snprintf(c->risk, sizeof c->risk, "%s", v ? v : "unknown");
    c->pinned = sc_tier_parse(api->rows_value(rows, r, 12));
    v = api->rows_value(rows, r, 13);
    c->pinned_until_ms = v ? strtoll(v, NULL, 10) : 0;
    v = api->rows_value(rows, r, 16);
    c->next_check_ms = v ? strtoll(v, NULL, 10) : 0;
    v = api->rows_value(rows, r, 17);
    c->updated_ms = v ? strtoll(v, NULL, 10) : 0;
    c->exists = true;
    return sc_cust_set_text(&c->pin_reason, api->rows_value(rows, r, 14))
        && sc_cust_set_text(&c->referred_by, api->rows_value(rows, r, 15));
}

bool sc_store_load_customers(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t)
{
    if (t->nfetched == t->ncust)
        return true;
    rp_pgarray ids = {0};
    for (size_t i = t->nfetched; i < t->ncust; i++)
        rp_pgarray_add(&ids, t->custs[i].customer);
    t->nfetched = t->ncust;
    const char *params[] = {t->tenant, rp_pgarray_finish(&ids)};
    if (!params[1]) {
        api->fail(ctx, "scoring: out of memory building the customer list of tenant %s", t->tenant);
        rp_pgarray_free(&ids);
        return false;
    }
    rp_rows *rows = api->db_query(ctx,
        "SELECT customer, partition, evidence::text, subscores::text, subscores_at_change::text,"
        "       score, confidence, tier, tier_since_ms, p_alive, expected_purchases, risk_level,"
        "       pinned_tier, pinned_until_ms, pin_reason, referred_by, next_check_ms, updated_ms"
        "  FROM scoring_customers WHERE tenant = $1 AND customer = ANY($2::text[])", 2, params);
    rp_pgarray_free(&ids);
    if (!rows)
        return false;
    bool ok = true;
    for (int r = 0; ok && r < api->rows_count(rows); r++) {
        bool added;
        sc_cust *c = sc_tenant_cust(t, api->rows_value(rows, r, 0), 0, &added);
        ok = c && (added || load_row(api, rows, r, c));
    }
    api->rows_free(rows);
    if (!ok)
        api->fail(ctx, "scoring: out of memory loading customers of tenant %s", t->tenant);
    return ok;
}

bool sc_store_load_promos(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t since_ms)
{
    if (t->promos_loaded && since_ms >= t->promos_since_ms)
        return true;
    /* Reloaded whole: promotions this transaction added are in the table
     * by now (deferred writes go before a query), and must not count twice. */
    t->npromos = 0;
    char since[32];
    snprintf(since, sizeof since, "%lld", (long long)since_ms);
    const char *params[] = {t->tenant, since};
    rp_rows *rows = api->db_query(ctx,
        "SELECT starts_ms, ends_ms FROM scoring_promos WHERE tenant = $1 AND ends_ms > $2::bigint"
        " ORDER BY starts_ms LIMIT 10000", 2, params);
    if (!rows)
        return false;
    for (int r = 0; r < api->rows_count(rows); r++)
        sc_tenant_add_promo(t, strtoll(api->rows_value(rows, r, 0), NULL, 10),
                            strtoll(api->rows_value(rows, r, 1), NULL, 10));
    api->rows_free(rows);
    t->promos_loaded = true;
    t->promos_since_ms = since_ms;
    return true;
}

/* ------------------------------------------------------------------ save */

enum {
    COL_CUSTOMER, COL_PARTITION, COL_SCORE, COL_CONFIDENCE, COL_TIER, COL_CORE,
    COL_P_ALIVE, COL_EXPECTED, COL_RISK, COL_TIER_SINCE, COL_UPDATED, COL_SUBS,
    COL_SUBS_AT_CHANGE, COL_PINNED, COL_PINNED_UNTIL, COL_PIN_REASON, COL_REFERRED_BY,
    COL_X, COL_FIRST, COL_LAST, COL_NEXT_CHECK, COL_EVIDENCE, COL_COUNT
};

static void put_num(rp_text *col, double v)
{
    rp_text_double(col, v, "NULL");
}

static void put_int(rp_text *col, int64_t v)
{
    rp_text_printf(col, "%lld", (long long)v);
}

static void put_floats(rp_text *col, const double *v, size_t n, const char *missing)
{
    rp_text tmp = {0};
    rp_text_putc(&tmp, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            rp_text_putc(&tmp, ',');
        rp_text_double(&tmp, v[i], missing);
    }
    rp_text_putc(&tmp, '}');
    rp_pgarray_quote(col, rp_text_get(&tmp) ? tmp.data : "{}");
    rp_text_free(&tmp);
}

static void put_row(rp_text *cols, const sc_cust *c, const sc_settings *s)
{
    rp_pgarray_quote(&cols[COL_CUSTOMER], c->customer);
    put_int(&cols[COL_PARTITION], c->partition);
    put_num(&cols[COL_SCORE], c->score);
    put_int(&cols[COL_CONFIDENCE], c->confidence);
    sc_tier tier = c->tier == SC_TIER_NONE ? SC_TIER_POTENTIAL : c->tier;
    rp_pgarray_quote(&cols[COL_TIER], sc_tier_names[tier]);
    rp_text_puts(&cols[COL_CORE], (s->core_mask >> tier) & 1 ? "t" : "f");
    put_num(&cols[COL_P_ALIVE], c->p_alive);
    put_num(&cols[COL_EXPECTED], c->expected);
    rp_pgarray_quote(&cols[COL_RISK], c->risk);
    put_int(&cols[COL_TIER_SINCE], c->tier_since_ms);
    put_int(&cols[COL_UPDATED], c->updated_ms);
    put_floats(&cols[COL_SUBS], c->sub, SC_CRITERIA, "NULL");
    put_floats(&cols[COL_SUBS_AT_CHANGE], c->sub_at_change, SC_CRITERIA, "NULL");
    rp_pgarray_quote(&cols[COL_PINNED], c->pinned == SC_TIER_NONE ? NULL : sc_tier_names[c->pinned]);
    if (c->pinned == SC_TIER_NONE)
        rp_text_puts(&cols[COL_PINNED_UNTIL], "NULL");
    else
        put_int(&cols[COL_PINNED_UNTIL], c->pinned_until_ms);
    rp_pgarray_quote(&cols[COL_PIN_REASON], c->pinned == SC_TIER_NONE ? NULL
                                            : c->pin_reason ? c->pin_reason : "");
    rp_pgarray_quote(&cols[COL_REFERRED_BY], c->referred_by);
    put_int(&cols[COL_X], (int64_t)c->ev.repeat_n);
    if (c->ev.first_purchase_ms > 0) {
        put_int(&cols[COL_FIRST], (int64_t)c->ev.first_purchase_ms);
        put_int(&cols[COL_LAST], (int64_t)c->ev.last_purchase_ms);
    } else {
        rp_text_puts(&cols[COL_FIRST], "NULL");
        rp_text_puts(&cols[COL_LAST], "NULL");
    }
    put_int(&cols[COL_NEXT_CHECK], c->next_check_ms);
    put_floats(&cols[COL_EVIDENCE], (const double *)&c->ev, SC_EVIDENCE_FIELDS, "0");
}

static const char upsert_sql[] =
    "INSERT INTO scoring_customers (tenant, customer, partition, score, confidence, tier, core,"
    "  p_alive, expected_purchases, risk_level, tier_since_ms, updated_ms, subscores,"
    "  subscores_at_change, pinned_tier, pinned_until_ms, pin_reason, referred_by, bgnbd_x,"
    "  first_purchase_ms, last_purchase_ms, next_check_ms, evidence)"
    " SELECT $1, u.customer, u.partition, u.score, u.confidence, u.tier, u.core, u.p_alive,"
    "  u.expected, u.risk, u.tier_since, u.updated, u.subs::float8[], u.subs_at_change::float8[],"
    "  u.pinned, u.pinned_until, u.pin_reason, u.referred_by, u.x, u.first_ms, u.last_ms,"
    "  u.next_check, u.evidence::float8[]"
    " FROM unnest($2::text[], $3::int[], $4::float8[], $5::int[], $6::text[], $7::bool[],"
    "  $8::float8[], $9::float8[], $10::text[], $11::bigint[], $12::bigint[], $13::text[],"
    "  $14::text[], $15::text[], $16::bigint[], $17::text[], $18::text[], $19::bigint[],"
    "  $20::bigint[], $21::bigint[], $22::bigint[], $23::text[])"
    "  AS u(customer, partition, score, confidence, tier, core, p_alive, expected, risk,"
    "       tier_since, updated, subs, subs_at_change, pinned, pinned_until, pin_reason,"
    "       referred_by, x, first_ms, last_ms, next_check, evidence)"
    " ON CONFLICT (tenant, customer) DO UPDATE SET partition = EXCLUDED.partition,"
    "  score = EXCLUDED.score, confidence = EXCLUDED.confidence, tier = EXCLUDED.tier,"
    "  core = EXCLUDED.core, p_alive = EXCLUDED.p_alive,"
    "  expected_purchases = EXCLUDED.expected_purchases, risk_level = EXCLUDED.risk_level,"
    "  tier_since_ms = EXCLUDED.tier_since_ms, updated_ms = EXCLUDED.updated_ms,"
    "  subscores = EXCLUDED.subscores, subscores_at_change = EXCLUDED.subscores_at_change,"
    "  pinned_tier = EXCLUDED.pinned_tier, pinned_until_ms = EXCLUDED.pinned_until_ms,"
    "  pin_reason = EXCLUDED.pin_reason, referred_by = EXCLUDED.referred_by,"
    "  bgnbd_x = EXCLUDED.bgnbd_x, first_purchase_ms = EXCLUDED.first_purchase_ms,"
    "  last_purchase_ms = EXCLUDED.last_purchase_ms, next_check_ms = EXCLUDED.next_check_ms,"
    "  evidence = EXCLUDED.evidence";

bool sc_store_save(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, int64_t now_ms)
{
    (void)now_ms;
    if (!sc_store_write_history(ctx, api, t))
        return false;
    rp_text cols[COL_COUNT];
    memset(cols, 0, sizeof cols);
    size_t rows = 0;
    for (size_t i = 0; i < t->ncust; i++) {
        sc_cust *c = &t->custs[i];
        if (!c->dirty)
            continue;
        for (int k = 0; k < COL_COUNT; k++)
            rp_text_putc(&cols[k], rows ? ',' : '{');
        put_row(cols, c, t->s);
        c->dirty = false;
        c->exists = true;
        rows++;
    }
    bool ok = true;
    if (rows > 0) {
        const char *params[COL_COUNT + 1];
        params[0] = t->tenant;
        for (int k = 0; k < COL_COUNT; k++) {
            rp_text_putc(&cols[k], '}');
            params[k + 1] = rp_text_get(&cols[k]);
            if (!params[k + 1])
                ok = false;
        }
        if (!ok)
            api->fail(ctx, "scoring: out of memory writing %zu customers of tenant %s", rows, t->tenant);
        else
            ok = api->db_defer(ctx, upsert_sql, COL_COUNT + 1, params) == RP_OK;
    }
    for (int k = 0; k < COL_COUNT; k++)
        rp_text_free(&cols[k]);
    return ok;
}
