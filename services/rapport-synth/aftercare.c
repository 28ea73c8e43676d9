/* aftercare.c - care, contacts, complaints and suggestions around real
 * orders (see aftercare.h; survey answers are in surveys.c). */
#include "aftercare.h"

#include <inttypes.h>
#include <stdio.h>

#include "countries.h"
#include "localday.h"
#include "persona.h"
#include "rng.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])
#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

/* The care plugin's defaults (docs/plugins/care.md): follow-ups after a
 * purchase are due this many local days later at CARE_DUE_MINUTE. */
#define CARE_GREETING_DAYS 2
#define CARE_USAGE_CHECK_DAYS 7
#define CARE_DUE_MINUTE (10 * 60)
/* The care plugin's task ids (plugins/care/taskid.c): at most 199 bytes. */
#define CARE_TASK_ID_MAX 200
/* Share of the follow-ups done that name their task (the others are logged
 * without it: the plugin then only restarts the customer's cadence). */
#define NAMED_SHARE 0.85

/* Everything one order's synthetic events are drawn from. */
typedef struct order_context {
    uint64_t seed;
    const synth_order *order;
    const char *customer;
    const char *zone;           /* the customer's zone as the care plugin knows it; NULL: UTC */
    synth_persona persona;
    synth_out *out;
} order_context;

/* The care plugin's id of the purchase follow-up `kind` of this order:
 * KIND:CUSTOMER:order:ORDER_ID, or KIND:h<16 hex> (FNV-1a 64 of the parts,
 * combined as the plugin does) when that is 200 bytes or more. */
static void care_task_id(char out[CARE_TASK_ID_MAX], const order_context *ctx, const char *kind)
{
    char ref[160];
    snprintf(ref, sizeof ref, "order:%s", ctx->order->order_id);
    int n = snprintf(out, CARE_TASK_ID_MAX, "%s:%s:%s", kind, ctx->customer, ref);
    if (n >= 0 && n < CARE_TASK_ID_MAX)
        return;
    uint64_t h = synth_hash(kind);
    h ^= synth_hash(ctx->customer) * 31;
    h ^= synth_hash(ref) * 131;
    snprintf(out, CARE_TASK_ID_MAX, "%.64s:h%016" PRIx64, kind, h);
}

/* When the care plugin's follow-up `days` after this order falls due. */
static int64_t care_due(const order_context *ctx, int days)
{
    int64_t due_ms;
    if (synth_local_day_at(ctx->zone, ctx->order->ts_ms, days, CARE_DUE_MINUTE, &due_ms))
        return due_ms;
    return ctx->order->ts_ms + days * DAY_MS;       /* not representable: about then */
}

/* Names the follow-up in data.task_id for NAMED_SHARE of them (a stream of
 * its own per order and kind, so the other draws do not move). */
static void name_task(const order_context *ctx, json_t *data, const char *kind, bool *ok)
{
    char purpose[64];
    snprintf(purpose, sizeof purpose, "task-named:%s", kind);
    synth_rng rng = synth_rng_for(ctx->seed, ctx->order->event_id, purpose);
    if (!synth_chance(&rng, NAMED_SHARE))
        return;
    char task_id[CARE_TASK_ID_MAX];
    care_task_id(task_id, ctx, kind);
    synth_set(data, "task_id", json_string(task_id), ok);
}

static synth_rng stream(const order_context *ctx, const char *purpose)
{
    return synth_rng_for(ctx->seed, ctx->order->event_id, purpose);
}

/* Emits a finished data map; ok false means building it failed (OOM). */
static bool emit(const order_context *ctx, const char *id, const char *type, int64_t ts_ms, json_t *data,
                 bool ok)
{
    if (!ok || !data) {
        json_decref(data);
        return false;
    }
    return synth_emit(ctx->out, id, type, ts_ms, NULL, ctx->customer, data);
}

static bool care_greeting(const order_context *ctx)
{
    synth_rng rng = stream(ctx, "care");
    if (!ctx->persona.consent_contact || !synth_chance(&rng, 0.30))
        return true;
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "care:%s", ctx->order->event_id);
    int64_t due = care_due(ctx, CARE_GREETING_DAYS);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "kind", json_string("greeting"), &ok);
    synth_set(data, "channel", json_string(ctx->persona.channel), &ok);
    name_task(ctx, data, "greeting", &ok);
    return emit(ctx, id, "care.done", due + synth_between(&rng, 0, 6 * HOUR_MS), data, ok);
}

/* task_kind: the care follow-up this contact carries out (it may name it),
 * or NULL. */
static bool contact(const order_context *ctx, const char *purpose, const char *id_kind, const char *channel,
                    const char *direction, const char *topic, const char *task_kind, int64_t ts_ms)
{
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "%s:%s", id_kind, ctx->order->event_id);
    synth_rng rng = stream(ctx, purpose);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "channel", json_string(channel), &ok);
    synth_set(data, "direction", json_string(direction), &ok);
    synth_set(data, "topic", json_string(topic), &ok);
    synth_set(data, "outcome", json_string(synth_chance(&rng, 0.8) ? "reached" : "no_answer"), &ok);
    if (task_kind)
        name_task(ctx, data, task_kind, &ok);
    return emit(ctx, id, "contact", ts_ms, data, ok);
}

static bool contacts(const order_context *ctx)
{
    synth_rng rng = stream(ctx, "contact");
    bool ok = true;
    if (ctx->persona.consent_contact && synth_chance(&rng, 0.15)) {
        int64_t due = care_due(ctx, CARE_USAGE_CHECK_DAYS);
        ok = contact(ctx, "usage-check-outcome", "contact", ctx->persona.channel, "outbound", "usage_check",
                     "usage_check", due + synth_between(&rng, 0, 6 * HOUR_MS));
    }
    if (ok && synth_chance(&rng, 0.04))
        ok = contact(ctx, "question-outcome", "question", synth_chance(&rng, 0.6) ? "email" : "phone",
                     "inbound", "question", NULL, ctx->order->ts_ms + synth_between(&rng, DAY_MS, 20 * DAY_MS));
    return ok;
}

synth_complaint synth_complaint_of(uint64_t seed, const synth_order *order, synth_mood mood)
{
    static const double BY_MOOD[] = {0.01, 0.025, 0.08};
    synth_complaint c = {.rng = synth_rng_for(seed, order->event_id, "complaint")};
    if (!synth_chance(&c.rng, order->refund ? 0.08 : BY_MOOD[mood]))
        return c;
    c.happens = true;
    c.opened_ms = order->ts_ms + synth_between(&c.rng, DAY_MS, 10 * DAY_MS);
    c.replied_ms = c.opened_ms + (synth_chance(&c.rng, 0.85) ? synth_between(&c.rng, HOUR_MS, 20 * HOUR_MS)
                                                             : synth_between(&c.rng, 30 * HOUR_MS, 96 * HOUR_MS));
    c.resolves = synth_chance(&c.rng, 0.92);
    c.late = synth_chance(&c.rng, 0.20);
    c.resolved_ms = c.replied_ms + (c.late ? synth_between(&c.rng, 8 * DAY_MS, 25 * DAY_MS)
                                           : synth_between(&c.rng, 4 * HOUR_MS, 3 * DAY_MS));
    return c;
}

static bool complaint_opened(const order_context *ctx, synth_rng *rng, const char *complaint_id, int64_t ts_ms)
{
    static const char *const CATEGORIES[] = {"delivery", "damaged", "wrong_item", "billing", "quality"};
    static const char *const SEVERITIES[] = {"low", "normal", "high", "critical"};
    static const unsigned SEVERITY_WEIGHTS[] = {30, 50, 17, 3};
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "complaint:%s", ctx->order->event_id);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "complaint_id", json_string(complaint_id), &ok);
    synth_set(data, "severity", json_string(SEVERITIES[synth_weighted(rng, SEVERITY_WEIGHTS, 4)]), &ok);
    synth_set(data, "channel", json_string(synth_chance(rng, 0.6) ? "email" : "phone"), &ok);
    synth_set(data, "category", json_string(CATEGORIES[synth_below(rng, COUNT(CATEGORIES))]), &ok);
    synth_set(data, "order_id", json_string(ctx->order->order_id), &ok);
    return emit(ctx, id, "complaint.opened", ts_ms, data, ok);
}

static bool complaint_response(const order_context *ctx, const char *complaint_id, int64_t ts_ms)
{
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "complaint-reply:%s", ctx->order->event_id);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "channel", json_string("phone"), &ok);
    synth_set(data, "direction", json_string("outbound"), &ok);
    synth_set(data, "topic", json_string("complaint"), &ok);
    synth_set(data, "complaint_id", json_string(complaint_id), &ok);
    return emit(ctx, id, "contact", ts_ms, data, ok);
}

static bool complaint_resolved(const order_context *ctx, synth_rng *rng, const char *complaint_id,
                               int64_t ts_ms, bool late)
{
    static const char *const OUTCOMES[] = {"resolved", "compensated", "rejected", "withdrawn"};
    static const unsigned OUTCOME_WEIGHTS[] = {60, 30, 7, 3};
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "complaint-resolved:%s", ctx->order->event_id);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "complaint_id", json_string(complaint_id), &ok);
    synth_set(data, "outcome", json_string(OUTCOMES[synth_weighted(rng, OUTCOME_WEIGHTS, 4)]), &ok);
    synth_set(data, "cooperative", json_boolean(synth_chance(rng, 0.85)), &ok);
    synth_set(data, "satisfaction", json_integer(late ? synth_between(rng, 1, 3) : synth_between(rng, 3, 5)), &ok);
    return emit(ctx, id, "complaint.resolved", ts_ms, data, ok);
}

static bool complaint(const order_context *ctx)
{
    synth_complaint c = synth_complaint_of(ctx->seed, ctx->order, ctx->persona.mood);
    if (!c.happens)
        return true;
    char complaint_id[SYNTH_ID_MAX + 1];
    synth_id(complaint_id, "%s", ctx->order->order_id);
    bool ok = complaint_opened(ctx, &c.rng, complaint_id, c.opened_ms) &&
              complaint_response(ctx, complaint_id, c.replied_ms);
    if (ok && c.resolves)
        ok = complaint_resolved(ctx, &c.rng, complaint_id, c.resolved_ms, c.late);
    return ok;
}

static bool suggestion(const order_context *ctx)
{
    static const char *const TOPICS[] = {"product range", "packaging", "delivery slots", "website",
                                         "gift wrapping", "bulk discounts"};
    synth_rng rng = stream(ctx, "suggestion");
    double rate = ctx->persona.mood == SYNTH_HAPPY ? 0.015 : 0.005;
    if (ctx->order->refund || !synth_chance(&rng, rate))
        return true;
    char id[SYNTH_ID_MAX + 1], suggestion_id[SYNTH_ID_MAX + 1];
    synth_id(id, "suggestion:%s", ctx->order->event_id);
    synth_id(suggestion_id, "sug:%s", ctx->order->order_id);
    const char *topic = TOPICS[synth_below(&rng, COUNT(TOPICS))];
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "suggestion_id", json_string(suggestion_id), &ok);
    synth_set(data, "topic", json_string(topic), &ok);
    synth_set(data, "text", json_string("Customer suggestion about the store's offer"), &ok);
    synth_set(data, "adopted", json_boolean(synth_chance(&rng, 0.25)), &ok);
    return emit(ctx, id, "suggestion", ctx->order->ts_ms + synth_between(&rng, DAY_MS, 20 * DAY_MS), data, ok);
}

bool synth_emit_aftercare(uint64_t seed, const synth_input *input, synth_out *out)
{
    for (size_t i = 0; i < input->order_count; i++) {
        const synth_order *order = &input->orders[i];
        const synth_customer *who = &input->customers[order->customer];
        const char *zone = who->country ? retail_country_timezone(who->country) : NULL;
        order_context ctx = {seed, order, who->key, zone, synth_persona_of(seed, who->key), out};
        bool purchase_only_ok = order->refund || (care_greeting(&ctx) && contacts(&ctx) && suggestion(&ctx));
        if (!purchase_only_ok || !complaint(&ctx))
            return false;
    }
    return true;
}
