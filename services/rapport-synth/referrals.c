/* referrals.c - referral chains among real customers, and fraud-like bursts
 * (see referrals.h). */
#include "referrals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)
#define REFERRED_SHARE 0.12
#define ALREADY_THERE_SHARE 10      /* the first 1/10 of buyers are never referred */
#define CONNECTOR_SHARE 0.02
#define MAX_CHAIN_DEPTH 6
#define BURSTS 3
#define BURST_SIZE 8

typedef struct walk {
    size_t *buyers;          /* customer indices by first purchase */
    size_t buyer_count;
    size_t *connectors, connector_count;
    size_t *referees, referee_count;
    unsigned *depth;         /* per customer */
} walk;

static const synth_input *sort_input;

static int by_first_purchase(const void *a, const void *b)
{
    const synth_customer *x = &sort_input->customers[*(const size_t *)a];
    const synth_customer *y = &sort_input->customers[*(const size_t *)b];
    if (x->first_purchase_ts != y->first_purchase_ts)
        return x->first_purchase_ts < y->first_purchase_ts ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Buyers in order of first purchase (ties by key: independent of input order). */
static size_t *sorted_buyers(const synth_input *input, size_t *count)
{
    size_t *buyers = malloc((input->customer_count + 1) * sizeof *buyers);
    if (!buyers)
        return NULL;
    *count = 0;
    for (size_t i = 0; i < input->customer_count; i++)
        if (input->customers[i].first_purchase_ts != INT64_MAX)
            buyers[(*count)++] = i;
    sort_input = input;
    qsort(buyers, *count, sizeof *buyers, by_first_purchase);
    return buyers;
}

/* The referrer for the buyer at position `at`, or SYNTH_NO_REFERRER. */
static size_t choose_referrer(const walk *w, size_t at, synth_rng *rng)
{
    static const unsigned SOURCE_WEIGHTS[] = {45, 35, 20};
    size_t source = synth_weighted(rng, SOURCE_WEIGHTS, 3);
    size_t candidate;
    if (source == 0 && w->connector_count)
        candidate = w->connectors[synth_below(rng, w->connector_count)];
    else if (source == 1 && w->referee_count)
        candidate = w->referees[synth_below(rng, w->referee_count)];
    else
        candidate = w->buyers[synth_below(rng, at)];
    if (w->depth[candidate] >= MAX_CHAIN_DEPTH)
        return SYNTH_NO_REFERRER;
    return candidate;
}

static void plan_one(uint64_t seed, const synth_input *input, walk *w, size_t at, synth_referrals *plan)
{
    size_t index = w->buyers[at];
    const synth_customer *customer = &input->customers[index];
    synth_rng rng = synth_rng_for(seed, customer->key, "referred");
    if (at >= w->buyer_count / ALREADY_THERE_SHARE && at > 0 && synth_chance(&rng, REFERRED_SHARE)) {
        size_t referrer = choose_referrer(w, at, &rng);
        if (referrer != SYNTH_NO_REFERRER) {
            int64_t ts = customer->first_purchase_ts - synth_between(&rng, HOUR_MS, 14 * DAY_MS);
            int64_t earliest = input->customers[referrer].first_ts;
            plan->referrer[index] = referrer;
            plan->referred_ms[index] = ts < earliest ? earliest : ts;
            w->depth[index] = w->depth[referrer] + 1;
            w->referees[w->referee_count++] = index;
        }
    }
    synth_rng connector = synth_rng_for(seed, customer->key, "connector");
    if (synth_chance(&connector, CONNECTOR_SHARE))
        w->connectors[w->connector_count++] = index;
}

bool synth_plan_referrals(uint64_t seed, const synth_input *input, synth_referrals *plan)
{
    size_t n = input->customer_count + 1;
    plan->referrer = malloc(n * sizeof *plan->referrer);
    plan->referred_ms = calloc(n, sizeof *plan->referred_ms);
    walk w = {0};
    w.buyers = sorted_buyers(input, &w.buyer_count);
    w.connectors = malloc(n * sizeof *w.connectors);
    w.referees = malloc(n * sizeof *w.referees);
    w.depth = calloc(n, sizeof *w.depth);
    bool ok = plan->referrer && plan->referred_ms && w.buyers && w.connectors && w.referees && w.depth;
    if (ok) {
        for (size_t i = 0; i < n; i++)
            plan->referrer[i] = SYNTH_NO_REFERRER;
        for (size_t at = 0; at < w.buyer_count; at++)
            plan_one(seed, input, &w, at, plan);
    }
    free(w.buyers);
    free(w.connectors);
    free(w.referees);
    free(w.depth);
    return ok;
}

void synth_referrals_free(synth_referrals *plan)
{
    free(plan->referrer);
    free(plan->referred_ms);
    plan->referrer = NULL;
    plan->referred_ms = NULL;
}

void synth_email_of(const char *customer, char *email, size_t size)
{
    snprintf(email, size, "%s@example.com", customer);
}

static bool emit_referral(synth_out *out, const char *referrer, const char *referee, int64_t ts_ms,
                          const char *channel)
{
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "ref:%s:%s", referrer, referee);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "referee", json_string(referee), &ok);
    synth_set(data, "channel", json_string(channel), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(out, id, "referral", ts_ms, NULL, referrer, data);
}

/* A new person in a burst: a profile that copies the referrer's e-mail. */
static bool emit_burst_person(synth_out *out, const char *referrer, const char *person, int64_t ts_ms)
{
    char id[SYNTH_ID_MAX + 1], email[300];
    synth_id(id, "cu:%s", person);
    synth_email_of(referrer, email, sizeof email);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "email", json_string(email), &ok);
    synth_set(data, "referred_by", json_string(referrer), &ok);
    synth_set(data, "first_seen_ms", json_integer(ts_ms), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(out, id, "customer.upsert", ts_ms, NULL, person, data);
}

static bool emit_burst(uint64_t seed, const synth_input *input, const size_t *buyers, size_t buyer_count,
                       int burst, synth_out *out)
{
    char purpose[32];
    snprintf(purpose, sizeof purpose, "burst-%d", burst);
    synth_rng rng = synth_rng_for(seed, "fraud", purpose);
    const synth_customer *referrer = &input->customers[buyers[synth_below(&rng, buyer_count / 2)]];
    int64_t ts = referrer->first_purchase_ts + synth_between(&rng, 7 * DAY_MS, 60 * DAY_MS);
    bool ok = true;
    for (int k = 1; k <= BURST_SIZE && ok; k++) {
        char person[64];
        snprintf(person, sizeof person, "syn-fraud-%d-%d", burst, k);
        ts += synth_between(&rng, 3 * 60000, 15 * 60000);
        ok = emit_referral(out, referrer->key, person, ts, "online") &&
             emit_burst_person(out, referrer->key, person, ts);
    }
    return ok;
}

bool synth_emit_referrals(uint64_t seed, const synth_input *input, const synth_referrals *plan,
                          synth_out *out)
{
    static const char *const CHANNELS[] = {"word_of_mouth", "word_of_mouth", "gathering", "online"};
    bool ok = true;
    for (size_t i = 0; i < input->customer_count && ok; i++) {
        if (plan->referrer[i] == SYNTH_NO_REFERRER)
            continue;
        const synth_customer *referee = &input->customers[i];
        synth_rng rng = synth_rng_for(seed, referee->key, "referral-channel");
        ok = emit_referral(out, input->customers[plan->referrer[i]].key, referee->key,
                           plan->referred_ms[i], CHANNELS[synth_below(&rng, 4)]);
    }
    size_t buyer_count = 0;
    size_t *buyers = ok ? sorted_buyers(input, &buyer_count) : NULL;
    if (ok && !buyers)
        ok = false;
    for (int burst = 1; burst <= BURSTS && ok && buyer_count >= 10; burst++)
        ok = emit_burst(seed, input, buyers, buyer_count, burst, out);
    free(buyers);
    return ok;
}
