/*
 * referrals.c - referral links and the referrer's credits (see referrals.h).
 *
 * Order independence (issue 18): the link a referee keeps is the earliest by
 * event time (ties: the smaller referrer id), and its conversion time is a
 * function of the link's time and the referee's first purchase by event
 * time (sc_referral_conversion_ms). When a late event changes either, the
 * credits already sent are taken back by a withdrawal timer at the time
 * they were given and the right ones sent, so the referrers' evidence ends
 * up the same whatever order links and purchases arrive in. Each credit
 * timer's key holds its time: a credit and its withdrawal never share a key,
 * and a key is never set twice (link and first purchase only move earlier).
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

/* A timer "ref:KIND:N:REFERRER:REFEREE:DUE" scoped to `on`, with a
 * payload. N is the byte length of REFERRER, so ids holding ':' cannot make
 * two links share a key ("a:b" + "c" and "a" + "b:c"); DUE (the event time
 * it carries) keeps two links or credits of one pair at different times
 * apart. The key is built in full: two customer ids of at most 256 bytes
 * make at most 555 bytes, within the host's timer key limit. */
static bool set_timer(rp_ctx *ctx, const rp_host_api *api, const char *kind, const char *referrer,
                      const char *referee, const char *on, int64_t due_ms,
                      const uint8_t *payload, size_t len)
{
    rp_text key = {0};
    rp_text_printf(&key, "ref:%s:%zu:%s:%s:%lld", kind, strlen(referrer), referrer, referee,
                   (long long)due_ms);
    const char *k = rp_text_get(&key);
    bool ok = k && api->timer_set(ctx, k, due_ms, on, NULL, payload, len) == RP_OK;
    if (!k)
        api->fail(ctx, "scoring: out of memory for the referral timer of %s", referee);
    rp_text_free(&key);
    return ok;
}

/* Credit for the referrer (kind "made" or "converted", or their
 * withdrawals "unmade", "unconverted"), in its partition, at due_ms: the
 * event time the credit counts from. */
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

/* Whether a link from referrer at at_ms replaces the referee's: the
 * earliest link by event time wins, ties to the smaller referrer id. A link
 * stored before links had a time (ref_link_ms 0) is kept: first come won. */
static bool link_wins(const sc_cust *referee, const char *referrer, int64_t at_ms)
{
    if (!referee->referred_by)
        return true;
    double held = referee->ev.ref_link_ms;
    if (held <= 0)
        return false;
    if ((double)at_ms != held)
        return (double)at_ms < held;
    return strcmp(referrer, referee->referred_by) < 0;
}

/* Sends the credits the referee's link earns now that its link or first
 * purchase moved: the conversion credit goes to where
 * sc_referral_conversion_ms puts it, the one sent before (if elsewhere) is
 * withdrawn. Links stored before links had a time keep their old rule
 * (sc_referral_first_purchase). */
static bool settle_conversion(rp_ctx *ctx, const rp_host_api *api, sc_cust *referee)
{
    if (!referee->referred_by || referee->ev.ref_link_ms <= 0)
        return true;
    double want = sc_referral_conversion_ms(referee->ev.first_purchase_ms, referee->ev.ref_link_ms,
                                            (double)SC_REFERRAL_GRACE_MS);
    double held = referee->ev.ref_conv_ms;
    if (want == held)
        return true;
    const char *referrer = referee->referred_by, *who = referee->customer;
    bool ok = (held <= 0 || credit(ctx, api, referrer, who, "unconverted", (int64_t)held))
           && (want <= 0 || credit(ctx, api, referrer, who, "converted", (int64_t)want));
    referee->ev.ref_conv_ms = want;
    return ok;
}

/* Takes back what the referee's current link earned its referrer. */
static bool withdraw_link(rp_ctx *ctx, const rp_host_api *api, sc_cust *referee)
{
    const char *referrer = referee->referred_by;
    double conv = referee->ev.ref_conv_ms;
    referee->ev.ref_conv_ms = 0;
    return credit(ctx, api, referrer, referee->customer, "unmade", (int64_t)referee->ev.ref_link_ms)
        && (conv <= 0 || credit(ctx, api, referrer, referee->customer, "unconverted", (int64_t)conv));
}

/* Records the link on the referee when it wins (link_wins); the same link
 * learnt twice (a referral and a profile) changes nothing. The referrer
 * gets one point at the link's time, and the conversion points when the
 * referee's first purchase qualifies (settle_conversion). */
static bool link_referee(rp_ctx *ctx, const rp_host_api *api, sc_cust *referee,
                         const char *referrer, int64_t at_ms, bool *linked)
{
    *linked = false;
    if (!link_wins(referee, referrer, at_ms))
        return true;
    if (referee->referred_by && !withdraw_link(ctx, api, referee))
        return false;
    if (!sc_cust_set_text(&referee->referred_by, referrer)) {
        api->fail(ctx, "scoring: out of memory linking %s to %s", referee->customer, referrer);
        return false;
    }
    *linked = true;
    referee->ev.ref_link_ms = (double)at_ms;
    return credit(ctx, api, referrer, referee->customer, "made", at_ms)
        && settle_conversion(ctx, api, referee);
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

bool sc_referral_first_purchase(rp_ctx *ctx, const rp_host_api *api, sc_cust *referee,
                                bool had_purchase)
{
    if (!referee->referred_by)
        return true;
    if (referee->ev.ref_link_ms > 0)
        return settle_conversion(ctx, api, referee);
    /* A link kept from before links had a time: it converts at the
     * referee's first purchase handled, as it always did. */
    if (had_purchase)
        return true;
    return credit(ctx, api, referee->referred_by, referee->customer, "converted",
                  (int64_t)referee->ev.first_purchase_ms);
}

bool sc_referral_timer(rp_ctx *ctx, const rp_host_api *api, const sc_tenant_ctx *t,
                       const rp_timer *timer, sc_cust *c, bool *handled)
{
    const sc_params *p = &t->s->params;
    double at = (double)timer->due_ms;   /* the credit's event time */
    *handled = true;
    if (strncmp(timer->key, "ref:made:", 9) == 0) {
        sc_on_referral_made(&c->ev, at, p);
        return true;
    }
    if (strncmp(timer->key, "ref:converted:", 14) == 0) {
        sc_on_referral_converted(&c->ev, at, p);
        return true;
    }
    bool unconverted = strncmp(timer->key, "ref:unconverted:", 16) == 0;
    if (unconverted || strncmp(timer->key, "ref:unmade:", 11) == 0) {
        sc_on_referral_withdrawn(&c->ev, at, unconverted, p);
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
