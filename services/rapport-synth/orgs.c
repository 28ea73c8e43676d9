/* orgs.c - enterprise clients and their stakeholders (see orgs.h). */
#include "orgs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "countries.h"
#include "rng.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])
#define DAY_MS 86400000LL
#define ORGS 5
#define MAX_MEMBERS 5
#define NO_DECISION_MAKER_ORG 2
#define NO_INFLUENCER_ORG 4
#define CHAMPION_ORG 1
#define CHAMPION_SLOT 1

typedef struct org_profile {
    const char *name, *industry;
} org_profile;

static const org_profile ORG_PROFILES[ORGS] = {
    {"Harbour Gift Shops Ltd", "retail"}, {"Northern Hotels Group", "hospitality"},
    {"Bright Events GmbH", "events"}, {"Casa Interiors SA", "interior design"},
    {"Tokyo Living KK", "retail"},
};

/* Member slot -> roles and title; the gaps of orgs.h are applied on top. */
typedef struct slot_role {
    const char *roles[2];
    const char *title;
} slot_role;

static const slot_role SLOTS[MAX_MEMBERS] = {
    {{"decision_maker", NULL}, "Managing Director"},
    {{"initiator_internal", NULL}, "Purchasing Manager"},
    {{"influencer_internal", "user"}, "Head of Design"},
    {{"executor", NULL}, "Buyer"},
    {{"influencer_external", NULL}, "Consultant"},
};

static const synth_input *sort_input;

static int by_purchases_desc(const void *a, const void *b)
{
    const synth_customer *x = &sort_input->customers[*(const size_t *)a];
    const synth_customer *y = &sort_input->customers[*(const size_t *)b];
    if (x->purchases != y->purchases)
        return x->purchases > y->purchases ? -1 : 1;
    return strcmp(x->key, y->key);
}

static json_t *roles_of(int org, size_t slot)
{
    const char *first = SLOTS[slot].roles[0], *second = SLOTS[slot].roles[1];
    if (org == NO_DECISION_MAKER_ORG && slot == 0)
        first = "user";
    if (org == NO_INFLUENCER_ORG && slot == 2)
        first = NULL;
    if (org == NO_INFLUENCER_ORG && slot == 4)
        first = "executor";
    json_t *roles = json_array();
    if (roles && first && json_array_append_new(roles, json_string(first)) != 0)
        goto fail;
    if (roles && second && json_array_append_new(roles, json_string(second)) != 0)
        goto fail;
    return roles;
fail:
    json_decref(roles);
    return NULL;
}

static bool emit_org(synth_rng *rng, int org, const char *org_key, const synth_customer *lead, int64_t ts,
                     synth_out *out)
{
    char id[SYNTH_ID_MAX + 1], owner[32];
    synth_id(id, "org:%s", org_key);
    snprintf(owner, sizeof owner, "account-manager-%d", (org - 1) % 2 + 1);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "name", json_string(ORG_PROFILES[org - 1].name), &ok);
    synth_set(data, "industry", json_string(ORG_PROFILES[org - 1].industry), &ok);
    synth_set(data, "size", json_integer(synth_between(rng, 20, 2000)), &ok);
    const char *zone = lead->country ? retail_country_timezone(lead->country) : NULL;
    if (lead->country)
        synth_set(data, "country", json_string(lead->country), &ok);
    if (zone)
        synth_set(data, "timezone", json_string(zone), &ok);
    synth_set(data, "owner", json_string(owner), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(out, id, "org.upsert", ts, org_key, NULL, data);
}

static bool emit_stakeholder(synth_rng *rng, int org, size_t slot, const char *org_key, const char *person,
                             int64_t ts, synth_out *out)
{
    static const char *const ATTITUDES[] = {"supporter", "neutral", "opponent"};
    static const unsigned ATTITUDE_WEIGHTS[] = {50, 35, 15};
    bool champion = org == CHAMPION_ORG && slot == CHAMPION_SLOT;
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "stake:%s:%s", org_key, person);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "roles", roles_of(org, slot), &ok);
    synth_set(data, "influence", json_integer(champion ? 5 : synth_between(rng, 1, 5)), &ok);
    synth_set(data, "attitude", json_string(champion ? "supporter" : ATTITUDES[synth_weighted(rng, ATTITUDE_WEIGHTS, 3)]), &ok);
    synth_set(data, "title", json_string(SLOTS[slot].title), &ok);
    synth_set(data, "interests_collective", json_string("reliable supply at a fair price"), &ok);
    synth_set(data, "interests_personal", json_string(slot == 0 ? "recognition" : "an easy working day"), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(out, id, "stakeholder.upsert", ts, org_key, person, data);
}

static bool emit_champion_left(const char *org_key, const char *person, int64_t ts, synth_out *out)
{
    char id[SYNTH_ID_MAX + 1];
    synth_id(id, "left:%s:%s", org_key, person);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "reason", json_string("moved to another company"), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(out, id, "stakeholder.left", ts, org_key, person, data);
}

static bool emit_one_org(uint64_t seed, const synth_input *input, int org, const size_t *members, size_t count,
                         synth_out *out)
{
    char org_key[32];
    snprintf(org_key, sizeof org_key, "syn-org-%d", org);
    synth_rng rng = synth_rng_for(seed, org_key, "org");
    int64_t ts = 0;
    for (size_t i = 0; i < count; i++)
        if (input->customers[members[i]].first_ts > ts)
            ts = input->customers[members[i]].first_ts;
    ts += DAY_MS;
    bool ok = emit_org(&rng, org, org_key, &input->customers[members[0]], ts, out);
    for (size_t slot = 0; ok && slot < count; slot++)
        ok = emit_stakeholder(&rng, org, slot, org_key, input->customers[members[slot]].key,
                              ts + (int64_t)slot + 1, out);
    if (ok && org == CHAMPION_ORG && count > CHAMPION_SLOT && input->last_ts > ts)
        ok = emit_champion_left(org_key, input->customers[members[CHAMPION_SLOT]].key,
                                ts + (int64_t)((double)(input->last_ts - ts) * 0.6), out);
    return ok;
}

bool synth_emit_orgs(uint64_t seed, const synth_input *input, synth_out *out)
{
    size_t *ranked = malloc((input->customer_count + 1) * sizeof *ranked);
    if (!ranked)
        return false;
    size_t buyers = 0;
    for (size_t i = 0; i < input->customer_count; i++)
        if (input->customers[i].purchases > 0)
            ranked[buyers++] = i;
    sort_input = input;
    qsort(ranked, buyers, sizeof *ranked, by_purchases_desc);
    synth_rng sizes = synth_rng_for(seed, "orgs", "sizes");
    size_t next = 0;
    bool ok = true;
    for (int org = 1; org <= ORGS && ok; org++) {
        size_t count = (size_t)synth_between(&sizes, 3, MAX_MEMBERS);
        if (next + count > buyers)
            break;
        ok = emit_one_org(seed, input, org, ranked + next, count, out);
        next += count;
    }
    free(ranked);
    return ok;
}
