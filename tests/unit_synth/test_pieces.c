/*
 * test_pieces.c - rapport-synth's small pure pieces: keyed random streams,
 * id labelling and shortening, the synthetic event envelope, dropping events
 * after the data's end, the stable sort, the persona rates, and the local
 * day arithmetic that times the care follow-ups (DST, zones east and west),
 * and the model of when the survey plugin sends a customer's surveys
 * (fatigue, contact budget with deferral and its limit, ties).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "localday.h"
#include "out.h"
#include "persona.h"
#include "rng.h"
#include "surveyplan.h"

static void streams_depend_on_seed_key_and_purpose(void **state)
{
    (void)state;
    synth_rng a = synth_rng_for(1, "c17850", "care"), b = synth_rng_for(1, "c17850", "care");
    for (int i = 0; i < 10; i++)
        assert_true(synth_next(&a) == synth_next(&b));
    synth_rng seed2 = synth_rng_for(2, "c17850", "care");
    synth_rng other_key = synth_rng_for(1, "c17851", "care");
    synth_rng other_purpose = synth_rng_for(1, "c17850", "survey");
    synth_rng split1 = synth_rng_for(1, "ab", "c"), split2 = synth_rng_for(1, "a", "bc");
    a = synth_rng_for(1, "c17850", "care");
    uint64_t first = synth_next(&a);
    assert_true(first != synth_next(&seed2));
    assert_true(first != synth_next(&other_key));
    assert_true(first != synth_next(&other_purpose));
    assert_true(synth_next(&split1) != synth_next(&split2));
}

static void draws_stay_in_their_ranges(void **state)
{
    (void)state;
    synth_rng rng = synth_rng_for(9, "range", "");
    int seen[3] = {0};
    unsigned weights[] = {0, 3, 1};
    size_t weighted[3] = {0};
    for (int i = 0; i < 10000; i++) {
        int64_t v = synth_between(&rng, 3, 5);
        assert_true(v >= 3 && v <= 5);
        seen[v - 3]++;
        double u = synth_uniform(&rng);
        assert_true(u >= 0.0 && u < 1.0);
        weighted[synth_weighted(&rng, weights, 3)]++;
    }
    assert_true(seen[0] > 3000 && seen[1] > 3000 && seen[2] > 3000);
    assert_int_equal(weighted[0], 0);
    assert_true(weighted[1] > 7000 && weighted[2] > 2000);
    assert_int_equal(synth_between(&rng, 7, 7), 7);
    assert_int_equal(synth_below(&rng, 0), 0);
}

static void ids_are_labelled_and_fit_the_wire(void **state)
{
    (void)state;
    char id[SYNTH_ID_MAX + 1], again[SYNTH_ID_MAX + 1], other[SYNTH_ID_MAX + 1];
    synth_id(id, "cu:%s", "c17850");
    assert_string_equal(id, "syn:cu:c17850");
    char long_key[300];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    synth_id(id, "ref:%s:a", long_key);
    synth_id(again, "ref:%s:a", long_key);
    synth_id(other, "ref:%s:b", long_key);
    assert_int_equal(strlen(id), SYNTH_ID_MAX);
    assert_memory_equal(id, "syn:ref:kkk", 11);
    assert_string_equal(id, again);
    assert_string_not_equal(id, other);
    assert_int_equal(id[SYNTH_ID_MAX - 17], '~');
}

static json_t *channel_data(const char *channel)
{
    json_t *data = json_object();
    json_object_set_new(data, "channel", json_string(channel));
    return data;
}

static void events_keep_the_wire_key_order_and_stop_at_the_end(void **state)
{
    (void)state;
    synth_out out;
    synth_out_init(&out, "acme", 100);
    assert_true(synth_emit(&out, "syn:b", "contact", 50, NULL, "c1", channel_data("email")));
    assert_true(synth_emit(&out, "syn:a", "contact", 20, NULL, "c1", channel_data("sms")));
    assert_true(synth_emit(&out, "syn:c", "contact", 50, NULL, "c2", channel_data("phone")));
    assert_true(synth_emit(&out, "syn:late", "contact", 101, NULL, "c1", channel_data("phone")));
    assert_true(synth_emit(&out, "syn:s", "stakeholder.left", 60, "o1", "c1", NULL));
    assert_int_equal(out.count, 4);
    assert_int_equal(out.dropped_late, 1);
    synth_out_sort(&out);
    assert_string_equal(out.events[0].line,
                        "{\"id\":\"syn:a\",\"type\":\"contact\",\"ts\":20,\"tenant\":\"acme\",\"customer\":\"c1\","
                        "\"data\":{\"channel\":\"sms\"}}");
    /* equal ts: the order of emission */
    assert_non_null(strstr(out.events[1].line, "\"id\":\"syn:b\""));
    assert_non_null(strstr(out.events[2].line, "\"id\":\"syn:c\""));
    assert_string_equal(out.events[3].line,
                        "{\"id\":\"syn:s\",\"type\":\"stakeholder.left\",\"ts\":60,\"tenant\":\"acme\","
                        "\"org\":\"o1\",\"customer\":\"c1\",\"data\":{}}");
    assert_int_equal(out.type_count, 2);
    assert_string_equal(out.types[0].type, "contact");
    assert_int_equal(out.types[0].count, 3);
    synth_out_free(&out);
}

static void personas_follow_their_rates(void **state)
{
    (void)state;
    int unhappy = 0, email = 0, marketing = 0;
    for (int i = 0; i < 20000; i++) {
        char key[16];
        snprintf(key, sizeof key, "c%d", i);
        synth_persona p = synth_persona_of(5, key);
        synth_persona q = synth_persona_of(5, key);
        assert_true(p.mood == q.mood && p.channel == q.channel && p.style == q.style);
        unhappy += p.mood == SYNTH_UNHAPPY;
        email += strcmp(p.channel, "email") == 0;
        marketing += p.consent_marketing;
    }
    assert_in_range(unhappy, 2000, 2800);      /* 12 % */
    assert_in_range(email, 8400, 9600);        /* 45 % */
    assert_in_range(marketing, 13400, 14600);  /* 70 % */
}

/* The instant the care plugin's follow-up falls due: the purchase's local
 * date plus N days, at 10:00 local (values from Python's zoneinfo). */
static void care_due_times_follow_the_local_calendar(void **state)
{
    (void)state;
    int64_t at = 0;
    /* London: 25 March 2011 + 2 days is the spring-forward Sunday, 10:00 BST */
    assert_true(synth_local_day_at("Europe/London", 1301054400000LL, 2, 600, &at));
    assert_true(at == 1301216400000LL);
    /* Sydney: 20:00 UTC is already the next local day */
    assert_true(synth_local_day_at("Australia/Sydney", 1291233600000LL, 2, 600, &at));
    assert_true(at == 1291417200000LL);
    /* New York: 02:30 UTC is still the day before; a week later is after the fall-back */
    assert_true(synth_local_day_at("America/New_York", 1320114600000LL, 7, 600, &at));
    assert_true(at == 1320678000000LL);
    /* no zone: UTC, like the care plugin's default; and back to a zone again */
    assert_true(synth_local_day_at(NULL, 1291247940000LL, 2, 600, &at));
    assert_true(at == 1291370400000LL);
    assert_true(synth_local_day_at("Europe/London", 1301054400000LL, 2, 600, &at));
    assert_true(at == 1301216400000LL);
}

#define DAY_MS 86400000LL
#define T0 1293876000000LL   /* 2011-01-01 10:00 UTC */

static void plan_one_customer(synth_survey *surveys, size_t n, const int64_t *touches, size_t touch_count,
                              const int64_t *requests, size_t request_count)
{
    synth_survey_customer c = {surveys, n, touches, touch_count, requests, request_count};
    assert_true(synth_survey_plan(&c));
}

/* A purchase at 12:00 on day 0 with the care plugin's follow-ups: the
 * survey due on day 7 at 10:00 meets the usage check at the same instant
 * (budget 1 per 7 days), so it goes out a week later; without contact
 * consent only the see-off is in the ledger and it waits two hours. */
static void surveys_wait_for_the_contact_budget(void **state)
{
    (void)state;
    int64_t bought = T0 + 2 * 3600000LL;
    int64_t care[] = {bought, T0 + 2 * DAY_MS, T0 + 7 * DAY_MS};
    synth_survey s = {.due_ms = T0 + 7 * DAY_MS};
    plan_one_customer(&s, 1, care, 3, NULL, 0);
    assert_true(s.sent_ms == T0 + 14 * DAY_MS);
    assert_false(s.tied);
    plan_one_customer(&s, 1, care, 1, NULL, 0);
    assert_true(s.sent_ms == bought + 7 * DAY_MS);
    /* No touch at all: on its due time. */
    plan_one_customer(&s, 1, NULL, 0, NULL, 0);
    assert_true(s.sent_ms == T0 + 7 * DAY_MS);
}

/* Four touches in every 30 days keep the budget full past the 14 days a
 * survey may be deferred: suppressed. */
static void a_full_budget_suppresses(void **state)
{
    (void)state;
    int64_t busy[16];
    for (int i = 0; i < 16; i++)
        busy[i] = T0 - 30 * DAY_MS + i * 7 * DAY_MS + 3600000LL;   /* weekly, 11:00 */
    synth_survey s = {.due_ms = T0 + 7 * DAY_MS};
    plan_one_customer(&s, 1, busy, 16, NULL, 0);
    assert_true(s.sent_ms == SYNTH_SURVEY_NOT_SENT);
}

/* At most one survey in 30 days, counting unsolicited answers, which the
 * plugin records as requests; a detractor's answer adds the care follow-up
 * to the ledger. */
static void fatigue_and_follow_ups(void **state)
{
    (void)state;
    synth_survey two[] = {{.due_ms = T0}, {.due_ms = T0 + 10 * DAY_MS}, {.due_ms = T0 + 30 * DAY_MS}};
    plan_one_customer(two, 3, NULL, 0, NULL, 0);
    assert_true(two[0].sent_ms == T0);
    assert_true(two[1].sent_ms == SYNTH_SURVEY_NOT_SENT);   /* 10 days after the first */
    assert_true(two[2].sent_ms == T0 + 30 * DAY_MS);        /* 30 days: allowed again */
    int64_t form = T0 - 5 * DAY_MS;
    plan_one_customer(two, 1, NULL, 0, &form, 1);
    assert_true(two[0].sent_ms == SYNTH_SURVEY_NOT_SENT);
    /* Answered by a detractor late, 27 days after it was sent: the care
     * follow-up then is 3 days before the next survey, which waits for the
     * 7-day window to clear; a satisfied answer asks for no call. */
    synth_survey unhappy[] = {{.due_ms = T0, .answers = true, .detractor = true, .answer_delay_ms = 27 * DAY_MS},
                              {.due_ms = T0 + 30 * DAY_MS}};
    plan_one_customer(unhappy, 2, NULL, 0, NULL, 0);
    assert_true(unhappy[0].sent_ms == T0);
    assert_true(unhappy[1].sent_ms == T0 + 34 * DAY_MS);
    unhappy[0].detractor = false;
    plan_one_customer(unhappy, 2, NULL, 0, NULL, 0);
    assert_true(unhappy[1].sent_ms == T0 + 30 * DAY_MS);
}

/* Two surveys due together: one goes out, but which one is the plugin's
 * choice, so the sent one is marked tied. */
static void surveys_due_together_are_tied(void **state)
{
    (void)state;
    synth_survey pair[] = {{.due_ms = T0}, {.due_ms = T0}};
    plan_one_customer(pair, 2, NULL, 0, NULL, 0);
    assert_true(pair[0].sent_ms == T0 && pair[0].tied);
    assert_true(pair[1].sent_ms == SYNTH_SURVEY_NOT_SENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(streams_depend_on_seed_key_and_purpose),
        cmocka_unit_test(draws_stay_in_their_ranges),
        cmocka_unit_test(ids_are_labelled_and_fit_the_wire),
        cmocka_unit_test(events_keep_the_wire_key_order_and_stop_at_the_end),
        cmocka_unit_test(personas_follow_their_rates),
        cmocka_unit_test(care_due_times_follow_the_local_calendar),
        cmocka_unit_test(surveys_wait_for_the_contact_budget),
        cmocka_unit_test(a_full_budget_suppresses),
        cmocka_unit_test(fatigue_and_follow_ups),
        cmocka_unit_test(surveys_due_together_are_tied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
