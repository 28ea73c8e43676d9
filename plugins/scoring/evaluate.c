/*
 * evaluate.c - one customer's score, tier and churn risk at "now", and what
 * a change of them produces: a customer.tier_changed or customer.churn_risk
 * derived event and a scoring_tier_history row (the movement report's
 * source). Called after every event of the customer and from the customer's
 * re-check timer, so a customer who goes silent does fall (lazy decay).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "evaluate.h"
#include "rapport/rp_text.h"

#define TOP_MOVES 3

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_num_or_nil(msgpack_packer *pk, double v)
{
    if (isfinite(v))
        msgpack_pack_double(pk, v);
    else
        msgpack_pack_nil(pk);
}

static int emit_map(rp_ctx *ctx, const rp_host_api *api, const char *type, const char *customer,
                    msgpack_sbuffer *buf)
{
    return api->emit(ctx, type, customer, NULL, (const uint8_t *)buf->data, buf->size);
}

static bool emit_tier_changed(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                              const sc_cust *c, sc_tier from, const char *cause,
                              const int *idx, const double *delta, size_t moves)
{
    unsigned core = t->s->core_mask;
    bool core_from = from != SC_TIER_NONE && ((core >> from) & 1);
    bool core_to = (core >> c->tier) & 1;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 8);
    pack_str(&pk, "from");
    if (from == SC_TIER_NONE)
        msgpack_pack_nil(&pk);
    else
        pack_str(&pk, sc_tier_names[from]);
    pack_str(&pk, "to");
    pack_str(&pk, sc_tier_names[c->tier]);
    pack_str(&pk, "score");
    pack_num_or_nil(&pk, c->score);
    pack_str(&pk, "confidence");
    msgpack_pack_int(&pk, c->confidence);
    pack_str(&pk, "core");
    core_to ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    pack_str(&pk, "core_change");
    pack_str(&pk, core_to == core_from ? "none" : core_to ? "entered" : "left");
    pack_str(&pk, "cause");
    pack_str(&pk, cause);
    pack_str(&pk, "moved");
    msgpack_pack_array(&pk, moves);
    for (size_t i = 0; i < moves; i++) {
        msgpack_pack_map(&pk, 2);
        pack_str(&pk, "criterion");
        pack_str(&pk, sc_criterion_names[idx[i]]);
        pack_str(&pk, "delta");
        msgpack_pack_double(&pk, round(delta[i] * 100) / 100);
    }
    int rc = emit_map(ctx, api, "customer.tier_changed", c->customer, &buf);
    msgpack_sbuffer_destroy(&buf);
    return rc == RP_OK;
}

static void reasons_json(rp_text *b, const sc_cust *c, const int *idx, const double *delta,
                         size_t moves)
{
    rp_text_putc(b, '[');
    for (size_t i = 0; i < moves; i++) {
        int k = idx[i];
        rp_text_printf(b, "%s{\"criterion\":\"%s\",\"delta\":%.2f,\"before\":", i ? "," : "",
                       sc_criterion_names[k], delta[i]);
        rp_text_double(b, c->sub_at_change[k], "null");
        rp_text_puts(b, ",\"after\":");
        rp_text_double(b, c->sub[k], "null");
        rp_text_putc(b, '}');
    }
    rp_text_putc(b, ']');
}

static bool record_history(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t,
                           const sc_cust *c, sc_tier from, int64_t now_ms, const char *cause,
                           const int *idx, const double *delta, size_t moves)
{
    unsigned core = t->s->core_mask;
    char partition[16], ts[24], score[40], conf[16];
    snprintf(partition, sizeof partition, "%u", c->partition);
    snprintf(ts, sizeof ts, "%lld", (long long)now_ms);
    snprintf(score, sizeof score, "%.17g", c->score);
    snprintf(conf, sizeof conf, "%d", c->confidence);
    rp_text reasons = {0};
    reasons_json(&reasons, c, idx, delta, moves);
    const char *values[SC_HISTORY_COLS] = {
        c->customer, partition, ts,
        from == SC_TIER_NONE ? NULL : sc_tier_names[from], sc_tier_names[c->tier],
        isfinite(c->score) ? score : NULL, conf,
        from != SC_TIER_NONE && ((core >> from) & 1) ? "t" : "f",
        (core >> c->tier) & 1 ? "t" : "f", rp_text_get(&reasons), cause,
    };
    bool ok = values[9] != NULL;
    if (ok)
        sc_tenant_add_history(t, values);
    else
        api->fail(ctx, "scoring: out of memory recording the tier change of %s", c->customer);
    rp_text_free(&reasons);
    return ok;
}

static bool change_tier(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, sc_cust *c,
                        sc_tier to, int64_t now_ms, const char *cause)
{
    sc_tier from = c->tier;
    int idx[TOP_MOVES];
    double delta[TOP_MOVES];
    size_t moves = sc_top_moves(c->sub_at_change, c->sub, TOP_MOVES, idx, delta);
    c->tier = to;
    c->tier_since_ms = now_ms;
    bool ok = record_history(ctx, api, t, c, from, now_ms, cause, idx, delta, moves);
    /* A new customer placed as potential is not news; every other move is. */
    if (ok && !(from == SC_TIER_NONE && to == SC_TIER_POTENTIAL))
        ok = emit_tier_changed(ctx, api, t, c, from, cause, idx, delta, moves);
    memcpy(c->sub_at_change, c->sub, sizeof c->sub);
    return ok;
}

static bool emit_churn(rp_ctx *ctx, const rp_host_api *api, const sc_cust *c, const char *from)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    pack_str(&pk, "from");
    pack_str(&pk, from);
    pack_str(&pk, "to");
    pack_str(&pk, c->risk);
    pack_str(&pk, "p_alive");
    pack_num_or_nil(&pk, c->p_alive);
    pack_str(&pk, "expected_purchases");
    pack_num_or_nil(&pk, c->expected);
    pack_str(&pk, "tier");
    pack_str(&pk, sc_tier_names[c->tier == SC_TIER_NONE ? SC_TIER_POTENTIAL : c->tier]);
    int rc = emit_map(ctx, api, "customer.churn_risk", c->customer, &buf);
    msgpack_sbuffer_destroy(&buf);
    return rc == RP_OK;
}

bool sc_update_churn(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, sc_cust *c,
                     int64_t now_ms)
{
    c->p_alive = NAN;
    c->expected = NAN;
    if (t->have_params && c->ev.first_purchase_ms > 0) {
        double unit = (double)t->s->period_ms;
        double first = c->ev.first_purchase_ms;
        double t_x = (c->ev.last_purchase_ms - first) / unit;
        double T = fmax(t_x, ((double)now_ms - first) / unit);
        c->p_alive = sc_bgnbd_p_alive(&t->params, c->ev.repeat_n, t_x, T);
        c->expected = sc_bgnbd_expected(&t->params, c->ev.repeat_n, t_x, T, 1.0);
    }
    char old[sizeof c->risk];
    memcpy(old, c->risk, sizeof old);
    snprintf(c->risk, sizeof c->risk, "%s", sc_risk_level(&t->s->risk, c->p_alive));
    if (strcmp(old, c->risk) == 0 || strcmp(old, "unknown") == 0 || strcmp(c->risk, "unknown") == 0)
        return true;
    return emit_churn(ctx, api, c, old);
}

char *sc_recheck_key(const char *customer)
{
    size_t n = strlen(customer);
    char *key = malloc(5 + n + 1);
    if (key) {
        memcpy(key, "eval:", 5);
        memcpy(key + 5, customer, n + 1);
    }
    return key;
}

/* The customer's next re-check: the recheck interval, or sooner when a move
 * waits for the dwell time or a pin expires. Nothing to re-check for a
 * customer who never purchased and is not pinned. */
static bool schedule(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, sc_cust *c,
                     int64_t now_ms, int64_t blocked_until_ms)
{
    bool pinned = c->pinned != SC_TIER_NONE;
    if (c->ev.first_purchase_ms <= 0 && !pinned)
        return true;
    int64_t due = now_ms + t->s->recheck_ms;
    if (blocked_until_ms > now_ms && blocked_until_ms < due)
        due = blocked_until_ms;
    if (pinned && c->pinned_until_ms > now_ms && c->pinned_until_ms < due)
        due = c->pinned_until_ms;
    if (c->next_check_ms > now_ms && c->next_check_ms <= due)
        return true; /* the pending timer fires soon enough */
    char *key = sc_recheck_key(c->customer);
    if (!key) {
        api->fail(ctx, "scoring: out of memory for the re-check timer of %s", c->customer);
        return false;
    }
    static const uint8_t empty_map = 0x80;
    c->next_check_ms = due;
    bool ok = api->timer_set(ctx, key, due, c->customer, NULL, &empty_map, 1) == RP_OK;
    free(key);
    return ok;
}

bool sc_evaluate(rp_ctx *ctx, const rp_host_api *api, sc_tenant_ctx *t, sc_cust *c,
                 int64_t now_ms, const char *cause, bool waive_dwell)
{
    const sc_settings *s = t->s;
    sc_subscores(&c->ev, (double)now_ms, &s->params, &t->stats, c->sub);
    c->score = sc_total(c->sub, s->params.weights, &c->confidence);
    bool has_purchase = c->ev.first_purchase_ms > 0;

    if (c->pinned != SC_TIER_NONE && now_ms >= c->pinned_until_ms) {
        c->pinned = SC_TIER_NONE;
        sc_cust_set_text(&c->pin_reason, NULL);
        cause = "pin_expired";
        waive_dwell = true;
    }
    int64_t blocked = 0;
    sc_tier to = c->pinned != SC_TIER_NONE
        ? c->pinned
        : sc_tier_next(&s->rules, c->tier, c->tier_since_ms, now_ms, c->score, has_purchase,
                       waive_dwell, &blocked);
    bool ok = true;
    if (to != c->tier)
        ok = change_tier(ctx, api, t, c, to, now_ms, cause);
    ok = ok && sc_update_churn(ctx, api, t, c, now_ms);
    ok = ok && schedule(ctx, api, t, c, now_ms, blocked);
    c->updated_ms = now_ms;
    c->dirty = true;
    return ok;
}
