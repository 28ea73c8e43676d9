/*
 * referrals.c - referral links and the referrer's credits (see referrals.h).
 */
#include <stdio.h>
#include <string.h>

#include <msgpack.h>

#include "referrals.h"

/* The referral plugin's default conversion_grace: a link recorded up to a
 * day after the first purchase still counts as having led to it. */
#define SC_REFERRAL_GRACE_MS 86400000LL

#define KEY_MAX 400
/* Referrer ids are kept in scoring_customers.referred_by (sc_cust). */
#define REFERRER_MAX sizeof(((sc_cust *)NULL)->referred_by)

static const uint8_t empty_map = 0x80;

/* A timer "ref:KIND:REFERRER:REFEREE" scoped to `on`, with a payload. */
static bool set_timer(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, const char *kind,
                      const char *referrer, const char *referee, const char *on, int64_t due_ms,
                      const uint8_t *payload, size_t len)
{
    char key[KEY_MAX];
    int n = snprintf(key, sizeof key, "ref:%s:%s:%s", kind, referrer, referee);
    if (n < 0 || (size_t)n >= sizeof key) {
        api->log(ctx, RP_LOG_WARN, "referral %s -> %s: ids too long for a timer key, not credited",
                 referrer, referee);
        return true;
    }
    return api->timer_set(ctx, t->s->tenant, key, due_ms, on, NULL, payload, len) == RP_OK;
}

/* Credit for the referrer (kind "made" or "converted"), in its partition. */
static bool credit(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, const char *referrer,
                   const char *referee, const char *kind, int64_t due_ms)
{
    return set_timer(ctx, api, t, kind, referrer, referee, referrer, due_ms, &empty_map, 1);
}

/* Both ids are there, fit referred_by, and differ (nobody refers themself).
 * read: the data field was read whole. */
static bool usable(rp_ctx *ctx, const rp_host_api *api, const rp_event *ev, const char *referrer,
                   const char *referee, bool read, const char *field)
{
    if (read && referrer[0] && referee[0] && strlen(referrer) < REFERRER_MAX
        && strlen(referee) < REFERRER_MAX && strcmp(referrer, referee) != 0)
        return true;
    api->log(ctx, RP_LOG_WARN, "%s %s: data.%s empty, an id longer than %zu bytes, or the customer "
             "itself; no referral credit", ev->type, ev->id, field, REFERRER_MAX - 1);
    return false;
}

/* Records the link on the referee; the first referrer wins, and the same
 * link learnt twice (a referral and a profile) changes nothing. */
static bool link_referee(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t, sc_cust *referee,
                         const char *referrer, int64_t at_ms, bool *linked)
{
    *linked = false;
    if (referee->referred_by[0])
        return true;
    snprintf(referee->referred_by, sizeof referee->referred_by, "%s", referrer);
    *linked = true;
    bool ok = credit(ctx, api, t, referrer, referee->customer, "made", at_ms);
    /* Learnt shortly after the referee's first purchase (profiles are often
     * written at the first order): the referral has converted already. A
     * first purchase earlier than that grace made the referee a customer
     * before anyone referred them: no conversion, as in the referral
     * plugin ("preexisting"). */
    double first = referee->ev.first_purchase_ms;
    if (ok && first > 0 && first >= (double)(at_ms - SC_REFERRAL_GRACE_MS))
        ok = credit(ctx, api, t, referrer, referee->customer, "converted", at_ms);
    return ok;
}

bool sc_referral_event(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                       const sc_cust *referrer, const rp_event *ev)
{
    char referee[REFERRER_MAX];
    bool read = api->view_strcpy(api->view_get(ev->data, "referee"), referee, sizeof referee);
    if (!read)
        referee[0] = '\0';
    if (!usable(ctx, api, ev, referrer->customer, referee, read, "referee"))
        return true;
    /* The referee may live in another partition: hand the link over there. */
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    size_t n = strlen(referrer->customer);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str(&pk, 8);
    msgpack_pack_str_body(&pk, "referrer", 8);
    msgpack_pack_str(&pk, n);
    msgpack_pack_str_body(&pk, referrer->customer, n);
    bool ok = set_timer(ctx, api, t, "link", referrer->customer, referee, referee, ev->ts_ms,
                        (const uint8_t *)buf.data, buf.size);
    msgpack_sbuffer_destroy(&buf);
    return ok;
}

bool sc_referral_upsert(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                        sc_cust *referee, const rp_event *ev, bool *linked)
{
    *linked = false;
    rp_view v = api->view_get(ev->data, "referred_by");
    if (api->view_kind(v) != RP_VIEW_STR)
        return true;
    char referrer[REFERRER_MAX];
    bool read = api->view_strcpy(v, referrer, sizeof referrer);
    if (!read)
        referrer[0] = '\0';
    if (!usable(ctx, api, ev, referrer, referee->customer, read, "referred_by"))
        return true;
    return link_referee(ctx, api, t, referee, referrer, ev->ts_ms, linked);
}

bool sc_referral_first_purchase(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                                const sc_cust *referee, int64_t ts_ms)
{
    if (!referee->referred_by[0])
        return true;
    return credit(ctx, api, t, referee->referred_by, referee->customer, "converted", ts_ms);
}

bool sc_referral_timer(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                       const rp_timer *timer, sc_cust *c, bool *handled)
{
    const sc_params *p = &t->s->params;
    *handled = true;
    if (strncmp(timer->key, "ref:made:", 9) == 0) {
        sc_on_referral_made(&c->ev, (double)timer->due_ms, p);
        return true;
    }
    if (strncmp(timer->key, "ref:converted:", 14) == 0) {
        sc_on_referral_converted(&c->ev, (double)timer->due_ms, p);
        return true;
    }
    if (strncmp(timer->key, "ref:link:", 9) == 0) {
        char referrer[REFERRER_MAX];
        bool linked;
        if (!api->view_strcpy(api->view_get(timer->payload, "referrer"), referrer, sizeof referrer)
            || !referrer[0]) {
            api->log(ctx, RP_LOG_WARN, "timer %s: payload without a referrer; ignored", timer->key);
            return true;
        }
        return link_referee(ctx, api, t, c, referrer, timer->due_ms, &linked);
    }
    *handled = false;
    return true;
}
