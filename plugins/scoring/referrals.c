/*
 * referrals.c - referral links and the referrer's credits (see referrals.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "referrals.h"
#include "rapport/rp_text.h"
#include "rapport/rp_viewstr.h"

/* The referral plugin's default conversion_grace: a link recorded up to a
 * day after the first purchase still counts as having led to it. */
#define SC_REFERRAL_GRACE_MS 86400000LL

static const uint8_t empty_map = 0x80;

/* A timer "ref:KIND:N:REFERRER:REFEREE" scoped to `on`, with a payload. N
 * is the byte length of REFERRER, so ids holding ':' cannot make two links
 * share a key ("a:b" + "c" and "a" + "b:c"). The key is built in full: two
 * customer ids of at most 256 bytes make at most 531 bytes, within the
 * host's timer key limit. */
static bool set_timer(rp_ctx *ctx, const rp_host_api *api, const char *kind, const char *referrer,
                      const char *referee, const char *on, int64_t due_ms,
                      const uint8_t *payload, size_t len)
{
    rp_text key = {0};
    rp_text_printf(&key, "ref:%s:%zu:%s:%s", kind, strlen(referrer), referrer, referee);
    const char *k = rp_text_get(&key);
    bool ok = k && api->timer_set(ctx, k, due_ms, on, NULL, payload, len) == RP_OK;
    if (!k)
        api->fail(ctx, "scoring: out of memory for the referral timer of %s", referee);
    rp_text_free(&key);
    return ok;
}

/* Credit for the referrer (kind "made" or "converted"), in its partition. */
static bool credit(rp_ctx *ctx, const rp_host_api *api, const char *referrer,
                   const char *referee, const char *kind, int64_t due_ms)
{
    return set_timer(ctx, api, kind, referrer, referee, referrer, due_ms, &empty_map, 1);
}

/* Both ids are there, are customer ids the wire allows (a timer is scoped to
 * each), and differ (nobody refers themself). */
static bool usable(rp_ctx *ctx, const rp_host_api *api, const rp_event *ev, const char *referrer,
                   const char *referee, const char *field)
{
    if (referrer && referee && referrer[0] && referee[0]
        && strlen(referrer) <= RP_SCOPE_KEY_MAX_BYTES && strlen(referee) <= RP_SCOPE_KEY_MAX_BYTES
        && strcmp(referrer, referee) != 0)
        return true;
    api->log(ctx, RP_LOG_WARN, "%s %s: data.%s missing or empty, an id longer than %d bytes, or "
             "the customer itself; no referral credit", ev->type, ev->id, field,
             RP_SCOPE_KEY_MAX_BYTES);
    return false;
}

/* Records the link on the referee; the first referrer wins, and the same
 * link learnt twice (a referral and a profile) changes nothing. */
static bool link_referee(rp_ctx *ctx, const rp_host_api *api, sc_cust *referee,
                         const char *referrer, int64_t at_ms, bool *linked)
{
    *linked = false;
    if (referee->referred_by)
        return true;
    if (!sc_cust_set_text(&referee->referred_by, referrer)) {
        api->fail(ctx, "scoring: out of memory linking %s to %s", referee->customer, referrer);
        return false;
    }
    *linked = true;
    bool ok = credit(ctx, api, referrer, referee->customer, "made", at_ms);
    /* Learnt shortly after the referee's first purchase (profiles are often
     * written at the first order): the referral has converted already. A
     * first purchase earlier than that grace made the referee a customer
     * before anyone referred them: no conversion, as in the referral
     * plugin ("preexisting"). */
    double first = referee->ev.first_purchase_ms;
    if (ok && first > 0 && first >= (double)(at_ms - SC_REFERRAL_GRACE_MS))
        ok = credit(ctx, api, referrer, referee->customer, "converted", at_ms);
    return ok;
}

/* A string field of the event, copied; false (after api->fail) only when
 * memory ran out. */
static bool data_string(rp_ctx *ctx, const rp_host_api *api, const rp_event *ev, const char *field,
                        char **out)
{
    if (rp_view_strdup(api, api->view_get(ev->data, field), out))
        return true;
    api->fail(ctx, "scoring: out of memory reading data.%s of %s", field, ev->id);
    return false;
}

bool sc_referral_event(rp_ctx *ctx, const rp_host_api *api, const sc_cust *referrer,
                       const rp_event *ev)
{
    char *referee;
    if (!data_string(ctx, api, ev, "referee", &referee))
        return false;
    if (!usable(ctx, api, ev, referrer->customer, referee, "referee")) {
        free(referee);
        return true;
    }
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
    bool ok = set_timer(ctx, api, "link", referrer->customer, referee, referee, ev->ts_ms,
                        (const uint8_t *)buf.data, buf.size);
    msgpack_sbuffer_destroy(&buf);
    free(referee);
    return ok;
}

bool sc_referral_upsert(rp_ctx *ctx, const rp_host_api *api, sc_cust *referee,
                        const rp_event *ev, bool *linked)
{
    *linked = false;
    if (api->view_kind(api->view_get(ev->data, "referred_by")) != RP_VIEW_STR)
        return true;
    char *referrer;
    if (!data_string(ctx, api, ev, "referred_by", &referrer))
        return false;
    bool ok = !usable(ctx, api, ev, referrer, referee->customer, "referred_by")
        || link_referee(ctx, api, referee, referrer, ev->ts_ms, linked);
    free(referrer);
    return ok;
}

bool sc_referral_first_purchase(rp_ctx *ctx, const rp_host_api *api, const sc_cust *referee,
                                int64_t ts_ms)
{
    if (!referee->referred_by)
        return true;
    return credit(ctx, api, referee->referred_by, referee->customer, "converted", ts_ms);
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
        char *referrer;
        bool linked;
        if (!rp_view_strdup(api, api->view_get(timer->payload, "referrer"), &referrer)) {
            api->fail(ctx, "scoring: out of memory reading timer %s", timer->key);
            return false;
        }
        bool ok = true;
        if (!referrer || !referrer[0])
            api->log(ctx, RP_LOG_WARN, "timer %s: payload without a referrer; ignored", timer->key);
        else
            ok = link_referee(ctx, api, c, referrer, timer->due_ms, &linked);
        free(referrer);
        return ok;
    }
    *handled = false;
    return true;
}
