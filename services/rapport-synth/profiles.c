/* profiles.c - profile enrichments (see profiles.h). */
#include "profiles.h"

#include <stdio.h>
#include <string.h>

#include "countries.h"
#include "persona.h"
#include "rng.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

typedef struct job {
    const char *profession, *industry;
} job;

static const job JOBS[] = {
    {"shop owner", "retail"}, {"buyer", "retail"}, {"interior designer", "design"},
    {"teacher", "education"}, {"nurse", "healthcare"}, {"accountant", "finance"},
    {"software engineer", "technology"}, {"event planner", "hospitality"},
    {"florist", "retail"}, {"cafe owner", "hospitality"}, {"architect", "construction"},
    {"marketing manager", "media"},
};
static const char *const HOBBIES[] = {"gardening", "baking", "cycling", "reading", "travel",
                                      "crafts", "music", "photography", "football", "yoga"};
static const char *const RELATIONS[] = {"spouse", "child", "child", "parent", "sibling"};
static const char *const NAMES[] = {"Alex", "Sam", "Charlie", "Jamie", "Robin", "Maria",
                                    "Lena", "Tom", "Ava", "Noah", "Emma", "Luca"};
static const char *const ANNIVERSARIES[] = {"wedding", "company founded", "moved in"};

/* "--MM-DD", or "YYYY-MM-DD" with a year in [year_lo, year_hi]. February
 * stops at the 28th so every date exists in every year. */
static json_t *random_date(synth_rng *rng, bool with_year, int year_lo, int year_hi)
{
    static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int month = (int)synth_between(rng, 1, 12);
    int day = (int)synth_between(rng, 1, DAYS[month - 1]);
    char text[16];
    if (with_year)
        snprintf(text, sizeof text, "%04d-%02d-%02d", (int)synth_between(rng, year_lo, year_hi), month, day);
    else
        snprintf(text, sizeof text, "--%02d-%02d", month, day);
    return json_string(text);
}

static json_t *family(synth_rng *rng)
{
    json_t *members = json_array();
    int count = (int)synth_between(rng, 1, 3);
    for (int i = 0; members && i < count; i++) {
        json_t *member = json_object();
        bool ok = member != NULL;
        synth_set(member, "name", json_string(NAMES[synth_below(rng, COUNT(NAMES))]), &ok);
        synth_set(member, "relation", json_string(RELATIONS[synth_below(rng, COUNT(RELATIONS))]), &ok);
        synth_set(member, "birthday", random_date(rng, synth_chance(rng, 0.5), 1940, 2010), &ok);
        if (!ok || json_array_append_new(members, member) != 0) {
            json_decref(members);
            return NULL;
        }
    }
    return members;
}

static json_t *anniversaries(synth_rng *rng)
{
    json_t *list = json_array();
    json_t *entry = json_object();
    bool ok = list && entry;
    synth_set(entry, "label", json_string(ANNIVERSARIES[synth_below(rng, COUNT(ANNIVERSARIES))]), &ok);
    synth_set(entry, "date", random_date(rng, true, 1970, 2009), &ok);
    if (!ok || json_array_append_new(list, entry) != 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}

static json_t *hobbies(synth_rng *rng)
{
    json_t *list = json_array();
    size_t first = synth_below(rng, COUNT(HOBBIES));
    size_t count = (size_t)synth_between(rng, 1, 3);
    for (size_t i = 0; list && i < count; i++) {
        /* consecutive entries of the list: never the same hobby twice */
        if (json_array_append_new(list, json_string(HOBBIES[(first + i) % COUNT(HOBBIES)])) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *consent(const synth_persona *persona)
{
    json_t *map = json_object();
    bool ok = map != NULL;
    synth_set(map, "contact", json_boolean(persona->consent_contact), &ok);
    synth_set(map, "marketing", json_boolean(persona->consent_marketing), &ok);
    synth_set(map, "profiling", json_boolean(persona->consent_profiling), &ok);
    if (!ok) {
        json_decref(map);
        return NULL;
    }
    return map;
}

static json_t *profile_data(uint64_t seed, const synth_customer *customer, const char *referrer)
{
    synth_persona persona = synth_persona_of(seed, customer->key);
    synth_rng rng = synth_rng_for(seed, customer->key, "profile");
    json_t *data = json_object();
    bool ok = data != NULL;
    char email[300];
    synth_email_of(customer->key, email, sizeof email);
    synth_set(data, "email", json_string(email), &ok);
    synth_set(data, "birthday", random_date(&rng, synth_chance(&rng, 0.3), 1940, 1995), &ok);
    const char *zone = customer->country ? retail_country_timezone(customer->country) : NULL;
    if (zone)
        synth_set(data, "timezone", json_string(zone), &ok);
    synth_set(data, "preferred_channel", json_string(persona.channel), &ok);
    synth_set(data, "consent", consent(&persona), &ok);
    if (synth_chance(&rng, 0.60))
        synth_set(data, "family", family(&rng), &ok);
    if (synth_chance(&rng, 0.35))
        synth_set(data, "anniversaries", anniversaries(&rng), &ok);
    if (synth_chance(&rng, 0.75)) {
        const job *work = &JOBS[synth_below(&rng, COUNT(JOBS))];
        synth_set(data, "profession", json_string(work->profession), &ok);
        synth_set(data, "industry", json_string(work->industry), &ok);
    }
    if (synth_chance(&rng, 0.50))
        synth_set(data, "hobbies", hobbies(&rng), &ok);
    synth_set(data, "style", json_string(persona.style), &ok);
    if (referrer)
        synth_set(data, "referred_by", json_string(referrer), &ok);
    if (!ok) {
        json_decref(data);
        return NULL;
    }
    return data;
}

bool synth_emit_profiles(uint64_t seed, const synth_input *input, const synth_referrals *plan,
                         synth_out *out)
{
    for (size_t i = 0; i < input->customer_count; i++) {
        const synth_customer *customer = &input->customers[i];
        const char *referrer = plan->referrer[i] == SYNTH_NO_REFERRER
                                   ? NULL : input->customers[plan->referrer[i]].key;
        json_t *data = profile_data(seed, customer, referrer);
        char id[SYNTH_ID_MAX + 1];
        synth_id(id, "cu:%s", customer->key);
        if (!data || !synth_emit(out, id, "customer.upsert", customer->first_ts, NULL, customer->key, data))
            return false;
    }
    return true;
}

/* "YYYY-MM-DD" or "--MM-DD": the month and day are the last five bytes. */
static bool month_day_of(const json_t *date, synth_month_day *out)
{
    const char *text = json_string_value(date);
    size_t n = text ? strlen(text) : 0;
    return n >= 5 && sscanf(text + n - 5, "%2d-%2d", &out->month, &out->day) == 2;
}

/* The dates of a list's entries under `key`, appended to out. */
static size_t list_days(const json_t *list, const char *key, synth_month_day *out, size_t n)
{
    size_t i;
    const json_t *entry;
    json_array_foreach(list, i, entry) {
        if (n < SYNTH_SPECIAL_DAYS_MAX && month_day_of(json_object_get(entry, key), &out[n]))
            n++;
    }
    return n;
}

size_t synth_special_days(uint64_t seed, const synth_customer *customer,
                          synth_month_day out[SYNTH_SPECIAL_DAYS_MAX])
{
    /* The profile itself, drawn again: its days are what the care plugin
     * reads (referred_by changes no draw). */
    json_t *data = profile_data(seed, customer, NULL);
    size_t n = 0;
    if (data && month_day_of(json_object_get(data, "birthday"), &out[n]))
        n++;
    n = list_days(json_object_get(data, "family"), "birthday", out, n);
    n = list_days(json_object_get(data, "anniversaries"), "date", out, n);
    json_decref(data);
    return n;
}
