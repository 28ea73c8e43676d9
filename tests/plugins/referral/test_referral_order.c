/*
 * test_referral_order.c - same input, same result (issue 18): the referral
 * plugin in a real rapportd on a real PostgreSQL, event clock. One referral
 * scenario (20 events of 14 customers over six weeks) is published in
 * several arrival orders, each into a fresh database, and every order must
 * give the same referral tables and the exact expected facts:
 *
 *  - bob: referred by ann (`referral`, Nov 3) and again by his own profile
 *    two hours later; converts at his first purchase o-b1 (100) on Nov 4;
 *    a later order and a refund (net 300: spend>=300 rewarded);
 *  - cat: her first purchase o-c1 (Nov 9, 40) is inside the 7-day window,
 *    her second o-c2 (Nov 21) is not: the conversion is o-c1 even when o-c2
 *    arrives first (before: the link stayed `expired` for good);
 *  - eve: dan's referral is known from her profile only after her purchase
 *    o-e1 (inside the 1-day grace): converted with o-e1 and 60 (before:
 *    order_id '' and the revenue so far);
 *  - fay referred g1 (g1's profile, on g1's partition), g2 and g3 within a
 *    day, burst_max 2: g3 is held for `burst` whichever link comes last;
 *  - hal referred ivy, whose e-mail is hal's: held for `same_email` whether
 *    the link, ivy's profile or hal's profile comes last (before: only if
 *    both contacts were known when the link was made);
 *  - jon referred kim before ann referred jon: kim's link is at depth 2;
 *    jon converts (500);
 *  - attribution by the month each sale was made, whenever the conversion
 *    was learnt (before: all of it in the conversion's month).
 *
 * Orders (each event published alone and handled before the next, unless
 * said): time order; every link after every purchase and profile; reverse
 * time order (per-customer order broken too); customer by customer, one
 * batch each; one batch of all, customers interleaved by a fixed shuffle,
 * with 1 partition. The last `referral.converted` of each referee states
 * the exact converting order and amount, and exactly one of them is not a
 * correction; in time order there are no corrections at all.
 *
 * Then the tenant clock: the tenant's first event alone (its first run
 * schedules the first key-people cut), then the rest in time order as one
 * batch, with 1, 8 and 64 partitions, gives the same tables including when
 * each key person entered the set, and the same derived events (type,
 * customer, data; and the time of key_person, the cut): the key people are
 * ranked at the cuts, where every partition is at the same instant.
 *
 * Each run ends with an event on Dec 31 which carries the clock past every
 * key-people cut before it; once it is handled, they have fired.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "referral_test.h"

#define B 1698796800000LL    /* 2023-11-01 00:00 UTC */
#define HOUR 3600000LL
#define DAY (24 * HOUR)

typedef struct sc_event {
    const char *id, *type;
    long long ts;
    const char *customer, *data;
} sc_event;

#define SALE(order, amount) "{\"order_id\":\"" order "\",\"amount\":" #amount ",\"currency\":\"EUR\"}"

/* In time order. */
static const sc_event scenario[] = {
    {"u-ann", "customer.upsert", B + HOUR, "ann", "{\"email\":\"ann@x.com\"}"},
    {"r-bob", "referral", B + 2 * DAY, "ann", "{\"referee\":\"bob\"}"},
    {"u-bob", "customer.upsert", B + 2 * DAY + 2 * HOUR, "bob",
     "{\"referred_by\":\"ann\",\"timezone\":\"Europe/London\"}"},
    {"p-bob-1", "purchase", B + 3 * DAY, "bob", SALE("o-b1", 100)},
    {"r-cat", "referral", B + 5 * DAY, "ann", "{\"referee\":\"cat\"}"},
    {"p-cat-1", "purchase", B + 8 * DAY, "cat", SALE("o-c1", 40)},
    {"p-eve-1", "purchase", B + 10 * DAY - 5 * HOUR, "eve", SALE("o-e1", 60)},
    {"u-eve", "customer.upsert", B + 10 * DAY, "eve", "{\"referred_by\":\"dan\"}"},
    {"u-g1", "customer.upsert", B + 12 * DAY - HOUR, "g1", "{\"referred_by\":\"fay\"}"},
    {"r-g2", "referral", B + 12 * DAY, "fay", "{\"referee\":\"g2\"}"},
    {"r-g3", "referral", B + 12 * DAY + HOUR, "fay", "{\"referee\":\"g3\"}"},
    {"r-ivy", "referral", B + 14 * DAY, "hal", "{\"referee\":\"ivy\"}"},
    {"u-ivy", "customer.upsert", B + 14 * DAY + HOUR, "ivy", "{\"email\":\"Hal@X.com\"}"},
    {"u-hal", "customer.upsert", B + 15 * DAY, "hal", "{\"email\":\"hal@x.com\"}"},
    {"r-kim", "referral", B + 16 * DAY, "jon", "{\"referee\":\"kim\"}"},
    {"r-jon", "referral", B + 17 * DAY, "ann", "{\"referee\":\"jon\"}"},
    {"p-jon-1", "purchase", B + 17 * DAY + HOUR, "jon", SALE("o-j1", 500)},
    {"p-cat-2", "purchase", B + 20 * DAY, "cat", SALE("o-c2", 70)},
    {"p-bob-2", "purchase", B + 40 * DAY, "bob", SALE("o-b2", 250)},
    {"f-bob-1", "refund", B + 41 * DAY, "bob", SALE("o-b2", 50)},
};
#define NEVENTS (sizeof scenario / sizeof scenario[0])

/* Carries the clock past every cut up to Dec 31 00:00. */
static const sc_event closing = {"u-zed", "customer.upsert", B + 60 * DAY, "zed", "{}"};

static bool is_link(const sc_event *e)
{
    return strcmp(e->type, "referral") == 0 || strstr(e->data, "referred_by");
}

/* ------------------------------------------------------------ publishing */

typedef struct run {
    rp_test_daemon *daemon;
    PGconn *db;
    char *conninfo;
} run;

static void add(rf_batch *b, const sc_event *e)
{
    rf_batch_add(b, "{\"id\":\"%s\",\"type\":\"%s\",\"ts\":%lld,\"customer\":\"%s\",\"data\":%s}",
                 e->id, e->type, e->ts, e->customer, e->data);
}

/* Publishes the events as one batch and waits until they are handled. */
static void publish(run *r, const size_t *idx, size_t n)
{
    rf_batch b = {0};
    for (size_t k = 0; k < n; k++)
        add(&b, &scenario[idx[k]]);
    rf_publish(r->daemon, r->db, &b);
}

static void one_by_one(run *r, const size_t *idx, size_t n)
{
    for (size_t k = 0; k < n; k++)
        publish(r, &idx[k], 1);
}

static void time_order(run *r)
{
    size_t idx[NEVENTS];
    for (size_t k = 0; k < NEVENTS; k++)
        idx[k] = k;
    one_by_one(r, idx, NEVENTS);
}

static void links_last(run *r)
{
    size_t idx[NEVENTS], n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < NEVENTS; k++)
            if (is_link(&scenario[k]) == (pass == 1))
                idx[n++] = k;
    one_by_one(r, idx, n);
}

static void reverse_order(run *r)
{
    size_t idx[NEVENTS];
    for (size_t k = 0; k < NEVENTS; k++)
        idx[k] = NEVENTS - 1 - k;
    one_by_one(r, idx, NEVENTS);
}

static int by_customer_desc(const void *a, const void *b)
{
    const sc_event *x = &scenario[*(const size_t *)a], *y = &scenario[*(const size_t *)b];
    int c = strcmp(y->customer, x->customer);
    return c ? c : (x->ts > y->ts) - (x->ts < y->ts);
}

/* Customers in reverse alphabetical order, each one's events in one batch. */
static void customer_by_customer(run *r)
{
    size_t idx[NEVENTS];
    for (size_t k = 0; k < NEVENTS; k++)
        idx[k] = k;
    qsort(idx, NEVENTS, sizeof idx[0], by_customer_desc);
    for (size_t from = 0, to; from < NEVENTS; from = to) {
        for (to = from; to < NEVENTS && strcmp(scenario[idx[to]].customer, scenario[idx[from]].customer) == 0;)
            to++;
        publish(r, &idx[from], to - from);
    }
}

/* One batch: at each step a pseudo-random customer's next event (each
 * customer's events keep their order). */
static void shuffled_batch(run *r)
{
    size_t idx[NEVENTS], n = 0;
    bool taken[NEVENTS] = {false};
    uint32_t seed = 20231101;
    while (n < NEVENTS) {
        seed = seed * 1103515245u + 12345u;
        size_t k = (seed >> 8) % NEVENTS;
        while (taken[k])
            k = (k + 1) % NEVENTS;
        for (size_t j = 0; j < NEVENTS; j++)   /* that customer's first event not taken */
            if (!taken[j] && strcmp(scenario[j].customer, scenario[k].customer) == 0) {
                k = j;
                break;
            }
        taken[k] = true;
        idx[n++] = k;
    }
    publish(r, idx, n);
}

/* The tenant's first event alone (its first run schedules the first cut),
 * then the rest in time order as one batch. */
static void start_then_one_batch(run *r)
{
    size_t idx[NEVENTS];
    for (size_t k = 0; k < NEVENTS; k++)
        idx[k] = k;
    publish(r, idx, 1);
    publish(r, idx + 1, NEVENTS - 1);
}

static run start(const char *name, int partitions)
{
    char db[64], parts[32];
    snprintf(db, sizeof db, "rp_referral_order_%s", name);
    snprintf(parts, sizeof parts, "--partitions=%d", partitions);
    run r = {.conninfo = rp_test_create_db(db)};
    const char *args[] = {"--plugins=referral", "--clock=event", parts,
                          "--plugin.referral.conversion_window=7d",
                          "--plugin.referral.conversion_grace=1d",
                          "--plugin.referral.burst_max=2", "--plugin.referral.burst_window=1d",
                          "--plugin.referral.reward_rules=conversion:both:10,spend>=300:referrer:50",
                          "--plugin.referral.key_people_top=2", "--plugin.referral.key_people_min=1",
                          "--plugin.referral.key_people_every=1d", NULL};
    r.daemon = rp_test_daemon_start(r.conninfo, args);
    r.db = rp_test_connect(r.conninfo);
    return r;
}

static void finish(run *r)
{
    rf_batch b = {0};
    add(&b, &closing);
    rf_publish(r->daemon, r->db, &b);
    assert_int_equal(rp_test_sql_int(r->db, "SELECT count(*) FROM dead_letters"), 0);
}

static void stop(run *r)
{
    PQfinish(r->db);
    assert_int_equal(rp_test_daemon_stop(r->daemon, SIGTERM), 0);
    free(r->conninfo);
}

/* ------------------------------------------------------------ checks */

/* Mismatches of every run, reported together at the end (so a run against
 * the plugin before the fix shows every order that differs). */
static char *problems;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line;
    if (vasprintf(&line, fmt, ap) < 0)
        fail_msg("out of memory");
    va_end(ap);
    size_t old = problems ? strlen(problems) : 0;
    problems = realloc(problems, old + strlen(line) + 2);
    memcpy(problems + old, line, strlen(line) + 1);
    strcat(problems, "\n");
    free(line);
}

/* cmocka truncates long messages: the list goes to stderr whole. */
static void report_problems(void)
{
    if (!problems)
        return;
    fprintf(stderr, "%s", problems);
    free(problems);
    problems = NULL;
    fail_msg("the runs above differ from what was expected");
}

static void expect(const char *order, PGconn *db, const char *what, const char *sql, const char *want)
{
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        problem("%s: %s\n    got  %s\n    want %s", order, what, got ? got : "NULL", want);
    free(got);
}

/* Times as minutes after Nov 1 (B). */
#define MIN(col) "((" col " - 1698796800000) / 60000)"

static void check_facts(const char *order, PGconn *db)
{
    expect(order, db, "links",
           "SELECT string_agg(referee || ':' || coalesce(referrer, '-') || ':' || status || ':' || " MIN("referred_ms")
           " || ':' || source || ':' || cause || ':' || flags || ':' || coalesce(" MIN("converted_ms") "::text, '-')"
           " || ':' || coalesce(days_to_convert::text, '-') || ':' || depth, ' ' ORDER BY referee) FROM referral_links",
           "bob:ann:converted:2880:referral:r-bob::4320:1:1 "
           "cat:ann:converted:7200:referral:r-cat::11520:3:1 "
           "eve:dan:converted:14400:customer.upsert:u-eve::14100:0:1 "
           "g1:fay:pending:17220:customer.upsert:u-g1::-:-:1 "
           "g2:fay:pending:17280:referral:r-g2::-:-:1 "
           "g3:fay:pending:17340:referral:r-g3:burst:-:-:1 "
           "ivy:hal:pending:20160:referral:r-ivy:same_email:-:-:1 "
           "jon:ann:converted:24480:referral:r-jon::24540:0:1 "
           "kim:jon:pending:23040:referral:r-kim::-:-:2");
    expect(order, db, "attribution by the month of each sale",
           "SELECT string_agg(referrer || ':' || month || ':' || revenue, ' ' ORDER BY referrer, month)"
           " FROM referral_attribution",
           "ann:2023-11:710 ann:2023-12:200 dan:2023-11:60");
    expect(order, db, "rewards",
           "SELECT string_agg(rule || ':' || side || ':' || beneficiary || ':' || referee || ':' || amount"
           " || ':' || status, ' ' ORDER BY rule, side, referee) FROM referral_rewards",
           "conversion:referee:bob:bob:10:earned conversion:referee:cat:cat:10:earned "
           "conversion:referee:eve:eve:10:earned conversion:referee:jon:jon:10:earned "
           "conversion:referrer:ann:bob:10:earned conversion:referrer:ann:cat:10:earned "
           "conversion:referrer:dan:eve:10:earned conversion:referrer:ann:jon:10:earned "
           "spend>=300:referrer:ann:bob:50:earned spend>=300:referrer:ann:jon:50:earned");
    expect(order, db, "converted referrals, subtree",
           "SELECT string_agg(customer || ':' || converted_referrals || ':' || subtree_size || ':'"
           " || subtree_revenue || ':' || own_revenue, ' ' ORDER BY customer) FROM referral_nodes"
           " WHERE customer IN ('ann', 'bob', 'dan', 'fay', 'hal', 'jon')",
           "ann:3:5:910:0 bob:0:1:300:300 dan:1:2:60:0 fay:0:4:0:0 hal:0:2:0:0 jon:0:2:500:500");
    expect(order, db, "key people", "SELECT string_agg(customer, ' ' ORDER BY customer) FROM referral_key_people",
           "ann dan");
}

static const char *str_or(json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "-";
}

/* Every derived event, in seq order. */
static json_t *all_derived(const rp_test_daemon *d)
{
    json_t *out = json_array();
    uint64_t from = 1;
    for (;;) {
        char *text = rp_test_replay_json(d, from, 1000);
        assert_non_null(text);
        json_t *reply = json_loads(text, 0, NULL);
        free(text);
        assert_non_null(reply);
        json_t *events = json_object_get(reply, "events");
        size_t n = json_array_size(events);
        json_array_extend(out, events);
        from = (uint64_t)json_integer_value(json_object_get(reply, "next"));
        json_decref(reply);
        if (n == 0)
            return out;
    }
}

/* The last referral.converted of each referee states its conversion
 * exactly; one of them is not a correction. */
static void check_conversions(const char *order, json_t *events, bool corrections_allowed)
{
    static const struct { const char *referee, *order_id; double amount; long long converted, referred; } want[] = {
        {"bob", "o-b1", 100, B + 3 * DAY, B + 2 * DAY},
        {"cat", "o-c1", 40, B + 8 * DAY, B + 5 * DAY},
        {"eve", "o-e1", 60, B + 10 * DAY - 5 * HOUR, B + 10 * DAY},
        {"jon", "o-j1", 500, B + 17 * DAY + HOUR, B + 17 * DAY},
    };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        json_t *last = NULL, *e;
        size_t i, announced = 0, corrections = 0;
        json_array_foreach(events, i, e) {
            json_t *data = json_object_get(e, "data");
            if (strcmp(str_or(json_object_get(e, "type")), "referral.converted") != 0
                || strcmp(str_or(json_object_get(data, "referee")), want[w].referee) != 0)
                continue;
            last = data;
            if (json_is_true(json_object_get(data, "correction")))
                corrections++;
            else
                announced++;
        }
        if (!last || announced != 1 || (!corrections_allowed && corrections)) {
            problem("%s: %s: %zu conversions announced, %zu corrections", order, want[w].referee,
                    announced, corrections);
            continue;
        }
        const char *status = json_object_get(last, "status") ? str_or(json_object_get(last, "status"))
                                                             : "converted";
        if (strcmp(str_or(json_object_get(last, "order_id")), want[w].order_id) != 0
            || json_number_value(json_object_get(last, "amount")) != want[w].amount
            || json_integer_value(json_object_get(last, "converted_ms")) != want[w].converted
            || json_integer_value(json_object_get(last, "referred_ms")) != want[w].referred
            || strcmp(status, "converted") != 0) {
            char *text = json_dumps(last, JSON_SORT_KEYS | JSON_COMPACT);
            problem("%s: %s's last referral.converted: %s; want order_id %s, amount %g", order,
                    want[w].referee, text, want[w].order_id, want[w].amount);
            free(text);
        }
    }
}

/* Every referral table, whole, but for the partition (the partition count
 * differs between runs) and the ledger's when and why (the event that made
 * a reward due, as it arrived). Influence to 9 decimals (sums of
 * logarithms added in another order differ in the last bits).
 * in_time_order: also when each key person entered (the cut), which
 * depends on the arrival order only when events arrive after the cut they
 * precede, and when each node last changed (the latest event time of a
 * change, which depends on it when a subtree is linked after its sums
 * changed). */
static char *dump(PGconn *db, bool in_time_order)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
        "SELECT concat_ws(E'\\n',"
        " (SELECT string_agg(ROW(customer, referred_by, depth, height, subtree_size, own_revenue,"
        "   net_revenue, subtree_revenue, converted, round(contribution::numeric, 9), round(influence::numeric, 9),"
        "   converted_referrals, first_purchase_ms, first_event, first_order_id, first_amount, timezone,"
        "   email_hash, phone_hash, profession, industry%s)::text, ' ' ORDER BY customer)"
        "   FROM referral_nodes),"
        " (SELECT string_agg(ROW(referee, referrer, referred_ms, source, cause, status, flags,"
        "   converted_ms, days_to_convert, depth, order_id, amount)::text, ' ' ORDER BY referee) FROM referral_links),"
        " (SELECT string_agg(ROW(cause, referee, referrer, reason, message, ts_ms)::text, ' ' ORDER BY cause)"
        "   FROM referral_rejections),"
        " (SELECT string_agg(ROW(reward_key, rule, side, beneficiary, referrer, referee, amount, status)::text,"
        "   ' ' ORDER BY reward_key) FROM referral_rewards),"
        " (SELECT string_agg(ROW(referrer, month, revenue)::text, ' ' ORDER BY referrer, month)"
        "   FROM referral_attribution),"
        " (SELECT string_agg(ROW(customer, month, revenue)::text, ' ' ORDER BY customer, month)"
        "   FROM referral_revenue),"
        " (SELECT string_agg(ROW(customer, round(influence::numeric, 9)%s)::text, ' ' ORDER BY customer)"
        "   FROM referral_key_people),"
        " (SELECT string_agg(ROW(customer_a, customer_b, a_term, b_term, pair_rank, suggested_ms)::text, ' '"
        "   ORDER BY customer_a, customer_b) FROM referral_introductions),"
        " (SELECT string_agg(ROW(tenant, next_ms)::text, ' ') FROM referral_key_people_cut))",
        in_time_order ? ", updated_ms" : "", in_time_order ? ", entered_ms" : "");
    return rp_test_sql(db, sql);
}

static char *reference;

static void compare(const char *order, char *got)
{
    if (!reference)
        reference = got;
    else if (!got || strcmp(got, reference) != 0) {
        problem("%s: tables differ from time order's\n    got  %s\n    want %s", order, got ? got : "NULL",
                reference);
        free(got);
    } else {
        free(got);
    }
}

typedef struct order {
    const char *name;
    int partitions;
    void (*publish)(run *);
} order;

static void arrival_orders(void **state)
{
    (void)state;
    static const order orders[] = {
        {"time", 8, time_order},
        {"links_last", 8, links_last},
        {"reverse", 8, reverse_order},
        {"by_customer", 8, customer_by_customer},
        {"shuffled", 1, shuffled_batch},
    };
    for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        run r = start(orders[o].name, orders[o].partitions);
        orders[o].publish(&r);
        finish(&r);
        check_facts(orders[o].name, r.db);
        json_t *events = all_derived(r.daemon);
        check_conversions(orders[o].name, events, o > 0);
        json_decref(events);
        if (o == 0)
            expect(orders[o].name, r.db, "key people entered at the cuts after their first conversion",
                   "SELECT string_agg(customer || ':' || (entered_ms - 1698796800000) / 86400000, ' '"
                   " ORDER BY customer) FROM referral_key_people", "ann:4 dan:11");
        compare(orders[o].name, dump(r.db, false));
        stop(&r);
    }
    free(reference);
    reference = NULL;
    report_problems();
}

/* ------------------------------------------------------------ the tenant clock */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "type|customer|data" of every derived event, sorted; for key people also
 * the time (the cut). The time and cause of the others are those of the
 * event that made the fact known, which depend on the arrival order. */
static char *derived_multiset(json_t *events)
{
    size_t n = json_array_size(events), len = 1;
    char **keys = calloc(n ? n : 1, sizeof *keys);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(events, i);
        char *data = json_dumps(json_object_get(e, "data"), JSON_SORT_KEYS | JSON_COMPACT);
        const char *type = str_or(json_object_get(e, "type"));
        long long ts = strcmp(type, "referral.key_person") == 0 ? json_integer_value(json_object_get(e, "ts")) : 0;
        if (asprintf(&keys[i], "%s|%s|%lld|%s", type, str_or(json_object_get(e, "customer")), ts,
                     data ? data : "null") < 0)
            fail_msg("out of memory");
        free(data);
        len += strlen(keys[i]) + 1;
    }
    qsort(keys, n, sizeof *keys, cmp_str);
    char *out = calloc(1, len);
    for (size_t i = 0; i < n; i++) {
        strcat(out, keys[i]);
        strcat(out, "\n");
        free(keys[i]);
    }
    free(keys);
    return out;
}

static void any_partition_count(void **state)
{
    (void)state;
    static const int counts[] = {1, 8, 64};
    char *events_ref = NULL;
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        char name[32];
        snprintf(name, sizeof name, "parts_%d", counts[c]);
        run r = start(name, counts[c]);
        start_then_one_batch(&r);
        finish(&r);
        check_facts(name, r.db);
        compare(name, dump(r.db, true));
        json_t *events = all_derived(r.daemon);
        check_conversions(name, events, true);
        char *set = derived_multiset(events);
        json_decref(events);
        if (!events_ref)
            events_ref = set;
        else if (strcmp(set, events_ref) != 0) {
            problem("%s: derived events differ from 1 partition's\n    got\n%s    want\n%s", name, set, events_ref);
            free(set);
        } else {
            free(set);
        }
        stop(&r);
    }
    free(events_ref);
    free(reference);
    reference = NULL;
    report_problems();
}

/* ------------------------------------------------------------ corrections */

static const sc_event late[] = {
    /* una: converted by o-u2, then her earlier o-u1 arrives (still inside
     * the window: the conversion moves), then o-u0, before the grace: she
     * was a customer already, the conversion is taken back */
    {"r-una", "referral", B + 10 * DAY, "ann", "{\"referee\":\"una\"}"},
    {"p-una-2", "purchase", B + 12 * DAY, "una", SALE("o-u2", 80)},
    {"p-una-1", "purchase", B + 11 * DAY, "una", SALE("o-u1", 30)},
    {"p-una-0", "purchase", B + 5 * DAY, "una", SALE("o-u0", 20)},
    /* kai: held for lee's e-mail, converted held; then kai's own e-mail
     * changes and the flag is lifted */
    {"u-lee", "customer.upsert", B + 9 * DAY, "lee", "{\"email\":\"lee@x.com\"}"},
    {"r-kai", "referral", B + 10 * DAY, "lee", "{\"referee\":\"kai\"}"},
    {"u-kai", "customer.upsert", B + 10 * DAY + HOUR, "kai", "{\"email\":\"LEE@x.com\"}"},
    {"p-kai", "purchase", B + 11 * DAY, "kai", SALE("o-k1", 90)},
    {"u-kai-2", "customer.upsert", B + 12 * DAY, "kai", "{\"email\":\"kai@x.com\"}"},
};

/* "referee:status:order_id:amount:flagged:correction" of each
 * referral.converted in seq order, then of each referral.flagged. */
static char *announcements(json_t *events)
{
    char *out = calloc(1, 1);
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        const char *type = str_or(json_object_get(e, "type"));
        json_t *d = json_object_get(e, "data");
        char *line = NULL;
        if (strcmp(type, "referral.converted") == 0)
            assert_true(asprintf(&line, "converted %s:%s:%s:%g:%d:%d\n", str_or(json_object_get(d, "referee")),
                                 json_object_get(d, "status") ? str_or(json_object_get(d, "status")) : "-",
                                 str_or(json_object_get(d, "order_id")), json_number_value(json_object_get(d, "amount")),
                                 json_is_true(json_object_get(d, "flagged")),
                                 json_is_true(json_object_get(d, "correction"))) > 0);
        else if (strcmp(type, "referral.flagged") == 0) {
            char *reasons = json_dumps(json_object_get(d, "reasons"), JSON_COMPACT);
            assert_true(asprintf(&line, "flagged %s:%s:%d:%d\n", str_or(json_object_get(d, "referee")), reasons,
                                 json_is_true(json_object_get(d, "held")),
                                 json_is_true(json_object_get(d, "correction"))) > 0);
            free(reasons);
        }
        if (!line)
            continue;
        out = realloc(out, strlen(out) + strlen(line) + 1);
        strcat(out, line);
        free(line);
    }
    return out;
}

/* A late event changes a conversion already announced: it is announced
 * again with "correction": true; taken back, with the status now; a lifted
 * flag likewise. Rewards already earned stay earned. */
static void corrections(void **state)
{
    (void)state;
    run r = start("corrections", 8);
    for (size_t k = 0; k < sizeof late / sizeof late[0]; k++) {
        rf_batch b = {0};
        add(&b, &late[k]);
        rf_publish(r.daemon, r.db, &b);
    }
    expect("corrections", r.db, "links",
           "SELECT string_agg(referee || ':' || status || ':' || flags || ':' || coalesce(order_id, '-') || ':'"
           " || coalesce(amount::text, '-') || ':' || coalesce(" MIN("converted_ms") "::text, '-'), ' ' ORDER BY referee)"
           " FROM referral_links",
           "kai:converted::o-k1:90:15840 una:preexisting::-:-:-");
    expect("corrections", r.db, "nodes",
           "SELECT string_agg(customer || ':' || converted || ':' || converted_referrals || ':'"
           " || round(influence::numeric, 6) || ':' || coalesce(first_order_id, '-'), ' ' ORDER BY customer)"
           " FROM referral_nodes WHERE customer IN ('ann', 'una', 'lee')",
           /* lee: c(kai) = 1 + log2(1 + 90 / 1000) */
           "ann:false:0:0.000000:- lee:false:1:1.124328:- una:false:0:0.000000:o-u0");
    /* credited 80, then 30, then 20, then the whole month taken back */
    expect("corrections", r.db, "attribution",
           "SELECT string_agg(referrer || ':' || month || ':' || revenue, ' ' ORDER BY referrer) FROM referral_attribution",
           "ann:2023-11:0 lee:2023-11:90");
    expect("corrections", r.db, "rewards stay as they were granted",
           "SELECT string_agg(beneficiary || ':' || referee || ':' || status, ' ' ORDER BY referee, side)"
           " FROM referral_rewards", "kai:kai:held lee:kai:held una:una:earned ann:una:earned");
    json_t *events = all_derived(r.daemon);
    char *got = announcements(events);
    json_decref(events);
    const char *want =
        "converted una:-:o-u2:80:0:0\n"
        "converted una:converted:o-u1:30:0:1\n"
        "converted una:preexisting:o-u1:30:0:1\n"
        "flagged kai:[\"same_email\"]:1:0\n"
        "converted kai:-:o-k1:90:1:0\n"
        "flagged kai:[]:0:1\n"
        "converted kai:converted:o-k1:90:0:1\n";
    if (strcmp(got, want) != 0)
        problem("corrections: announcements\n  got\n%s  want\n%s", got, want);
    free(got);
    stop(&r);
    report_problems();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arrival_orders),
        cmocka_unit_test(any_partition_count),
        cmocka_unit_test(corrections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
