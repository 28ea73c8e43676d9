/*
 * test_scoring_broker.c - the scoring plugin in a real rapportd (event-time
 * clock) on a real PostgreSQL: a scripted customer history goes through the
 * ingress and we check the tiers, the derived events and the monthly
 * movement report that come out.
 *
 * The script: 30 regulars who buy small amounts all year (the tenant's
 * distribution), one heavy buyer "vip1" who buys every week for twelve weeks
 * and then goes silent while the others go on, and "pin1", a one-off buyer
 * an operator pins to vip for 50 days. A profile update a year later moves
 * the silent customers' partition clocks forward, so their re-check timers
 * fire in event time and decay does its work; then an operator's
 * scoring.refit fits BG/NBD on the whole year.
 *
 * A second script feeds word of mouth (criterion 6) and loyalty under
 * competitor promotions (criterion 9) with events shaped exactly as
 * proto/event-types.json defines them: `referral` on the referrer with
 * data.referee, customer.upsert.referred_by on the referee, and
 * market.competitor_promo with starts_ms, ends_ms and discount (no id of
 * its own).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "batch.h"
#include "rp_test.h"

#define T0 1294048800000LL            /* 2011-01-03 10:00 UTC */
#define DAY 86400000LL

/* The history, published in event-time order (events of all customers
 * interleaved, as they happened): the tenant clock's refits then see
 * every customer up to their instant, whatever the partition count. */
typedef struct timeline {
    struct {
        long long ts;
        char json[400];
    } ev[1000];
    size_t n;
} timeline;

static void at(timeline *tl, long long ts, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void at(timeline *tl, long long ts, const char *fmt, ...)
{
    assert_true(tl->n < sizeof tl->ev / sizeof tl->ev[0]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tl->ev[tl->n].json, sizeof tl->ev[tl->n].json, fmt, ap);
    va_end(ap);
    tl->ev[tl->n++].ts = ts;
}

static void purchase_at(timeline *tl, const char *customer, int n, long long ts, double amount)
{
    at(tl, ts, "{\"id\":\"p-%s-%d\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"%s\","
               "\"data\":{\"order_id\":\"o-%s-%d\",\"amount\":%.2f,\"list_price\":%.2f,"
               "\"currency\":\"GBP\"}}", customer, n, ts, customer, customer, n, amount, amount);
}

static int by_ts(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static void publish_in_time_order(const rp_test_daemon *d, timeline *tl)
{
    qsort(tl->ev, tl->n, sizeof tl->ev[0], by_ts);   /* ts is each entry's first member */
    batch b = {.len = 0};
    for (size_t i = 0; i < tl->n; i++) {
        batch_add(&b, "%s", tl->ev[i].json);
        if (b.events == 200)
            batch_send(d, &b);
    }
    if (b.events)
        batch_send(d, &b);
}

static void publish_history(const rp_test_daemon *d)
{
    static timeline tl;
    tl.n = 0;
    /* The tenant's regulars keep buying all year, every 2, 4 or 6 weeks. */
    for (int i = 0; i < 30; i++) {
        char customer[16];
        snprintf(customer, sizeof customer, "c%02d", i);
        int every_days = 14 * (i % 3 + 1);
        for (int n = 0; n * every_days < 400; n++)
            purchase_at(&tl, customer, n, T0 + (long long)(n * every_days + i % 5) * DAY, 20.0 * (i % 7 + 1));
    }
    /* vip1 buys big every week for twelve weeks, then never again. */
    for (int week = 0; week < 12; week++)
        purchase_at(&tl, "vip1", week, T0 + week * 7 * DAY + 3600000, 2000);
    purchase_at(&tl, "pin1", 0, T0 + DAY, 15);
    at(&tl, T0 + 10 * DAY, "{\"id\":\"pin-1\",\"type\":\"customer.tier_pinned\",\"ts\":%lld,"
       "\"customer\":\"pin1\",\"data\":{\"tier\":\"vip\",\"until_ms\":%lld,\"reason\":\"board member\"}}",
       T0 + 10 * DAY, T0 + 60 * DAY);
    /* A year later: profile updates move the silent customers' clocks on. */
    at(&tl, T0 + 420 * DAY, "{\"id\":\"u-vip1\",\"type\":\"customer.upsert\",\"ts\":%lld,"
       "\"customer\":\"vip1\",\"data\":{\"city\":\"Leeds\"}}", T0 + 420 * DAY);
    at(&tl, T0 + 420 * DAY, "{\"id\":\"u-pin1\",\"type\":\"customer.upsert\",\"ts\":%lld,"
       "\"customer\":\"pin1\",\"data\":{\"city\":\"York\"}}", T0 + 420 * DAY);
    publish_in_time_order(d, &tl);
}

/* An operator asks for a refit now (tenant-scoped scoring.refit), after the
 * history is in, so every customer gets P(alive) from the full year. The
 * refit runs on the tenant clock at the event's instant: wait for it. */
static void refit_now(const rp_test_daemon *d, PGconn *db)
{
    batch b = {.len = 0};
    batch_add(&b, "{\"id\":\"refit-1\",\"type\":\"scoring.refit\",\"ts\":%lld,\"data\":{}}",
              T0 + 421 * DAY);
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM scoring_bgnbd_params WHERE attempted_ms = "
                             "1294048800000 + 421 * 86400000::bigint", 1, 60000);
}

/* The customer's customer.churn_risk events from the replay endpoint, in
 * order, as "DAY:from>to" (DAY: whole days since T0) joined by spaces. */
static char *churn_path(const rp_test_daemon *d, const char *customer)
{
    static char path[4096];
    size_t len = 0;
    path[0] = '\0';
    for (uint64_t from = 1;;) {
        char *text = rp_test_replay_json(d, from, 500);
        json_t *page = text ? json_loads(text, 0, NULL) : NULL;
        json_t *events = json_object_get(page, "events");
        assert_non_null(events);
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev) {
            const char *who = json_string_value(json_object_get(ev, "customer"));
            const char *type = json_string_value(json_object_get(ev, "type"));
            if (!who || strcmp(who, customer) != 0 || strcmp(type, "customer.churn_risk") != 0)
                continue;
            json_t *data = json_object_get(ev, "data");
            long long ts = (long long)json_number_value(json_object_get(ev, "ts"));
            len += (size_t)snprintf(path + len, sizeof path - len, "%s%lld:%s>%s", len ? " " : "",
                                    (ts - T0) / DAY, json_string_value(json_object_get(data, "from")),
                                    json_string_value(json_object_get(data, "to")));
            assert_true(len < sizeof path);
        }
        size_t n = json_array_size(events);
        from = (uint64_t)json_number_value(json_object_get(page, "next"));
        json_decref(page);
        free(text);
        if (n == 0)
            return path;
    }
}

/* vip1's risk crossings while it was silent: each continues the one before
 * (its from is the previous to), they go forward in time, the first leaves
 * 'low' (it was placed while buying weekly), the last reaches 'high', and
 * none comes before its last purchase (week 11). Issue 18: a refit in one
 * partition's time once sent such crossings backwards in time. */
static void assert_silent_crossings(const char *path)
{
    char prev_to[16] = "low";
    long long prev_day = 11 * 7;
    const char *p = path;
    int n = 0;
    while (*p) {
        long long day;
        char from[16], to[16];
        int used;
        if (sscanf(p, "%lld:%15[^>]>%15s%n", &day, from, to, &used) != 3)
            fail_msg("unreadable churn path: %s", path);
        if (strcmp(from, prev_to) != 0 || day < prev_day)
            fail_msg("vip1's churn crossings do not follow on in time: %s", path);
        snprintf(prev_to, sizeof prev_to, "%s", to);
        prev_day = day;
        p += used;
        while (*p == ' ')
            p++;
        n++;
    }
    if (n == 0 || strcmp(prev_to, "high") != 0)
        fail_msg("vip1's churn risk did not rise to high while silent: \"%s\"", path);
}

/* `rapportctl report movement --json` for the month of the customer's core
 * move in direction ('entered'/'left'): must list that customer and move. */
static void movement_report_lists(PGconn *db, const char *conninfo, const char *customer,
                                  const char *direction)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT to_char(to_timestamp(ts_ms / 1000.0) AT TIME ZONE 'Europe/London', 'YYYY-MM')"
             "  FROM scoring_tier_history WHERE customer = '%s' AND core_from <> core_to"
             "   AND core_to = %s ORDER BY id LIMIT 1", customer,
             strcmp(direction, "entered") == 0 ? "true" : "false");
    char *month = rp_test_sql(db, sql);
    assert_int_equal(strlen(month), 7);
    char out_path[] = "/tmp/rp_movement_XXXXXX";
    int fd = mkstemp(out_path);
    assert_true(fd >= 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' report movement --month=%s --tz=Europe/London --json "
             "--database='%s' >'%s'", rp_test_rapportctl_path(), month, conninfo, out_path);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(out_path, "r");
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(out_path);
    char needle[128];
    snprintf(needle, sizeof needle, "\"core_change\": \"%s\"", direction);
    char *entry = strstr(text, needle);
    bool found = false;
    for (; entry && !found; entry = strstr(entry + 1, needle)) {
        /* keys are sorted: core_change, customer, date, ... within one move */
        char *cust = strstr(entry, "\"customer\": \"");
        found = cust && strncmp(cust + 13, customer, strlen(customer)) == 0
             && cust[13 + strlen(customer)] == '"' && cust - entry < 80;
    }
    if (!found)
        fail_msg("%s not listed as %s in the movement report of %s:\n%s", customer, direction, month, text);
    assert_non_null(strstr(text, "\"tiers\""));
    free(month);
}

static void scripted_history_gives_tiers_events_and_movement(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_scoring_broker");
    /* The default 64 partitions: the refit runs on the tenant clock, so it
     * sees every customer at one instant however fast each partition
     * advances (issue 18: it used to run in one partition's time). */
    const char *args[] = {"--plugins=scoring", "--clock=event", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    publish_history(d);
    rp_test_wait_idle(db, 120000);
    refit_now(d, db);

    /* Nothing failed; every customer has a row; the model was fitted. */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers"), 32);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_bgnbd_params WHERE status = 'fitted'"), 1);

    /* vip1 rose into the core group, then fell out of it after a silent year. */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM outbox WHERE type = 'customer.tier_changed' AND customer = 'vip1'"),
        rp_test_sql_int(db, "SELECT count(*) FROM scoring_tier_history WHERE customer = 'vip1'"));
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_tier_history WHERE customer = 'vip1' AND core_to AND NOT core_from"), 1);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_tier_history WHERE customer = 'vip1' AND core_from AND NOT core_to"), 1);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_customers WHERE customer = 'vip1' AND NOT core"), 1);
    /* Its churn risk rose as it went silent, announced by customer.churn_risk
     * at each crossing, forward in time (the first placement from 'unknown',
     * at the first fit, is not a crossing and is not announced). */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_customers WHERE customer = 'vip1' AND risk_level = 'high'"), 1);
    char silent[4096];
    snprintf(silent, sizeof silent, "%s", churn_path(d, "vip1"));
    assert_silent_crossings(silent);
    /* It comes back: P(alive) jumps, and the crossing out of 'high' is
     * announced: one more customer.churn_risk, at the purchase. */
    batch b = {.len = 0};
    batch_purchase(&b, "vip1", 100, T0 + 422 * DAY, 2000);
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_customers WHERE customer = 'vip1' AND risk_level = 'low'"), 1);
    char back[4200];
    snprintf(back, sizeof back, "%s 422:high>low", silent);
    assert_string_equal(churn_path(d, "vip1"), back);

    /* The pin put pin1 in vip and it expired back to a computed tier. */
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_tier_history WHERE customer = 'pin1' AND to_tier = 'vip'"), 1);
    assert_int_equal(rp_test_sql_int(db,
        "SELECT count(*) FROM scoring_customers WHERE customer = 'pin1' AND tier <> 'vip'"
        "   AND pinned_tier IS NULL"), 1);

    movement_report_lists(db, conninfo, "vip1", "entered");
    movement_report_lists(db, conninfo, "vip1", "left");

    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

static void referral(batch *b, const char *referrer, const char *referee, long long ts)
{
    batch_add(b, "{\"id\":\"r-%s-%s\",\"type\":\"referral\",\"ts\":%lld,\"customer\":\"%s\","
                 "\"data\":{\"referee\":\"%s\",\"channel\":\"word_of_mouth\"}}",
              referrer, referee, ts, referrer, referee);
}

static void referred_by(batch *b, const char *referee, const char *referrer, long long ts)
{
    batch_add(b, "{\"id\":\"u-%s\",\"type\":\"customer.upsert\",\"ts\":%lld,\"customer\":\"%s\","
                 "\"data\":{\"referred_by\":\"%s\"}}", referee, ts, referee, referrer);
}

/* A sub-score (1-based criterion number) of a customer, -1 when unknown. */
static double subscore(PGconn *db, const char *customer, int criterion)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT coalesce(subscores[%d], -1) FROM scoring_customers"
             " WHERE customer = '%s'", criterion, customer);
    char *text = rp_test_sql(db, sql);
    double v = strtod(text, NULL);
    free(text);
    return v;
}

static void assert_referred_by(PGconn *db, const char *referee, const char *referrer)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM scoring_customers WHERE customer = '%s'"
             " AND referred_by = '%s'", referee, referrer);
    assert_int_equal(rp_test_sql_int(db, sql), 1);
}

/* Lines of the daemon's log with `needle` (a warning about ignored events). */
static int log_lines_with(const rp_test_daemon *d, const char *needle)
{
    FILE *f = fopen(d->log_path, "r");
    assert_non_null(f);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

/* Referral credits travel by timer (referee's partition, then the
 * referrer's) after the events are handled: wait until all have fired
 * (every one is due by then, the clock being at the last event). */
static void wait_referral_timers(PGconn *db)
{
    for (int waited = 0; waited < 60000; waited += 50) {
        if (rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'scoring'"
                                " AND key LIKE 'ref:%'") == 0)
            return;
        usleep(50000);
    }
    fail_msg("referral timers did not fire within 60 s");
}

static void publish_word_of_mouth_and_promotions(const rp_test_daemon *d, PGconn *db)
{
    batch b = {.len = 0};
    /* A competitor undercuts us from day 21 to day 35. Published and
     * settled first: it is tenant-scoped, so another partition than the
     * purchases it concerns. */
    batch_add(&b, "{\"id\":\"promo-a\",\"type\":\"market.competitor_promo\",\"ts\":%lld,"
                  "\"data\":{\"competitor\":\"GiftHouse\",\"starts_ms\":%lld,\"ends_ms\":%lld,"
                  "\"discount\":0.25,\"category\":\"gifts\"}}", T0, T0 + 21 * DAY, T0 + 35 * DAY);
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);
    /* loyal buys weekly through the promotion, fickle skips it. */
    for (int week = 0; week < 10; week++) {
        batch_purchase(&b, "loyal", week, T0 + week * 7 * DAY, 50);
        if (week < 3 || week > 5)
            batch_purchase(&b, "fickle", week, T0 + week * 7 * DAY, 50);
    }
    const char *referrers[] = {"ref1", "ref2", "ref3", "ref4", "ref5", "ref6"};
    for (int i = 0; i < 6; i++)
        batch_purchase(&b, referrers[i], 0, T0 + DAY, 30);
    referral(&b, "ref1", "new1", T0 + 2 * DAY);              /* converts at new1's first order */
    batch_purchase(&b, "new1", 0, T0 + 3 * DAY, 40);
    referral(&b, "ref3", "new1", T0 + 4 * DAY);              /* new1 was referred already */
    referred_by(&b, "new2", "ref2", T0 + 5 * DAY);           /* never buys: made, not converted */
    referral(&b, "ref4", "new4", T0 + 6 * DAY);              /* the same link twice ... */
    referred_by(&b, "new4", "ref4", T0 + 6 * DAY);           /* ... counts once */
    batch_purchase(&b, "new4", 0, T0 + 6 * DAY + 3600000, 40);
    batch_purchase(&b, "old5", 0, T0 + DAY, 25);                   /* a customer long before ... */
    referral(&b, "ref5", "old5", T0 + 9 * DAY);              /* ... the referral: made only */
    batch_purchase(&b, "new6", 0, T0 + 7 * DAY, 40);               /* bought, and the profile naming */
    referred_by(&b, "new6", "ref6", T0 + 7 * DAY + 7200000); /* the referrer came 2 h later */
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);
    wait_referral_timers(db);
}

static void contract_shaped_referrals_and_promotions_score(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_scoring_contract");
    const char *args[] = {"--plugins=scoring", "--clock=event", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    publish_word_of_mouth_and_promotions(d, db);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);

    /* The promotion is kept under its event's id, with its depth. */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_promos WHERE promo_id = 'promo-a'"
        " AND depth = 0.25 AND ends_ms - starts_ms = 14 * 86400000::bigint"), 1);
    /* Criterion 9: known for both, high for the customer who kept buying. */
    double loyal = subscore(db, "loyal", 9), fickle = subscore(db, "fickle", 9);
    if (!(loyal > 70 && fickle >= 0 && fickle < 30))
        fail_msg("promo_loyalty: loyal %.2f (want > 70), fickle %.2f (want 0..30)", loyal, fickle);

    /* The links, kept on the referees: the first referrer wins. */
    assert_referred_by(db, "new1", "ref1");
    assert_referred_by(db, "new2", "ref2");
    assert_referred_by(db, "new4", "ref4");
    /* Criterion 6 on the referrers: made and converted (1 + 2 points, 87.5
     * before decay), made only (1 point, 50), nothing for the second
     * referrer of new1, and one link learnt twice counted once. */
    double r1 = subscore(db, "ref1", 6), r2 = subscore(db, "ref2", 6);
    double r3 = subscore(db, "ref3", 6), r4 = subscore(db, "ref4", 6);
    if (!(r1 > 70 && r1 <= 87.51 && r2 > 35 && r2 <= 50.01 && r3 < 0 && r4 > 70 && r4 <= 87.51))
        fail_msg("word_of_mouth: ref1 %.2f, ref2 %.2f, ref3 %.2f, ref4 %.2f", r1, r2, r3, r4);
    /* A referee who was a customer before the referral brings no conversion;
     * a link learnt within a day of the first purchase does. */
    double r5 = subscore(db, "ref5", 6), r6 = subscore(db, "ref6", 6);
    if (!(r5 > 35 && r5 <= 50.01 && r6 > 70 && r6 <= 87.51))
        fail_msg("word_of_mouth: ref5 %.2f (want made only), ref6 %.2f (want converted)", r5, r6);
    /* Nothing of it was ignored as malformed. */
    assert_int_equal(log_lines_with(d, "no referral credit"), 0);
    assert_int_equal(log_lines_with(d, "market.competitor_promo"), 0);

    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

static void movement_report_errors_are_clear(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_scoring_report_errors");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' report movement --month=2011-13 --database='%s' 2>/dev/null",
             rp_test_rapportctl_path(), conninfo);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "'%s' report movement --month=2011-1- --database='%s' 2>&1"
             " | grep -q 'must be YYYY-MM'", rp_test_rapportctl_path(), conninfo);
    assert_int_equal(system(cmd), 0);
    /* No scoring tables in this database: a message, exit 2, no crash. */
    snprintf(cmd, sizeof cmd, "'%s' report movement --month=2011-06 --database='%s' 2>&1"
             " | grep -q 'is the scoring plugin loaded'", rp_test_rapportctl_path(), conninfo);
    assert_int_equal(system(cmd), 0);
    free(conninfo);
}

/* A transaction that fails after scoring has changed its working set must
 * leave nothing behind in memory either: the retries (one event per
 * transaction, as the worker does after a failure) start from the database,
 * not from the counts of the rolled-back attempt. One transaction holds two
 * calls (ABI 2: one per tenant): the default tenant's purchases (its working
 * set now counts them), then tenant "other", whose promotion "promo-poison" a
 * trigger refuses.
 * Scoring defers that insert; a later call of "other" meets a customer new
 * to the transaction (y, or z if y came in the promotion's own call: y's
 * second purchase then ends that run, a customer's clock moving), whose row
 * it reads from the database, which sends the deferred insert first and
 * fails the call. before_commit is never reached, the transaction rolls
 * back with the default tenant's set still in memory, and every event is
 * then retried alone until the promotion is dead-lettered. */
static void rolled_back_transaction_leaves_no_trace(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_scoring_rollback");
    const char *args[] = {"--plugins=scoring", "--clock=event", "--partitions=1", "--max_tries=2", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    free(rp_test_sql(db,
        "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'poisoned promotion'; END$$"));
    free(rp_test_sql(db,
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON scoring_promos "
        "FOR EACH ROW WHEN (NEW.promo_id = 'promo-poison') EXECUTE FUNCTION refuse_poison()"));
    batch b = {.len = 0};
    batch_purchase(&b, "a", 0, T0, 10);
    batch_purchase(&b, "a", 1, T0 + DAY, 20);
    batch_purchase(&b, "a", 2, T0 + 3 * DAY, 30);
    batch_purchase(&b, "b", 0, T0 + 4 * DAY, 40);
    batch_purchase(&b, "b", 1, T0 + 5 * DAY, 50);
    batch_add(&b, "{\"id\":\"promo-poison\",\"type\":\"market.competitor_promo\",\"ts\":%lld,"
                  "\"tenant\":\"other\",\"data\":{\"starts_ms\":%lld,\"ends_ms\":%lld,\"discount\":0.2}}",
              T0 + 6 * DAY, T0 + 6 * DAY, T0 + 9 * DAY);
    static const struct { const char *id, *customer; long long ts; } others[] = {
        {"p-y-0", "y", T0 + 6 * DAY + 3600000}, {"p-y-1", "y", T0 + 7 * DAY}, {"p-z-0", "z", T0 + 7 * DAY + 60000},
    };
    for (int i = 0; i < 3; i++)
        batch_add(&b, "{\"id\":\"%s\",\"type\":\"purchase\",\"ts\":%lld,\"tenant\":\"other\",\"customer\":"
                      "\"%s\",\"data\":{\"order_id\":\"%s\",\"amount\":5,\"currency\":\"GBP\"}}",
                  others[i].id, others[i].ts, others[i].customer, others[i].id);
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);

    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters WHERE plugin = 'scoring' "
                                         "AND event_id = 'promo-poison' AND error LIKE '%poisoned promotion%'"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 1);
    assert_true(log_lines_with(d, "retrying item by item") >= 1);   /* the whole batch did fail first */
    /* Three purchases of a and two of b, each counted once: BG/NBD's x is
     * the number of repeat purchases, the span is first to last. */
    assert_int_equal(rp_test_sql_int(db, "SELECT bgnbd_x FROM scoring_customers WHERE customer = 'a'"), 2);
    assert_int_equal(rp_test_sql_int(db, "SELECT bgnbd_x FROM scoring_customers WHERE customer = 'b'"), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM scoring_customers WHERE customer = 'a' "
                                          "AND first_purchase_ms = %lld AND last_purchase_ms = %lld",
                                      T0, T0 + 3 * DAY), 1);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

/* customer.erase leaves nothing of the customer in scoring's tables, also
 * when the customer's first purchase - and the tier placement it records -
 * is in the same transaction, still queued in memory, as the erase ("e"),
 * and when it was stored by an earlier one ("f"). */
static void erase_removes_every_trace(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_scoring_erase");
    const char *args[] = {"--plugins=scoring", "--clock=event", "--partitions=1", NULL};
    PGconn *db = rp_test_connect(conninfo);
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    batch b = {.len = 0};
    batch_purchase(&b, "f", 0, T0, 10);
    batch_purchase(&b, "keep", 0, T0, 10);
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_tier_history WHERE customer = 'f'"), 1);
    batch_purchase(&b, "e", 0, T0 + DAY, 10);
    batch_purchase(&b, "e", 1, T0 + 2 * DAY, 20);
    batch_add(&b, "{\"id\":\"erase-e\",\"type\":\"customer.erase\",\"ts\":%lld,\"customer\":\"e\","
                  "\"data\":{\"reason\":\"asked\"}}", T0 + 3 * DAY);
    batch_add(&b, "{\"id\":\"erase-f\",\"type\":\"customer.erase\",\"ts\":%lld,\"customer\":\"f\","
                  "\"data\":{}}", T0 + 3 * DAY);
    batch_send(d, &b);
    rp_test_wait_idle(db, 60000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_customers WHERE customer IN ('e', 'f')"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_tier_history WHERE customer IN ('e', 'f')"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE plugin = 'scoring'"
                                         " AND key IN ('eval:e', 'eval:f')"), 0);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM scoring_tier_history WHERE customer = 'keep'"), 1);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scripted_history_gives_tiers_events_and_movement),
        cmocka_unit_test(contract_shaped_referrals_and_promotions_score),
        cmocka_unit_test(movement_report_errors_are_clear),
        cmocka_unit_test(rolled_back_transaction_leaves_no_trace),
        cmocka_unit_test(erase_removes_every_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
