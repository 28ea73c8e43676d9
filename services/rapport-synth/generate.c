/* generate.c - the fallback purchase stream (see generate.h). */
#include "generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "countries.h"
#include "out.h"
#include "rng.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])
#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)
#define START_MS 1291161600000LL      /* 2010-12-01T00:00:00Z, the data set's first day */
#define MONTH_MS (DAY_MS * 30 + DAY_MS * 7 / 16)   /* 30.4375 days */
#define FIRST_CUSTOMER 50001
#define FIRST_INVOICE 600000
#define FIRST_CANCELLATION 700000

typedef enum gen_kind { GEN_PROFILE, GEN_PURCHASE, GEN_REFUND } gen_kind;

typedef struct gen_event {
    int64_t ts_ms;
    unsigned customer;    /* 0-based */
    gen_kind kind;
    unsigned k;           /* the customer's k-th order (refund: of the order refunded) */
} gen_event;

typedef struct gen_plan {
    gen_event *events;
    size_t count, cap;
} gen_plan;

typedef struct product {
    const char *sku, *description;
    int64_t price_cents;
} product;

static const product CATALOGUE[] = {
    {"85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 255}, {"71053", "WHITE METAL LANTERN", 339},
    {"84406B", "CREAM CUPID HEARTS COAT HANGER", 275}, {"22752", "SET 7 BABUSHKA NESTING BOXES", 765},
    {"21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 425}, {"22633", "HAND WARMER UNION JACK", 185},
    {"84879", "ASSORTED COLOUR BIRD ORNAMENT", 169}, {"22745", "POPPY'S PLAYHOUSE BEDROOM", 210},
    {"21754", "HOME BUILDING BLOCK WORD", 595}, {"22960", "JAM MAKING SET WITH JARS", 425},
    {"21212", "PACK OF 72 RETROSPOT CAKE CASES", 55}, {"85099B", "JUMBO BAG RED RETROSPOT", 195},
    {"47566", "PARTY BUNTING", 495}, {"22423", "REGENCY CAKESTAND 3 TIER", 1275},
    {"20725", "LUNCH BAG RED RETROSPOT", 165}, {"22197", "SMALL POPCORN HOLDER", 85},
};

static const char *const OTHER_COUNTRIES[] = {"Germany", "France", "EIRE", "Spain", "Netherlands",
                                              "Belgium", "Switzerland", "Portugal", "Australia", "Norway"};

static bool add(gen_plan *plan, gen_event event)
{
    if (plan->count == plan->cap) {
        size_t next = plan->cap ? plan->cap * 2 : 4096;
        gen_event *bigger = realloc(plan->events, next * sizeof *bigger);
        if (!bigger)
            return false;
        plan->events = bigger;
        plan->cap = next;
    }
    plan->events[plan->count++] = event;
    return true;
}

static void customer_key(unsigned customer, char *key, size_t size)
{
    snprintf(key, size, "%u", FIRST_CUSTOMER + customer);
}

/* How many orders a customer places: the skew of generate.h. */
static unsigned order_count(synth_rng *rng)
{
    static const unsigned GROUP_WEIGHTS[] = {45, 30, 20, 5};
    switch (synth_weighted(rng, GROUP_WEIGHTS, COUNT(GROUP_WEIGHTS))) {
    case 0: return 1;
    case 1: return (unsigned)synth_between(rng, 2, 4);
    case 2: return (unsigned)synth_between(rng, 5, 15);
    default: return (unsigned)synth_between(rng, 20, 120);
    }
}

/* A moment during opening hours on the day that contains ts. */
static int64_t opening_hours(synth_rng *rng, int64_t ts)
{
    return ts - ts % DAY_MS + synth_between(rng, 8 * 60, 18 * 60 - 1) * 60000;
}

static bool plan_customer(const synth_generate_options *opt, unsigned customer, int64_t end, gen_plan *plan)
{
    char key[16];
    customer_key(customer, key, sizeof key);
    synth_rng rng = synth_rng_for(opt->seed, key, "generate");
    int64_t span = end - START_MS;
    int64_t arrival = synth_chance(&rng, 0.30) ? START_MS + synth_between(&rng, 0, span / 20)
                                                : START_MS + synth_between(&rng, 0, span - DAY_MS);
    unsigned orders = order_count(&rng);
    int64_t active_end = end - DAY_MS;
    if (orders > 1 && synth_chance(&rng, 0.25))
        active_end = arrival + (int64_t)(synth_uniform(&rng) * (double)(active_end - arrival));
    int64_t first = opening_hours(&rng, arrival);
    bool ok = add(plan, (gen_event){first, customer, GEN_PROFILE, 0}) &&
              add(plan, (gen_event){first, customer, GEN_PURCHASE, 0});
    for (unsigned k = 1; k < orders && ok; k++) {
        int64_t when = opening_hours(&rng, synth_between(&rng, arrival + DAY_MS, active_end));
        ok = add(plan, (gen_event){when < first ? first : when, customer, GEN_PURCHASE, k});
    }
    for (unsigned k = 0; k < orders && ok; k++) {
        char purpose[32];
        snprintf(purpose, sizeof purpose, "refund-%u", k);
        synth_rng refund = synth_rng_for(opt->seed, key, purpose);
        if (synth_chance(&refund, 0.03))
            ok = add(plan, (gen_event){0, customer, GEN_REFUND, k});
    }
    return ok;
}

static int by_time(const void *a, const void *b)
{
    const gen_event *x = a, *y = b;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms < y->ts_ms ? -1 : 1;
    if (x->customer != y->customer)
        return x->customer < y->customer ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

static int by_customer_order(const void *a, const void *b)
{
    const gen_event *x = a, *y = b;
    if (x->customer != y->customer)
        return x->customer < y->customer ? -1 : 1;
    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    return x->kind < y->kind ? -1 : x->kind > y->kind;
}

/* Refunds come 1-14 days after the order they cancel: the plan holds them
 * without a time until the orders have theirs. */
static void time_refunds(const synth_generate_options *opt, gen_plan *plan)
{
    qsort(plan->events, plan->count, sizeof *plan->events, by_customer_order);
    for (size_t i = 1; i < plan->count; i++) {
        gen_event *refund = &plan->events[i];
        const gen_event *order = &plan->events[i - 1];
        if (refund->kind != GEN_REFUND)
            continue;
        char key[16], purpose[32];
        customer_key(refund->customer, key, sizeof key);
        snprintf(purpose, sizeof purpose, "refund-time-%u", refund->k);
        synth_rng rng = synth_rng_for(opt->seed, key, purpose);
        refund->ts_ms = opening_hours(&rng, order->ts_ms + synth_between(&rng, DAY_MS, 14 * DAY_MS));
    }
    qsort(plan->events, plan->count, sizeof *plan->events, by_time);
}

/* The lines of one order (or cancellation) and their total in pence. */
static json_t *order_items(synth_rng *rng, bool cancellation, int64_t *total_cents)
{
    static const int64_t QUANTITIES[] = {1, 2, 3, 4, 6, 8, 12, 24};
    static const unsigned QUANTITY_WEIGHTS[] = {20, 15, 8, 12, 15, 6, 18, 6};
    size_t lines = cancellation ? 1 : (size_t)synth_between(rng, 1, 12);
    size_t first = synth_below(rng, COUNT(CATALOGUE));
    json_t *items = json_array();
    *total_cents = 0;
    for (size_t i = 0; items && i < lines; i++) {
        /* consecutive catalogue entries: no product twice in an order */
        const product *p = &CATALOGUE[(first + i) % COUNT(CATALOGUE)];
        int64_t qty = QUANTITIES[synth_weighted(rng, QUANTITY_WEIGHTS, COUNT(QUANTITY_WEIGHTS))];
        json_t *item = json_object();
        bool ok = item != NULL;
        synth_set(item, "sku", json_string(p->sku), &ok);
        synth_set(item, "qty", json_integer(qty), &ok);
        synth_set(item, "unit_price", json_real((double)p->price_cents / 100.0), &ok);
        synth_set(item, "description", json_string(p->description), &ok);
        if (!ok || json_array_append_new(items, item) != 0) {
            json_decref(item);
            json_decref(items);
            return NULL;
        }
        *total_cents += qty * p->price_cents;
    }
    return items;
}

typedef struct writer {
    const synth_generate_options *opt;
    synth_out *out;
    unsigned next_invoice, next_cancellation;
} writer;

static const char *country_of(const synth_generate_options *opt, unsigned customer)
{
    char key[16];
    customer_key(customer, key, sizeof key);
    synth_rng rng = synth_rng_for(opt->seed, key, "country");
    if (synth_chance(&rng, 0.88))
        return "United Kingdom";
    return OTHER_COUNTRIES[synth_below(&rng, COUNT(OTHER_COUNTRIES))];
}

static bool write_profile(writer *w, const gen_event *event, const char *key, const char *customer)
{
    const char *country = country_of(w->opt, event->customer);
    char id[64];
    snprintf(id, sizeof id, "cu:%s", key);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "country", json_string(country), &ok);
    const char *zone = retail_country_timezone(country);
    if (zone)
        synth_set(data, "timezone", json_string(zone), &ok);
    synth_set(data, "first_seen_ms", json_integer(event->ts_ms), &ok);
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(w->out, id, "customer.upsert", event->ts_ms, NULL, customer, data);
}

static bool write_order(writer *w, const gen_event *event, const char *key, const char *customer)
{
    bool refund = event->kind == GEN_REFUND;
    char invoice[32], id[48], purpose[32];
    if (refund)
        snprintf(invoice, sizeof invoice, "C%u", w->next_cancellation++);
    else
        snprintf(invoice, sizeof invoice, "%u", w->next_invoice++);
    snprintf(id, sizeof id, "%s%s", refund ? "ref:" : "inv:", invoice);
    snprintf(purpose, sizeof purpose, "%s-%u", refund ? "refund-items" : "items", event->k);
    synth_rng rng = synth_rng_for(w->opt->seed, key, purpose);
    int64_t cents = 0;
    json_t *items = order_items(&rng, refund, &cents);
    json_t *data = json_object();
    bool ok = data != NULL;
    synth_set(data, "order_id", json_string(invoice), &ok);
    synth_set(data, "amount", json_real((double)cents / 100.0), &ok);
    synth_set(data, "currency", json_string("GBP"), &ok);
    synth_set(data, "items", items, &ok);
    if (refund) {
        synth_set(data, "reason", json_string("cancellation"), &ok);
    } else {
        synth_set(data, "channel", json_string("online"), &ok);
        synth_set(data, "country", json_string(country_of(w->opt, event->customer)), &ok);
    }
    if (!ok) {
        json_decref(data);
        return false;
    }
    return synth_emit(w->out, id, refund ? "refund" : "purchase", event->ts_ms, NULL, customer, data);
}

static bool write_plan(const synth_generate_options *opt, const gen_plan *plan, int64_t end, FILE *to)
{
    synth_out out;
    synth_out_init(&out, opt->tenant, end);
    writer w = {opt, &out, FIRST_INVOICE, FIRST_CANCELLATION};
    bool ok = true;
    for (size_t i = 0; i < plan->count && ok; i++) {
        const gen_event *event = &plan->events[i];
        char key[16], customer[24];
        customer_key(event->customer, key, sizeof key);
        snprintf(customer, sizeof customer, "c%s", key);
        ok = event->kind == GEN_PROFILE ? write_profile(&w, event, key, customer)
                                        : write_order(&w, event, key, customer);
    }
    for (size_t i = 0; i < out.count && ok; i++)
        ok = fputs(out.events[i].line, to) >= 0 && fputc('\n', to) != EOF;
    ok = ok && fflush(to) == 0 && !ferror(to);
    if (ok)
        fprintf(stderr, "rapport-synth: generated %zu events for %u customers over %u months "
                        "(%zu refunds past the end dropped)\n",
                out.count, opt->customers, opt->months, out.dropped_late);
    synth_out_free(&out);
    return ok;
}

bool synth_generate(const synth_generate_options *opt, FILE *to)
{
    int64_t end = START_MS + (int64_t)opt->months * MONTH_MS;
    gen_plan plan = {0};
    bool ok = true;
    for (unsigned customer = 0; customer < opt->customers && ok; customer++)
        ok = plan_customer(opt, customer, end, &plan);
    if (ok) {
        time_refunds(opt, &plan);
        ok = write_plan(opt, &plan, end, to);
    } else {
        fprintf(stderr, "rapport-synth: out of memory\n");
    }
    free(plan.events);
    return ok;
}
