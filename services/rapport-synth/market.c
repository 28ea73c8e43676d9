/* market.c - competitor promotions and campaigns (see market.h). */
#include "market.h"

#include "rng.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])
#define DAY_MS 86400000LL

typedef struct campaign {
    double at;                 /* fraction of the data's span */
    const char *kind, *name;
    const char *tiers[3];      /* NULL-padded; none: every tier */
} campaign;

static const campaign CAMPAIGNS[] = {
    {0.20, "new_product", "Spring collection", {NULL}},
    {0.45, "promotion", "Summer sale", {"ordinary", "small", NULL}},
    {0.70, "expert_visit", "Interior stylist visit", {"vip", "key", NULL}},
    {0.90, "event", "Christmas gathering", {"vip", NULL}},
};

static bool emit_promo(synth_rng *rng, int number, int64_t starts, synth_out *out)
{
    static const char *const COMPETITORS[] = {"GiftHouse", "HomeDecor Direct", "PartyWorld"};
    static const char *const CATEGORIES[] = {"home decor", "gifts", "party supplies", "kitchen"};
    int64_t ends = starts + synth_between(rng, 4 * DAY_MS, 18 * DAY_MS);
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "promo:%d", number);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "competitor", json_string(COMPETITORS[synth_below(rng, COUNT(COMPETITORS))]), &ok);
    synth_set(data, "starts_ms", json_integer(starts), &ok);
    synth_set(data, "ends_ms", json_integer(ends), &ok);
    synth_set(data, "discount", json_real((double)synth_between(rng, 2, 7) * 0.05), &ok);
    synth_set(data, "category", json_string(CATEGORIES[synth_below(rng, COUNT(CATEGORIES))]), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(out, id, "market.competitor_promo", starts, NULL, NULL, data);
}

static json_t *tier_list(const campaign *c)
{
    json_t *tiers = json_array();
    for (size_t i = 0; tiers && i < COUNT(c->tiers) && c->tiers[i]; i++) {
        if (json_array_append_new(tiers, json_string(c->tiers[i])) != 0) {
            json_decref(tiers);
            return NULL;
        }
    }
    return tiers;
}

static bool emit_campaign(const campaign *c, int number, int64_t starts, synth_out *out)
{
    char id[SYNTH_ID_MAX + 1], campaign_id[SYNTH_ID_MAX + 1];
    synth_id(id, "campaign:%d", number);
    synth_id(campaign_id, "campaign-%d", number);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "campaign_id", json_string(campaign_id), &ok);
    synth_set(data, "kind", json_string(c->kind), &ok);
    synth_set(data, "name", json_string(c->name), &ok);
    if (c->tiers[0])
        synth_set(data, "tiers", tier_list(c), &ok);
    synth_set(data, "starts_ms", json_integer(starts), &ok);
    synth_set(data, "ends_ms", json_integer(starts + 14 * DAY_MS), &ok);
    synth_set(data, "channel", json_string("email"), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(out, id, "campaign.launched", starts, NULL, NULL, data);
}

size_t synth_campaign_starts(const synth_input *input, int64_t out[SYNTH_CAMPAIGNS])
{
    _Static_assert(COUNT(CAMPAIGNS) == SYNTH_CAMPAIGNS, "SYNTH_CAMPAIGNS counts CAMPAIGNS");
    if (input->last_ts < input->first_ts)
        return 0;
    int64_t span = input->last_ts - input->first_ts;
    for (size_t i = 0; i < COUNT(CAMPAIGNS); i++)
        out[i] = input->first_ts + (int64_t)(CAMPAIGNS[i].at * (double)span);
    return COUNT(CAMPAIGNS);
}

bool synth_emit_market(uint64_t seed, const synth_input *input, synth_out *out)
{
    if (input->last_ts < input->first_ts)
        return true;
    synth_rng rng = synth_rng_for(seed, "market", "promo");
    int number = 1;
    bool ok = true;
    for (int64_t starts = input->first_ts + 20 * DAY_MS; ok && starts <= input->last_ts;
         starts += synth_between(&rng, 35 * DAY_MS, 55 * DAY_MS))
        ok = emit_promo(&rng, number++, starts, out);
    int64_t starts[SYNTH_CAMPAIGNS];
    size_t count = synth_campaign_starts(input, starts);
    for (size_t i = 0; ok && i < count; i++)
        ok = emit_campaign(&CAMPAIGNS[i], (int)i + 1, starts[i], out);
    return ok;
}
