/* surveys.c - answers to the survey plugin's purchase surveys, and feedback
 * forms (see surveys.h). */
#include "surveys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aftercare.h"
#include "countries.h"
#include "holidays.h"
#include "localday.h"
#include "market.h"
#include "persona.h"
#include "profiles.h"
#include "rng.h"
#include "surveyplan.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])
#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)
#define ANSWER_SHARE 0.35
#define FEEDBACK_SHARE 0.01
/* The plugins' defaults: the survey plugin asks on the purchase's local
 * day + 7 (a resolved complaint's + 1) at 10:00 (purchase_delay,
 * complaint_delay, send_hour); the care plugin's greeting and usage check
 * are due on days 2 and 7 at 10:00 (purchase_offsets, due_time), and it
 * greets on the UK holidays (holiday_calendar). */
#define PURCHASE_SURVEY_DAYS 7
#define COMPLAINT_SURVEY_DAYS 1
#define GREETING_DAYS 2
#define USAGE_CHECK_DAYS 7
#define DUE_MINUTE (10 * 60)
#define HOLIDAY_CALENDAR "UK"
/* Touches earlier than this before a survey, or later after one, never
 * change it: 30-day window, 14 days of deferral, 7-day answers. */
#define REACH_MS (60 * DAY_MS)
/* The survey plugin reads data.survey_id into 256 bytes. */
#define PLUGIN_SURVEY_ID_MAX 255

/* What one answer says. */
typedef struct answer {
    int nps, csat;
    const char *comment;   /* "" for none */
} answer;

/* A growable list of instants. */
typedef struct instants {
    int64_t *ms;
    size_t count, cap;
    bool oom;
} instants;

static void add_instant(instants *list, int64_t ms)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 64;
        int64_t *more = realloc(list->ms, cap * sizeof *more);
        if (!more) {
            list->oom = true;
            return;
        }
        list->ms = more;
        list->cap = cap;
    }
    list->ms[list->count++] = ms;
}

/* One customer: their orders (indexes into input->orders, time order) and
 * what is drawn and modelled for them. */
typedef struct customer_model {
    uint64_t seed;
    const synth_input *input;
    const synth_customer *who;
    const char *zone;              /* as both plugins know it; NULL: UTC */
    synth_persona persona;
    const size_t *orders;
    size_t order_count;
    const synth_order **purchases; /* the orders that are purchases */
    answer *replies;               /* per purchase: its answer to the plugin */
    answer *forms;                 /* per purchase: its feedback form, if sent */
    instants feedback;             /* per purchase: the form's time, or -1 */
    synth_survey *surveys;         /* per purchase, then per resolved complaint */
    size_t purchase_count, survey_count;
    instants touches;              /* certain first, then possible ones */
    size_t certain_touches;
} customer_model;

/* NPS and CSAT that follow the mood, and maybe a comment. */
static answer draw_answer(synth_rng *rng, synth_mood mood)
{
    static const char *const COMMENTS[] = {"", "Fast delivery", "Lovely products", "Packaging could be better",
                                           "Item arrived late", "Great service"};
    answer a;
    switch (mood) {
    case SYNTH_HAPPY:
        a.nps = synth_chance(rng, 0.8) ? (int)synth_between(rng, 9, 10) : (int)synth_between(rng, 7, 8);
        a.csat = (int)synth_between(rng, 4, 5);
        break;
    case SYNTH_NEUTRAL:
        a.nps = synth_chance(rng, 0.8) ? (int)synth_between(rng, 7, 8) : (int)synth_between(rng, 5, 6);
        a.csat = (int)synth_between(rng, 3, 4);
        break;
    default:
        a.nps = (int)synth_between(rng, 0, 6);
        a.csat = (int)synth_between(rng, 1, 3);
        break;
    }
    a.comment = COMMENTS[synth_below(rng, COUNT(COMMENTS))];
    return a;
}

/* `days` local days after ts at 10:00 in the zone (about then if the time
 * cannot be represented). */
static int64_t local_due(const char *zone, int64_t ts_ms, int days)
{
    int64_t due_ms;
    if (synth_local_day_at(zone, ts_ms, days, DUE_MINUTE, &due_ms))
        return due_ms;
    return ts_ms + days * DAY_MS;
}

/* The purchase's survey, the customer's answer to it and their feedback
 * form: each from its own stream, so nothing depends on the other orders. */
static void describe_purchase(customer_model *m, size_t k)
{
    const synth_order *order = m->purchases[k];
    synth_survey *s = &m->surveys[k];
    synth_rng rng = synth_rng_for(m->seed, order->event_id, "survey-answer");
    *s = (synth_survey){.due_ms = local_due(m->zone, order->ts_ms, PURCHASE_SURVEY_DAYS)};
    s->answers = synth_chance(&rng, ANSWER_SHARE);
    s->answer_delay_ms = synth_chance(&rng, 0.6) ? synth_between(&rng, HOUR_MS, DAY_MS)
                                                 : synth_between(&rng, DAY_MS, 7 * DAY_MS);
    m->replies[k] = draw_answer(&rng, m->persona.mood);
    s->detractor = m->replies[k].nps <= 6 || m->replies[k].csat <= 2;
    synth_rng form = synth_rng_for(m->seed, order->event_id, "feedback");
    bool sends = synth_chance(&form, FEEDBACK_SHARE);
    add_instant(&m->feedback, sends ? order->ts_ms + synth_between(&form, DAY_MS, 10 * DAY_MS) : -1);
    m->forms[k] = draw_answer(&form, m->persona.mood);
}

/* The care plugin's follow-ups of a purchase, placed even over budget. */
static void purchase_touches(customer_model *m, const synth_order *order)
{
    add_instant(&m->touches, order->ts_ms);   /* the see-off, even without contact consent */
    if (!m->persona.consent_contact)
        return;
    add_instant(&m->touches, local_due(m->zone, order->ts_ms, GREETING_DAYS));
    add_instant(&m->touches, local_due(m->zone, order->ts_ms, USAGE_CHECK_DAYS));
}

/* A date's 10:00 in the customer's zone, kept when it is near an order. */
static void add_dated_touch(customer_model *m, int year, int month, int day, int64_t from, int64_t to)
{
    int64_t at;
    if (synth_local_date_at(m->zone, year, month, day, DUE_MINUTE, &at) && at >= from && at <= to)
        add_instant(&m->touches, at);
}

static int year_of(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm utc;
    return gmtime_r(&t, &utc) ? utc.tm_year + 1900 : 1970;
}

/* Touches the care plugin may add whose tier or placement the layer does
 * not know: holiday greetings (tiers vip, key, ordinary), special days,
 * campaigns (consent and tier permitting). Taken as touches on their day. */
static void possible_touches(customer_model *m)
{
    if (!m->persona.consent_contact || m->purchase_count == 0)
        return;
    int64_t from = m->purchases[0]->ts_ms - REACH_MS;
    int64_t to = m->purchases[m->purchase_count - 1]->ts_ms + REACH_MS;
    synth_month_day days[SYNTH_SPECIAL_DAYS_MAX];
    size_t special = synth_special_days(m->seed, m->who, days);
    for (int year = year_of(from); year <= year_of(to); year++) {
        rp_holiday holidays[RP_HOLIDAYS_MAX_PER_YEAR];
        int n = rp_holidays_in_year(HOLIDAY_CALENDAR, year, holidays, RP_HOLIDAYS_MAX_PER_YEAR);
        for (int i = 0; i < n; i++)
            add_dated_touch(m, year, holidays[i].month, holidays[i].day, from, to);
        for (size_t i = 0; i < special; i++)
            add_dated_touch(m, year, days[i].month, days[i].day, from, to);
    }
    int64_t campaigns[SYNTH_CAMPAIGNS];
    size_t count = m->persona.consent_marketing ? synth_campaign_starts(m->input, campaigns) : 0;
    for (size_t i = 0; i < count; i++) {
        int64_t at = local_due(m->zone, campaigns[i], 0);
        add_instant(&m->touches, at >= campaigns[i] ? at : local_due(m->zone, campaigns[i], 1));
    }
}

/* The care plugin's regular contacts (marketing): due when the tier's
 * cadence runs out without a purchase, contact or earlier regular contact.
 * The tier is the scoring plugin's, so the cadences of ordinary, small and
 * potential customers are all taken. Core customers' shorter ones (14 and
 * 21 days) would leave no survey to answer; they buy so often that their
 * purchases' own follow-ups already keep their surveys rare. */
static void possible_regular_touches(customer_model *m)
{
    static const int64_t CADENCES[] = {30 * DAY_MS, 60 * DAY_MS, 90 * DAY_MS};
    if (!m->persona.consent_contact || !m->persona.consent_marketing)
        return;
    for (size_t k = 0; k < m->purchase_count; k++) {
        int64_t from = m->purchases[k]->ts_ms;
        int64_t until = k + 1 < m->purchase_count ? m->purchases[k + 1]->ts_ms
                                                  : from + REACH_MS + CADENCES[COUNT(CADENCES) - 1];
        for (size_t c = 0; c < COUNT(CADENCES); c++)
            for (int64_t at = from + CADENCES[c]; at < until; at += CADENCES[c])
                add_instant(&m->touches, local_due(m->zone, at, 0));
    }
}

/* The survey the plugin arms when a complaint about the order is resolved
 * (the layer's own complaints, aftercare.h). */
static void complaint_survey(customer_model *m, const synth_order *order)
{
    synth_complaint c = synth_complaint_of(m->seed, order, m->persona.mood);
    if (c.happens && c.resolves)
        m->surveys[m->survey_count++] = (synth_survey){
            .due_ms = local_due(m->zone, c.resolved_ms, COMPLAINT_SURVEY_DAYS)};
}

static bool build(customer_model *m)
{
    size_t n = m->order_count;
    m->purchases = malloc(n * sizeof *m->purchases);
    m->replies = malloc(n * sizeof *m->replies);
    m->forms = malloc(n * sizeof *m->forms);
    m->surveys = malloc(2 * n * sizeof *m->surveys);
    if (!m->purchases || !m->replies || !m->forms || !m->surveys)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!m->input->orders[m->orders[i]].refund)
            m->purchases[m->purchase_count++] = &m->input->orders[m->orders[i]];
    m->survey_count = m->purchase_count;
    for (size_t k = 0; k < m->purchase_count; k++) {
        describe_purchase(m, k);
        purchase_touches(m, m->purchases[k]);
    }
    m->certain_touches = m->touches.count;
    possible_touches(m);
    possible_regular_touches(m);
    for (size_t i = 0; i < n; i++)
        complaint_survey(m, &m->input->orders[m->orders[i]]);
    return !m->touches.oom && !m->feedback.oom;
}

/* The model run with the certain touches and with every possible one;
 * `sure` keeps a purchase survey's request time when both send it (more
 * touches can also mean fewer surveys and so less fatigue), else -1. */
static bool plan(customer_model *m, int64_t *sure)
{
    synth_survey *more = malloc(m->survey_count * sizeof *more + 1);
    if (!more)
        return false;
    memcpy(more, m->surveys, m->survey_count * sizeof *more);
    int64_t *requests = malloc(m->purchase_count * sizeof *requests + 1);
    size_t request_count = 0;
    for (size_t k = 0; requests && k < m->purchase_count; k++)
        if (m->feedback.ms[k] >= 0)
            requests[request_count++] = m->feedback.ms[k];
    synth_survey_customer certain = {m->surveys, m->survey_count, m->touches.ms, m->certain_touches,
                                     requests, request_count};
    synth_survey_customer possible = {more, m->survey_count, m->touches.ms, m->touches.count,
                                      requests, request_count};
    bool ok = requests && synth_survey_plan(&certain) && synth_survey_plan(&possible);
    for (size_t k = 0; ok && k < m->purchase_count; k++) {
        const synth_survey *a = &m->surveys[k], *b = &more[k];
        bool sent = a->sent_ms != SYNTH_SURVEY_NOT_SENT && b->sent_ms != SYNTH_SURVEY_NOT_SENT
                    && !a->tied && !b->tied;
        sure[k] = sent ? (a->sent_ms > b->sent_ms ? a->sent_ms : b->sent_ms) : -1;
    }
    free(more);
    free(requests);
    return ok;
}

static bool emit_answer(synth_out *out, const char *id, const char *customer, const char *survey_id,
                        const answer *a, int64_t ts_ms)
{
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "survey_id", json_string(survey_id), &ok);
    synth_set(data, "nps", json_integer(a->nps), &ok);
    synth_set(data, "csat", json_integer(a->csat), &ok);
    if (*a->comment)
        synth_set(data, "comment", json_string(a->comment), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(out, id, "survey.response", ts_ms, NULL, customer, data);
}

/* Purchase k's answers: to the plugin's survey (sent at `sent`, or -1) and
 * a feedback form. */
static bool answer_purchase(const customer_model *m, size_t k, int64_t sent, synth_out *out)
{
    const synth_order *order = m->purchases[k];
    const char *customer = m->who->key;
    char survey_id[PLUGIN_SURVEY_ID_MAX + 2], id[SYNTH_ID_MAX + 1];
    bool ok = true;
    int n = snprintf(survey_id, sizeof survey_id, "purchase:%s:%s", customer, order->order_id);
    if (sent >= 0 && m->surveys[k].answers && n > 0 && n <= PLUGIN_SURVEY_ID_MAX) {
        synth_id(id, "survey:%s", order->event_id);
        ok = emit_answer(out, id, customer, survey_id, &m->replies[k], sent + m->surveys[k].answer_delay_ms);
    }
    if (ok && m->feedback.ms[k] >= 0) {
        synth_id(survey_id, "feedback:%s", order->order_id);
        synth_id(id, "feedback:%s", order->event_id);
        ok = emit_answer(out, id, customer, survey_id, &m->forms[k], m->feedback.ms[k]);
    }
    return ok;
}

static bool customer_surveys(uint64_t seed, const synth_input *input, const size_t *orders, size_t count,
                             synth_out *out)
{
    const synth_customer *who = &input->customers[input->orders[orders[0]].customer];
    customer_model m = {.seed = seed, .input = input, .who = who, .orders = orders, .order_count = count,
                        .zone = who->country ? retail_country_timezone(who->country) : NULL,
                        .persona = synth_persona_of(seed, who->key)};
    int64_t *sure = malloc(count * sizeof *sure);
    bool ok = sure && build(&m) && plan(&m, sure);
    for (size_t k = 0; ok && k < m.purchase_count; k++)
        ok = answer_purchase(&m, k, sure[k], out);
    free(sure);
    free(m.purchases);
    free(m.replies);
    free(m.forms);
    free(m.surveys);
    free(m.feedback.ms);
    free(m.touches.ms);
    return ok;
}

static const synth_input *sort_input;

/* By customer, then time, then input position: independent of qsort. */
static int by_customer_then_time(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const synth_order *p = &sort_input->orders[x], *q = &sort_input->orders[y];
    if (p->customer != q->customer)
        return p->customer < q->customer ? -1 : 1;
    if (p->ts_ms != q->ts_ms)
        return p->ts_ms < q->ts_ms ? -1 : 1;
    return (x > y) - (x < y);
}

bool synth_emit_surveys(uint64_t seed, const synth_input *input, synth_out *out)
{
    size_t n = input->order_count;
    size_t *orders = malloc((n + 1) * sizeof *orders);
    if (!orders)
        return false;
    for (size_t i = 0; i < n; i++)
        orders[i] = i;
    sort_input = input;
    qsort(orders, n, sizeof *orders, by_customer_then_time);
    bool ok = true;
    for (size_t start = 0, end; ok && start < n; start = end) {
        size_t customer = input->orders[orders[start]].customer;
        for (end = start + 1; end < n && input->orders[orders[end]].customer == customer; end++)
            ;
        ok = customer_surveys(seed, input, orders + start, end - start, out);
    }
    free(orders);
    return ok;
}
