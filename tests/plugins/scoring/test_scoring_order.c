/*
 * test_scoring_order.c - same input, same result (issue 18): the scoring
 * plugin in a real rapportd (event clock, 64 partitions, event_lateness_ms
 * of a day, as long as first_fit_after) on a real PostgreSQL, fed one scripted history in three
 * arrival orders (order_script.c):
 *
 *   ordered  by event time (the reference);
 *   bounded  customers interleaved differently, every event up to a day
 *            late across requests, each customer's own order kept (the
 *            publisher's contract): every table of scoring, the derived
 *            events and the pending timers must be the same as the
 *            reference's;
 *   late     some customers' events weeks late, their own order broken
 *            (first purchases after later ones, a refund before its
 *            purchase, a deal won before its opening, a referral link after
 *            a later one and after the referee's purchases): every fact the
 *            docs define by event time must be the same as the reference's
 *            and have its exact value. The tier path legitimately differs
 *            (each event is scored when it arrives; derived events are
 *            never recalled), see docs/plugins/scoring.md "Late events and
 *            arrival order".
 *
 * Every run ends with the same scoring.refit after the history: on the
 * tenant clock it fits the model and refreshes every customer's P(alive)
 * from first purchase, x, t_x and T, so those are checked through the
 * model's own formula too.
 */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "batch.h"
#include "order_script.h"
#include "rp_test.h"
#include "snapshot.h"

#define REFIT_AT OS_CLOSE                /* the closing refit's instant (tenant clock) */
#define HALF_LIFE (180.0 * OS_DAY)       /* default half_life */
#define PERIOD (7.0 * OS_DAY)            /* default period: BG/NBD's unit */

/* --------------------------------------------------------------- one run */

enum { T_CUSTOMERS, T_HISTORY, T_STATS, T_PARAMS, T_DERIVED, T_TIMERS, T_FACTS, T_COUNT };

static const char *const table_names[T_COUNT] = {
    "scoring_customers", "scoring_tier_history", "scoring_tenant_stats", "scoring_bgnbd_params",
    "derived events", "timers", "facts"};

/* Everything but wall-clock columns (scoring's tables have none) and
 * tier_history's serial id (insertion order across customers). */
static const char *const table_sql[T_COUNT] = {
    "SELECT * FROM scoring_customers ORDER BY customer",
    "SELECT customer, partition, ts_ms, from_tier, to_tier, score, confidence, core_from, core_to,"
    " reasons, cause FROM scoring_tier_history ORDER BY customer, id",
    "SELECT * FROM scoring_tenant_stats ORDER BY tenant",
    "SELECT * FROM scoring_bgnbd_params ORDER BY tenant",
    "SELECT plugin, type, customer, ts_ms FROM outbox ORDER BY 1, 2, 3, 4",
    "SELECT plugin, key, customer, partition, due_ms FROM timers ORDER BY 1, 2",
    NULL,   /* facts_sql() */
};

/* The facts defined by event time, whatever the arrival order: first and
 * last purchase, x, the link, P(alive) and expected purchases (from the
 * closing refit), and every evidence counter that is a sum over events,
 * decayed to the refit's instant (so that it does not matter when each
 * customer was last brought up to date). Left out: scores, tiers, the
 * exposure to promotions (accounted up to each customer's last
 * evaluation) and care conversions (they need the touch before the
 * purchase: the per-customer order). */
static char *facts_sql(void)
{
    static const int counters[] = {5, 6, 7, 8, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 26};
    char *sql = malloc(4096);
    int at = sprintf(sql, "SELECT customer, partition, bgnbd_x, first_purchase_ms, last_purchase_ms,"
                          " referred_by, p_alive, expected_purchases, risk_level,"
                          " evidence[63] AS link_ms, evidence[64] AS conversion_ms");
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        at += sprintf(sql + at, ", evidence[%d] * power(2::float8, -(%lld - evidence[1]) / %.0f)",
                      counters[i], REFIT_AT, HALF_LIFE);
    sprintf(sql + at, " FROM scoring_customers ORDER BY customer");
    return sql;
}

typedef struct run {
    sn_rows t[T_COUNT];
    char *conninfo;     /* its database, kept for the exact checks */
} run;

/* A tenant-wide event that moves the engine clock to ts, which scoring
 * does not take: timers due up to ts less event_lateness_ms may fire. */
static void clock_event(batch *b, const char *id, long long ts)
{
    batch_add(b, "{\"id\":\"%s\",\"type\":\"market.price\",\"ts\":%lld,\"data\":{\"product\":\"p\","
                 "\"price\":1}}", id, ts);
}

/* Every event but the clock events handled (one waits, with the timers
 * before it, until the watermark is event_lateness_ms past them). */
static void wait_handled(PGconn *db)
{
    rp_test_wait_sql_int(db, "SELECT count(*) FROM plugin_progress p JOIN events e"
                             " ON e.partition = p.partition AND e.pos > p.pos WHERE e.id NOT LIKE 'clock-%'",
                         0, 120000);
}

/* The history in one request, in the order's arrival order: the worker
 * then fetches it whole, with the watermark at its end, and every refit
 * before that is an exact cut. (Fetched while publishing goes on, a refit
 * within event_lateness_ms of the watermark does not hold the partitions,
 * which may then handle events after it first: the host's choice, so that
 * events up to that late are not held up.) The late order's late events
 * come in a second request once everything else is handled, as a
 * correction weeks late does. (In one fetch with the rest, a partition held
 * at a refit would keep timers that must wait for them, and the refit waits
 * for those timers: the worker stalls.) */
static void publish_script(const rp_test_daemon *d, PGconn *db, const os_script *s, os_order order)
{
    batch b = {.len = 0};
    long long latest = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (order == OS_LATE && s->ev[i].late > 0 && i > 0 && s->ev[i - 1].late == 0) {
            clock_event(&b, "clock-history", latest + OS_BOUND + 60000);
            batch_send(d, &b);
            wait_handled(db);
        }
        latest = s->ev[i].ts > latest ? s->ev[i].ts : latest;
        batch_add(&b, "%s", s->ev[i].json);
    }
    batch_send(d, &b);
    /* The closing refit, then an event that moves the engine clock so far
     * past it that it is within event_lateness_ms of the watermark. */
    batch_add(&b, "{\"id\":\"refit-close\",\"type\":\"scoring.refit\",\"ts\":%lld,\"data\":{}}", OS_CLOSE);
    clock_event(&b, "clock-close", REFIT_AT + OS_BOUND);
    batch_send(d, &b);
}

static void run_order(os_order order, const char *dbname, run *out)
{
    static os_script script;
    os_build(&script);
    os_reorder(&script, order);
    char *conninfo = rp_test_create_db(dbname);
    char lateness[64];
    snprintf(lateness, sizeof lateness, "--event_lateness_ms=%lld", OS_BOUND);
    const char *args[] = {"--plugins=scoring", "--clock=event", lateness, NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    publish_script(d, db, &script, order);
    /* The closing refit fires once every partition has handled everything
     * before it; nothing is due after it within the watermark less the
     * lateness (the clock event itself waits: nothing later will come). */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM scoring_bgnbd_params WHERE attempted_ms = %lld",
             REFIT_AT);
    rp_test_wait_sql_int(db, sql, 1, 120000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    char *facts = facts_sql();
    for (int k = 0; k < T_COUNT; k++)
        out->t[k] = sn_query(db, table_sql[k] ? table_sql[k] : facts);
    free(facts);
    PQfinish(db);
    out->conninfo = conninfo;
}

static void free_run(run *r)
{
    for (int k = 0; k < T_COUNT; k++)
        sn_free(&r->t[k]);
    free(r->conninfo);
}

static run reference;

static int run_reference(void **state)
{
    (void)state;
    run_order(OS_ORDERED, "rp_scoring_order_ref", &reference);
    return 0;
}

static int free_reference(void **state)
{
    (void)state;
    free_run(&reference);
    return 0;
}

/* ------------------------------------------------------------ exact values */

static double sql_double(PGconn *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static double sql_double(PGconn *db, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    char *v = rp_test_sql(db, sql);
    if (!v || !*v)
        rp_test_fail("no value: %s", sql);
    double x = strtod(v, NULL);
    free(v);
    return x;
}

static void near(const char *what, double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want))))
        fail_msg("%s: %.17g, want %.17g", what, got, want);
}

/* Time of the n-th event (0-based) of customer whose JSON contains needle. */
static long long event_ts(const char *customer, const char *needle, int n)
{
    static os_script s;
    os_build(&s);
    for (size_t i = 0; i < s.n; i++)
        if (strcmp(s.ev[i].group, customer) == 0 && strstr(s.ev[i].json, needle) && n-- == 0)
            return s.ev[i].ts;
    rp_test_fail("no event %d of %s with %s", n, customer, needle);
}

static double decayed_to_refit(long long ts)
{
    return exp2(-(double)(REFIT_AT - ts) / HALF_LIFE);
}

/* late1's first purchase, x, t_x and T, read back through the model's
 * P(alive) (docs/plugins/scoring.md) with the fitted parameters. */
static void late1_bgnbd_facts(PGconn *db)
{
    long long first = event_ts("late1", "purchase", 0), last = event_ts("late1", "purchase", 4);
    assert_int_equal(rp_test_sql_int(db, "SELECT first_purchase_ms FROM scoring_customers"
                                         " WHERE customer = 'late1'"), first);
    assert_int_equal(rp_test_sql_int(db, "SELECT last_purchase_ms FROM scoring_customers"
                                         " WHERE customer = 'late1'"), last);
    assert_int_equal(rp_test_sql_int(db, "SELECT bgnbd_x FROM scoring_customers WHERE customer = 'late1'"), 4);
    double r = sql_double(db, "SELECT r FROM scoring_bgnbd_params");
    double alpha = sql_double(db, "SELECT alpha FROM scoring_bgnbd_params");
    double a = sql_double(db, "SELECT a FROM scoring_bgnbd_params");
    double b = sql_double(db, "SELECT b FROM scoring_bgnbd_params");
    double x = 4, t_x = (double)(last - first) / PERIOD, T = (double)(REFIT_AT - first) / PERIOD;
    double p_alive = 1 / (1 + a / (b + x - 1) * pow((alpha + T) / (alpha + t_x), r + x));
    near("late1 P(alive) from x = 4, t_x, T", sql_double(db, "SELECT p_alive FROM scoring_customers"
                                                            " WHERE customer = 'late1'"), p_alive);
}

/* Evidence counter k (1-based, evidence.h order) of a customer at the refit. */
static double counter(PGconn *db, const char *customer, int k)
{
    return sql_double(db, "SELECT evidence[%d] * power(2::float8, -(%lld - evidence[1]) / %.0f)"
                          " FROM scoring_customers WHERE customer = '%s'", k, REFIT_AT, HALF_LIFE,
                      customer);
}

enum { EV_SPEND = 6, EV_REFERRALS = 18, EV_CONVERTED = 19 };

static void late_facts_have_their_values(PGconn *db)
{
    late1_bgnbd_facts(db);
    /* late2: net spend 80 - 50 + 60, each at its own time */
    near("late2 spend", counter(db, "late2", EV_SPEND),
         80 * decayed_to_refit(event_ts("late2", "purchase", 0))
         - 50 * decayed_to_refit(event_ts("late2", "refund", 0))
         + 60 * decayed_to_refit(event_ts("late2", "purchase", 1)));
    /* deal1: won (deal.won - deal.opened) after its opening: 100 * 2^-(took / 14 d) */
    double took = (double)(event_ts("deal1", "deal.won", 0) - event_ts("deal1", "deal.opened", 0));
    near("deal1 short_negotiation", sql_double(db, "SELECT subscores[4] FROM scoring_customers"
                                                   " WHERE customer = 'deal1'"),
         100 * exp2(-took / (14.0 * OS_DAY)));
    /* new1 is ref1's (the earlier link), converted at new1's first purchase;
     * ref2 keeps nothing of the link it held for a while in the late order */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE customer = 'new1'"
                                         " AND referred_by = 'ref1'"), 1);
    near("ref1 referrals", counter(db, "ref1", EV_REFERRALS),
         decayed_to_refit(event_ts("ref1", "referral", 0)));
    near("ref1 converted", counter(db, "ref1", EV_CONVERTED),
         decayed_to_refit(event_ts("new1", "purchase", 0)));
    near("ref2 referrals", counter(db, "ref2", EV_REFERRALS), 0);
    near("ref2 converted", counter(db, "ref2", EV_CONVERTED), 0);
    /* new2 bought long before ref3's link: made, never converted */
    near("ref3 referrals", counter(db, "ref3", EV_REFERRALS),
         decayed_to_refit(event_ts("new2", "customer.upsert", 0)));
    near("ref3 converted", counter(db, "ref3", EV_CONVERTED), 0);
}

/* ------------------------------------------------------------------ tests */

static void interleaving_customers_changes_no_table(void **state)
{
    (void)state;
    run bounded;
    run_order(OS_BOUNDED, "rp_scoring_order_bounded", &bounded);
    bool same = true;
    for (int k = 0; k < T_COUNT; k++)
        same = sn_equal(table_names[k], &reference.t[k], &bounded.t[k]) && same;
    free_run(&bounded);
    assert_true(same);
}

static void late_events_correct_the_facts(void **state)
{
    (void)state;
    run late;
    run_order(OS_LATE, "rp_scoring_order_late", &late);
    bool same = sn_equal("facts", &reference.t[T_FACTS], &late.t[T_FACTS]);
    same = sn_equal("scoring_tenant_stats", &reference.t[T_STATS], &late.t[T_STATS]) && same;
    same = sn_equal("scoring_bgnbd_params", &reference.t[T_PARAMS], &late.t[T_PARAMS]) && same;
    /* The exact values, in both runs' databases. */
    const char *conninfo[] = {reference.conninfo, late.conninfo};
    for (int i = 0; i < 2; i++) {
        PGconn *db = rp_test_connect(conninfo[i]);
        late_facts_have_their_values(db);
        PQfinish(db);
    }
    free_run(&late);
    assert_true(same);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interleaving_customers_changes_no_table),
        cmocka_unit_test(late_events_correct_the_facts),
    };
    return cmocka_run_group_tests(tests, run_reference, free_reference);
}
