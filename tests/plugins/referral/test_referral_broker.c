/*
 * test_referral_broker.c - the referral plugin in a real rapportd with a
 * real PostgreSQL: links from customer.upsert.referred_by and `referral`
 * events, conversion at the first purchase (depth, days in the referee's
 * zone), rewards exactly once when the same facts come again under new ids,
 * self-referral and cycle refused as documented (rejection row +
 * referral.flagged, no dead letter), a burst held for review, a late referrer
 * link moving a subtree down and converting an earlier purchase, key people
 * entering at the cuts of the tenant clock (UTC midnights), suggested
 * introductions between complementary professions; then
 * `rapportctl report referrals` on the same database, text and JSON: dates
 * and times printed in --tz (UTC by default, Asia/Shanghai once), never raw
 * milliseconds in text, JSON keeping the ms fields next to the dates, an
 * unknown zone refused with PostgreSQL's message and exit 2.
 *
 * Phases are separated by waiting until the broker is idle, because events
 * of different customers travel on different partitions and the scenario
 * needs "the link came first" to be true.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "rp_test.h"

#define T0 1700000000000LL   /* 2023-11-14 22:13:20 UTC (and London, GMT) */
#define HOUR 3600000LL
#define DAY (24 * HOUR)

static rp_test_daemon *daemon_;
static PGconn *db;
static char *conninfo;

/* Publishes a batch; every event must be accepted (or a duplicate when
 * `duplicates` says so). */
static void publish(const char *json, bool duplicates)
{
    char *reply = rp_test_publish_json(daemon_, json);
    if (!reply)
        fail_msg("no reply to %s", json);
    if (strstr(reply, "rejected") || strstr(reply, "retry")
        || (!duplicates && strstr(reply, "duplicate")))
        fail_msg("not accepted: %s -> %s", json, reply);
    free(reply);
    rp_test_wait_idle(db, 30000);
}

static char *event(const char *id, const char *type, long long ts, const char *customer,
                   const char *data)
{
    char *out = NULL;
    if (asprintf(&out, "{\"id\":\"%s\",\"type\":\"%s\",\"ts\":%lld,\"customer\":\"%s\",\"data\":%s}",
                 id, type, ts, customer, data) < 0)
        fail_msg("out of memory");
    return out;
}

static void publish_one(const char *id, const char *type, long long ts, const char *customer,
                 const char *data)
{
    char *json = event(id, type, ts, customer, data);
    publish(json, false);
    free(json);
}

static int64_t count(const char *sql)
{
    return rp_test_sql_int(db, sql);
}

static void expect_text(const char *sql, const char *want)
{
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s\n  got  %s\n  want %s", sql, got ? got : "NULL", want);
    free(got);
}

static int setup(void **state)
{
    (void)state;
    conninfo = rp_test_create_db("rp_referral_broker");
    const char *args[] = {"--plugins=referral", "--clock=event",
                          "--plugin.referral.reward_rules=conversion:both:10,spend>=500:referrer:50",
                          "--plugin.referral.burst_max=2", "--plugin.referral.burst_window=1d",
                          "--plugin.referral.conversion_window=30d",
                          "--plugin.referral.key_people_top=2", "--plugin.referral.key_people_min=1", NULL};
    daemon_ = rp_test_daemon_start(conninfo, args);
    db = rp_test_connect(conninfo);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(rp_test_daemon_stop(daemon_, SIGTERM), 0);
    PQfinish(db);
    free(conninfo);
    return 0;
}

static void links_and_conversion(void **state)
{
    (void)state;
    publish_one("u-ann", "customer.upsert", T0, "ann",
         "{\"email\":\"Ann@Example.com\",\"profession\":\"Real  Estate Agent\"}");
    publish_one("u-bob", "customer.upsert", T0 + HOUR, "bob",
         "{\"referred_by\":\"ann\",\"timezone\":\"Europe/London\",\"profession\":\"mortgage broker\"}");
    publish_one("r-cat", "referral", T0 + 2 * HOUR, "ann", "{\"referee\":\"cat\",\"channel\":\"visit\"}");
    expect_text("SELECT string_agg(referee || ':' || referrer || ':' || source || ':' || status || ':' "
                "|| depth, ',' ORDER BY referee) FROM referral_links",
                "bob:ann:customer.upsert:pending:1,cat:ann:referral:pending:1");
    /* Bob's first purchase three local days later converts his referral. */
    publish_one("p-bob-1", "purchase", T0 + 3 * DAY, "bob",
         "{\"order_id\":\"o-b1\",\"amount\":600,\"currency\":\"GBP\"}");
    expect_text("SELECT status || ':' || days_to_convert || ':' || converted_ms FROM referral_links "
                "WHERE referee = 'bob'", "converted:3:1700259200000");
    expect_text("SELECT subtree_size || ':' || subtree_revenue || ':' || converted_referrals "
                "FROM referral_nodes WHERE customer = 'ann'", "3:600:1");
    assert_int_equal(count("SELECT count(*) FROM outbox WHERE type = 'referral.converted' "
                           "AND customer = 'ann' AND cause = 'p-bob-1'"), 1);
    char *replay = rp_test_replay_json(daemon_, 1, 100);
    assert_non_null(replay);
    assert_non_null(strstr(replay, "\"referee\":\"bob\""));
    assert_non_null(strstr(replay, "\"depth\":1"));
    assert_non_null(strstr(replay, "\"days_to_convert\":3"));
    assert_non_null(strstr(replay, "\"order_id\":\"o-b1\""));
    free(replay);
    /* conversion:both and spend>=500 on the referrer's side */
    expect_text("SELECT string_agg(rule || ':' || side || ':' || beneficiary || ':' || amount || ':' "
                "|| status, ',' ORDER BY rule, side) FROM referral_rewards",
                "conversion:referee:bob:10:earned,conversion:referrer:ann:10:earned,"
                "spend>=500:referrer:ann:50:earned");
    assert_int_equal(count("SELECT count(*) FROM outbox WHERE type = 'referral.reward_earned'"), 3);
    expect_text("SELECT referrer || ':' || month || ':' || revenue FROM referral_attribution",
                "ann:2023-11:600");
}

static void rewards_once_when_facts_repeat(void **state)
{
    (void)state;
    /* The same link and the same purchase facts again, under new ids, plus a
     * second order; and the first events again under their own ids. */
    publish("[{\"id\":\"u-bob-again\",\"type\":\"customer.upsert\",\"ts\":1700400000000,"
            "\"customer\":\"bob\",\"data\":{\"referred_by\":\"ann\"}},"
            "{\"id\":\"r-bob-again\",\"type\":\"referral\",\"ts\":1700400000001,"
            "\"customer\":\"ann\",\"data\":{\"referee\":\"bob\"}},"
            "{\"id\":\"p-bob-2\",\"type\":\"purchase\",\"ts\":1700400000002,\"customer\":\"bob\","
            "\"data\":{\"order_id\":\"o-b2\",\"amount\":300,\"currency\":\"GBP\"}}]", false);
    publish("[{\"id\":\"u-bob\",\"type\":\"customer.upsert\",\"ts\":1700003600000,\"customer\":\"bob\","
            "\"data\":{\"referred_by\":\"ann\"}},"
            "{\"id\":\"p-bob-1\",\"type\":\"purchase\",\"ts\":1700259200000,\"customer\":\"bob\","
            "\"data\":{\"order_id\":\"o-b1\",\"amount\":600,\"currency\":\"GBP\"}}]", true);
    assert_int_equal(count("SELECT count(*) FROM referral_rewards"), 3);
    assert_int_equal(count("SELECT count(*) FROM outbox WHERE type = 'referral.reward_earned'"), 3);
    assert_int_equal(count("SELECT count(*) FROM outbox WHERE type = 'referral.converted'"), 1);
    assert_int_equal(count("SELECT count(*) FROM referral_rejections"), 0);
    expect_text("SELECT cause FROM referral_links WHERE referee = 'bob'", "u-bob");
    expect_text("SELECT revenue::text FROM referral_attribution WHERE referrer = 'ann'", "900");
}

static void self_referral_and_cycle_refused(void **state)
{
    (void)state;
    publish_one("r-dan-self", "referral", T0 + 4 * DAY, "dan", "{\"referee\":\"dan\"}");
    publish_one("r-cycle", "referral", T0 + 4 * DAY, "bob", "{\"referee\":\"ann\"}");
    expect_text("SELECT string_agg(cause || ':' || referee || ':' || referrer || ':' || reason, ',' "
                "ORDER BY cause) FROM referral_rejections",
                "r-cycle:ann:bob:cycle,r-dan-self:dan:dan:self_referral");
    expect_text("SELECT message FROM referral_rejections WHERE cause = 'r-cycle'",
                "referral of ann by bob refused: ann already leads to bob (ann > bob), "
                "so it would close a cycle");
    assert_int_equal(count("SELECT count(*) FROM outbox WHERE type = 'referral.flagged' "
                           "AND cause IN ('r-cycle', 'r-dan-self')"), 2);
    /* a fact about the data, not a failure: nothing dead-lettered, chains unchanged */
    assert_int_equal(count("SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(count("SELECT count(*) FROM referral_nodes WHERE customer = 'ann' "
                           "AND referred_by IS NULL AND depth = 0"), 1);
    char *replay = rp_test_replay_json(daemon_, 1, 200);
    assert_non_null(strstr(replay, "\"message\":\"customer dan cannot refer themself\""));
    assert_non_null(strstr(replay, "\"reasons\":[\"cycle\"]"));
    free(replay);
}

static void burst_is_held(void **state)
{
    (void)state;
    publish("[{\"id\":\"r-g1\",\"type\":\"referral\",\"ts\":1700500000000,\"customer\":\"fay\","
            "\"data\":{\"referee\":\"g1\"}},"
            "{\"id\":\"r-g2\",\"type\":\"referral\",\"ts\":1700500060000,\"customer\":\"fay\","
            "\"data\":{\"referee\":\"g2\"}},"
            "{\"id\":\"r-g3\",\"type\":\"referral\",\"ts\":1700500120000,\"customer\":\"fay\","
            "\"data\":{\"referee\":\"g3\"}}]", false);
    expect_text("SELECT string_agg(referee || ':' || flags, ',' ORDER BY referee) FROM referral_links "
                "WHERE referrer = 'fay'", "g1:,g2:,g3:burst");
    publish_one("p-g3", "purchase", 1700500200000LL, "g3", "{\"order_id\":\"o-g3\",\"amount\":50,\"currency\":\"GBP\"}");
    /* converted, but its rewards are held and nothing is announced as earned */
    expect_text("SELECT status FROM referral_links WHERE referee = 'g3'", "converted");
    expect_text("SELECT string_agg(status, ',' ORDER BY side) FROM referral_rewards WHERE referee = 'g3'",
                "held,held");
    assert_int_equal(count("SELECT count(*) FROM outbox WHERE type = 'referral.reward_earned' "
                           "AND customer IN ('fay', 'g3')"), 0);
    assert_int_equal(count("SELECT converted_referrals FROM referral_nodes WHERE customer = 'fay'"), 0);
    char *replay = rp_test_replay_json(daemon_, 1, 300);
    assert_non_null(strstr(replay, "\"reasons\":[\"burst\"]"));
    assert_non_null(strstr(replay, "\"flagged\":true"));
    free(replay);
}

static void late_referrer_link(void **state)
{
    (void)state;
    /* hal brought ivy first; hal bought; only then does cat's introduction
     * of hal arrive, dated before hal's purchase. */
    publish_one("r-ivy", "referral", 1700600000000LL, "hal", "{\"referee\":\"ivy\"}");
    publish_one("p-ivy", "purchase", 1700603600000LL, "ivy", "{\"order_id\":\"o-i\",\"amount\":20,\"currency\":\"GBP\"}");
    publish_one("p-hal", "purchase", 1700690000000LL, "hal", "{\"order_id\":\"o-h\",\"amount\":100,\"currency\":\"GBP\"}");
    expect_text("SELECT depth FROM referral_nodes WHERE customer = 'ivy'", "1");
    publish_one("r-hal-late", "referral", 1700690000000LL - HOUR, "cat", "{\"referee\":\"hal\"}");
    expect_text("SELECT string_agg(customer || ':' || depth || ':' || subtree_size, ',' ORDER BY customer)"
                " FROM referral_nodes WHERE customer IN ('ann', 'cat', 'hal', 'ivy')",
                "ann:0:5,cat:1:3,hal:2:2,ivy:3:1");
    expect_text("SELECT status || ':' || days_to_convert || ':' || depth FROM referral_links "
                "WHERE referee = 'hal'", "converted:0:2");
    expect_text("SELECT subtree_revenue::text FROM referral_nodes WHERE customer = 'ann'", "1020");
    expect_text("SELECT revenue::text FROM referral_attribution WHERE referrer = 'cat'", "100");
    assert_int_equal(count("SELECT count(*) FROM outbox WHERE type = 'referral.converted' "
                           "AND customer = 'cat' AND cause = 'r-hal-late'"), 1);
    /* key people, top 2 from influence 1, at the cuts of the tenant clock
     * (UTC midnights): ann (bob converted) on the 18th, fay (g3) on the
     * 21st, and on the 23rd cat (1.65, through hal and ivy) displaces fay
     * (1.07); an event after that midnight carries the clock past it */
    expect_text("SELECT string_agg(customer, ',' ORDER BY customer) FROM referral_key_people", "ann,fay");
    publish_one("u-zed", "customer.upsert", 1700700000000LL, "zed", "{}");
    expect_text("SELECT string_agg(customer, ',' ORDER BY customer) FROM referral_key_people", "ann,cat");
    expect_text("SELECT string_agg(customer, ',' ORDER BY seq) FROM outbox WHERE type = 'referral.key_person'",
                "ann,fay,cat");
    expect_text("SELECT string_agg(customer || ':' || entered_ms, ',' ORDER BY customer) FROM referral_key_people",
                "ann:1700265600000,cat:1700697600000");
    assert_int_equal(count("SELECT count(*) FROM outbox WHERE type = 'referral.key_person'"
                           " AND cause <> 'timer:key_people'"), 0);
}

static void introductions_suggested(void **state)
{
    (void)state;
    publish_one("u-jon", "customer.upsert", T0 + 20 * DAY, "jon", "{\"profession\":\"Mortgage Broker\"}");
    publish_one("u-kim", "customer.upsert", T0 + 20 * DAY, "kim", "{\"industry\":\"interior designer\"}");
    /* bob is a mortgage broker too, but ann already introduced him */
    expect_text("SELECT string_agg(customer_a || '-' || customer_b || ':' || a_term || '/' || b_term "
                "|| ':' || pair_rank, ',' ORDER BY customer_a, customer_b) FROM referral_introductions",
                "ann-jon:real estate agent/mortgage broker:0,ann-kim:real estate agent/interior designer:1");
    expect_text("SELECT profession FROM referral_nodes WHERE customer = 'ann'", "real estate agent");
    /* the same profession again changes nothing */
    publish_one("u-jon-2", "customer.upsert", T0 + 21 * DAY, "jon", "{\"profession\":\"mortgage  broker\"}");
    assert_int_equal(count("SELECT count(*) FROM referral_introductions"), 2);
}

/* Runs the report with extra options; returns stdout and stderr together
 * and the exit code in *exit_code. */
static char *run_report_status(const char *extra, int *exit_code)
{
    char words[1024];
    snprintf(words, sizeof words, "report referrals --month 2023-11 %s", extra);
    return rp_test_rapportctl(conninfo, words, exit_code);
}

static char *run_report(const char *extra)
{
    int exit_code;
    char *out = run_report_status(extra, &exit_code);
    if (exit_code != 0)
        fail_msg("report referrals %s exited %d:\n%s", extra, exit_code, out);
    return out;
}

static void expect_in(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("report lacks\n%s\nin\n%s", want, text);
}

/* Text: the flagged referrals with their local time (a burst is minutes
 * apart, so the minute is shown), key people with the local date of entry;
 * none of the millisecond timestamps behind them. */
static void report_text_dates(void)
{
    char *text = run_report("");
    printf("%s", text);
    expect_in(text, "referrals report, tenant default, month 2023-11 (month boundaries and times in UTC)\n");
    expect_in(text, "\ntime              referrer  referee  reason         kind     message\n"
                    "2023-11-18 22:13  bob       ann      cycle          refused  referral of ann by bob"
                    " refused: ann already leads to bob (ann > bob), so it would close a cycle\n"
                    "2023-11-18 22:13  dan       dan      self_referral  refused  customer dan cannot"
                    " refer themself\n"
                    "2023-11-20 17:08  fay       g3       burst          held     \n");
    expect_in(text, "  subtree revenue  since\n");
    expect_in(text, "  1020.00          2023-11-18\n");   /* ann, since the cut after bob converted */
    expect_in(text, "  120.00           2023-11-23\n");   /* cat, since the cut after hal's late link */
    assert_null(strstr(text, "ts_ms"));
    assert_null(strstr(text, "1700345600000"));
    assert_null(strstr(text, "1700500120000"));
    assert_null(strstr(text, "1700265600000"));
    free(text);
}

/* Another zone moves the printed dates and times with it (Shanghai is UTC+8,
 * no DST): the cycle refused at 22:13 UTC happened on the 19th there. */
static void report_text_in_zone(void)
{
    char *text = run_report("--tz Asia/Shanghai");
    expect_in(text, "(month boundaries and times in Asia/Shanghai)\n");
    expect_in(text, "\n2023-11-19 06:13  bob       ann      cycle          refused  ");
    expect_in(text, "\n2023-11-21 01:08  fay       g3       burst          held     \n");
    expect_in(text, "  1020.00          2023-11-18\n");   /* 08:00 in Shanghai */
    free(text);
    int exit_code;
    char *bad = run_report_status("--tz Mars/Base", &exit_code);
    assert_int_equal(exit_code, 2);
    expect_in(bad, "rapportctl report referrals: ERROR:  time zone \"Mars/Base\" not recognized\n");
    free(bad);
}

static void report_referrals(void **state)
{
    (void)state;
    char *text = run_report("");
    assert_non_null(strstr(text, "top referrers"));
    assert_non_null(strstr(text, "key people"));
    assert_non_null(strstr(text, "conversion"));
    assert_non_null(strstr(text, "attributed revenue"));
    assert_non_null(strstr(text, "flagged referrals"));
    assert_non_null(strstr(text, "suggested introductions"));
    assert_non_null(strstr(text, "real estate agent"));
    free(text);
    report_text_dates();
    report_text_in_zone();
    char *json = run_report("--json");
    printf("%s", json);
    /* links made in 2023-11: bob, cat, g1, g2, g3, ivy, hal; converted: bob, g3, ivy, hal */
    assert_non_null(strstr(json, "\"referrals\":7"));
    assert_non_null(strstr(json, "\"converted\":4"));
    assert_non_null(strstr(json, "\"attributed_revenue\":1070.0"));
    assert_non_null(strstr(json, "\"customer_a\":\"ann\",\"customer_b\":\"jon\""));
    assert_non_null(strstr(json, "\"reason\":\"cycle\""));
    /* sorted keys: the local time next to the raw milliseconds */
    expect_in(json, "\"referrer\":\"fay\",\"time\":\"2023-11-20 17:08\",\"ts_ms\":1700500120000}");
    expect_in(json, "{\"customer\":\"ann\",\"entered\":\"2023-11-18\",\"entered_ms\":1700265600000,");
    expect_in(json, "\"tz\":\"UTC\"");
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(links_and_conversion),
        cmocka_unit_test(rewards_once_when_facts_repeat),
        cmocka_unit_test(self_referral_and_cycle_refused),
        cmocka_unit_test(burst_is_held),
        cmocka_unit_test(late_referrer_link),
        cmocka_unit_test(introductions_suggested),
        cmocka_unit_test(report_referrals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
