/*
 * test_care_report.c - `rapportctl report care` (the real binary) on a real
 * PostgreSQL whose care tables the real rapportd with care.so filled, event
 * clock, default settings:
 *   - lon (Europe/London, SMS) buys on Friday 27 March 2026; the campaign
 *     launched two hours later merges into the see-off (its reason travels
 *     with it); the greeting two days later is at 10:00 London time after
 *     the clocks went forward; a contact closes it; a key event lands in a
 *     full 30-day window and is deferred from 21 to 26 April;
 *   - nyc (America/New_York, email) buys on Sunday 29 March at 20:00 New
 *     York time, already Monday in London and in UTC: which day lists the
 *     see-off depends on --tz, and the time is printed in that zone;
 *   - an account-level care request for olivia shows the --staff filter and
 *     the sort by priority;
 *   - --json carries the same tasks with due_ms;
 *   - --due=today is the day in --tz (own database: the event clock of the
 *     first one is far from today);
 *   - a bad --due (wrong shape, impossible date) is refused with a message
 *     naming the option and exit 2, before touching the database.
 * Expected lines are exact: columns are aligned by the widest cell.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "rp_test.h"

#define T0 1774612800000LL      /* Fri 2026-03-27 12:00 UTC = 12:00 GMT */
#define HOUR 3600000LL
#define DAY 86400000LL
#define NYC_PURCHASE 1774828800000LL   /* Mon 2026-03-30 00:00 UTC = Sun 29th 20:00 EDT */

static char *conninfo;

static void pause_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* Events handled and every timer the event clock has passed fired, so task
 * statuses (pending -> due -> expired) no longer depend on timing. */
static void settle(PGconn *db)
{
    rp_test_wait_idle(db, 30000);
    const char *sql = "SELECT count(*) FROM timers WHERE due_ms <= (SELECT max_ts_ms FROM ingest_head)";
    for (int waited = 0; waited <= 60000; waited += 25) {
        if (rp_test_sql_int(db, sql) == 0)
            return;
        pause_ms(25);
    }
    fail_msg("timers due by the event clock did not fire within 60 s");
}

static void publish(const rp_test_daemon *d, PGconn *db, const char *json)
{
    char *reply = rp_test_publish_json(d, json);
    if (!reply)
        fail_msg("no reply to %s", json);
    if (strstr(reply, "rejected") || strstr(reply, "retry") || strstr(reply, "duplicate"))
        fail_msg("not accepted: %s -> %s", json, reply);
    free(reply);
    settle(db);
}

/* Runs `rapportctl report care ARGS` on the test database; stdout and
 * stderr together, the exit code in *exit_code. */
static char *report(const char *args, int *exit_code)
{
    char words[1024];
    snprintf(words, sizeof words, "report care %s", args);
    return rp_test_rapportctl(conninfo, words, exit_code);
}

/* The report's whole output must be exactly `want`. */
static void expect_report(const char *args, const char *want)
{
    int exit_code;
    char *got = report(args, &exit_code);
    if (exit_code != 0 || strcmp(got, want) != 0)
        fail_msg("report care %s (exit %d)\n--- got\n%s--- want\n%s---", args, exit_code, got, want);
    free(got);
}

static void expect_in(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("report lacks\n%s\nin\n%s", want, text);
}

static void request_for_olivia(PGconn *db)
{
    char sql[512];
    snprintf(sql, sizeof sql,
        "INSERT INTO care_requests (tenant, request_id, org, assignee, kind, priority, due_ms, reason,"
        " source, created_ms) VALUES ('default', 'stakeholder:r1', 'acme', 'olivia', 'champion_left',"
        " 1, %lld, 'Champion ann left acme: meet the new decision maker', 'stakeholder', %lld)",
        T0 + 3 * HOUR, T0);
    free(rp_test_sql(db, sql));
}

static void fill(const rp_test_daemon *d, PGconn *db)
{
    char json[4096];
    snprintf(json, sizeof json,
        "[{\"id\":\"u-lon\",\"type\":\"customer.upsert\",\"ts\":%lld,\"customer\":\"lon\","
        "  \"data\":{\"timezone\":\"Europe/London\",\"preferred_channel\":\"sms\","
        "  \"birthday\":\"--04-05\",\"consent\":{\"contact\":true,\"marketing\":true}}},"
        " {\"id\":\"u-nyc\",\"type\":\"customer.upsert\",\"ts\":%lld,\"customer\":\"nyc\","
        "  \"data\":{\"timezone\":\"America/New_York\",\"preferred_channel\":\"email\"}},"
        " {\"id\":\"p-lon\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"lon\","
        "  \"data\":{\"order_id\":\"o-1\",\"amount\":129.9,\"currency\":\"GBP\"}}]",
        T0, T0, T0 + HOUR);
    publish(d, db, json);
    /* the first inbox timer (15 min of engine time) took olivia's request */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_requests WHERE taken_ms IS NULL"), 0);
    snprintf(json, sizeof json,
        "{\"id\":\"camp1\",\"type\":\"campaign.launched\",\"ts\":%lld,"
        " \"data\":{\"campaign_id\":\"spring\",\"kind\":\"promotion\",\"name\":\"Spring offer\"}}",
        T0 + 2 * HOUR);
    publish(d, db, json);
    snprintf(json, sizeof json,
        "[{\"id\":\"k-lon\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"lon\","
        "  \"data\":{\"channel\":\"sms\",\"task_id\":\"greeting:lon:order:o-1\",\"outcome\":\"thanked\"}},"
        " {\"id\":\"ke-lon\",\"type\":\"key_event\",\"ts\":%lld,\"customer\":\"lon\","
        "  \"data\":{\"kind\":\"moved_house\",\"date\":\"2026-04-20\",\"importance\":3}}]",
        T0 + DAY, T0 + DAY + 60000);
    publish(d, db, json);
    snprintf(json, sizeof json,
        "{\"id\":\"p-nyc\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"nyc\","
        " \"data\":{\"order_id\":\"o-7\",\"amount\":45,\"currency\":\"USD\"}}", NYC_PURCHASE);
    publish(d, db, json);
}

static rp_test_daemon *daemon_;
static PGconn *db;

static int setup(void **state)
{
    (void)state;
    conninfo = rp_test_create_db("rp_care_report");
    db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", "--clock=event", NULL};
    daemon_ = rp_test_daemon_start(conninfo, args);
    request_for_olivia(db);
    fill(daemon_, db);
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

/* Friday in London: by priority, not by time; the campaign merged into the
 * see-off is no line of its own, its reason follows the see-off's. The
 * event clock has since passed every window: all expired. */
static void day_sorted_by_priority_with_reasons(void **state)
{
    (void)state;
    expect_report("--due=2026-03-27 --tz=Europe/London",
        "Care tasks due 2026-03-27 - tenant default (day in Europe/London): 3\n"
        "\n"
        "prio  time   customer  kind           channel  gesture  status   reason\n"
        "1     15:00  acme      champion_left  phone             expired  Champion ann left acme: meet the new decision maker\n"
        "3     13:00  lon       see_off        visit             expired  Thank and see off after order o-1 (129.90 GBP);"
        " also: Invite to promotion campaign spring: Spring offer\n"
        "4     14:00  nyc       campaign       email             expired  Invite to promotion campaign spring: Spring offer\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n");
    expect_report("--due=2026-03-27 --tz=Europe/London --staff=olivia",
        "Care tasks due 2026-03-27 - tenant default, staff olivia (day in Europe/London): 1\n"
        "\n"
        "prio  time   customer  kind           channel  gesture  status   reason\n"
        "1     15:00  acme      champion_left  phone             expired  Champion ann left acme: meet the new decision maker\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n");
}

/* The greeting two days after the purchase is at 10:00 London time, after
 * the clocks went forward on the 29th (09:00 UTC); a contact closed it. */
static void due_time_in_the_customers_zone(void **state)
{
    (void)state;
    expect_report("--due=2026-03-29 --tz=Europe/London",
        "Care tasks due 2026-03-29 - tenant default (day in Europe/London): 1\n"
        "\n"
        "prio  time   customer  kind      channel  gesture  status  reason\n"
        "3     10:00  lon       greeting  sms               done    Greeting after order o-1\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n");
    expect_report("--due=2026-03-29",
        "Care tasks due 2026-03-29 - tenant default (day in UTC): 1\n"
        "\n"
        "prio  time   customer  kind      channel  gesture  status  reason\n"
        "3     09:00  lon       greeting  sms               done    Greeting after order o-1\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n");
}

/* nyc's see-off at Sunday 20:00 in New York is Monday in London and UTC:
 * --tz decides the day that lists it and the zone its time is shown in. */
static void zone_bounds_the_day(void **state)
{
    (void)state;
    expect_report("--due=2026-03-29 --tz=America/New_York",
        "Care tasks due 2026-03-29 - tenant default (day in America/New_York): 2\n"
        "\n"
        "prio  time   customer  kind      channel  gesture  status  reason\n"
        "3     05:00  lon       greeting  sms               done    Greeting after order o-1\n"
        "3     20:00  nyc       see_off   visit             due     Thank and see off after order o-7 (45.00 USD)\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n");
    expect_report("--due=2026-03-30",
        "Care tasks due 2026-03-30 - tenant default (day in UTC): 1\n"
        "\n"
        "prio  time   customer  kind     channel  gesture  status  reason\n"
        "3     00:00  nyc       see_off  visit             due     Thank and see off after order o-7 (45.00 USD)\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n");
}

/* Four touches since 27 March fill lon's 30-day window on 21 April: the
 * key-event follow-up waits until the see-off is 30 days old (13:00 UTC,
 * 14:00 in London). Its old day lists it as deferred, its new day as due. */
static void deferred_by_the_budget(void **state)
{
    (void)state;
    expect_report("--due=2026-04-21 --tz=Europe/London",
        "Care tasks due 2026-04-21 - tenant default (day in Europe/London): 0\n"
        "\n"
        "Deferred by the contact budget away from this day: 1\n"
        "\n"
        "prio  was    customer  kind       now due           reason\n"
        "3     10:00  lon       key_event  2026-04-26 14:00  Follow up key event: moved_house on 2026-04-20\n");
    expect_report("--day=2026-04-26 --tz=Europe/London",
        "Care tasks due 2026-04-26 - tenant default (day in Europe/London): 1\n"
        "\n"
        "prio  time   customer  kind       channel  gesture  status   reason\n"
        "3     14:00  lon       key_event  sms               pending  Follow up key event: moved_house on 2026-04-20\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n");
}

static void json_for_machines(void **state)
{
    (void)state;
    int exit_code;
    char *json = report("--due=2026-04-26 --tz=Europe/London --json", &exit_code);
    assert_int_equal(exit_code, 0);
    expect_in(json, "\"day\": \"2026-04-26\",\n  \"deferred\": [],\n  \"staff\": null,\n");
    expect_in(json, "\"deferred_from\": \"2026-04-21 10:00\",\n      \"due_ms\": 1777208400000,\n");
    expect_in(json, "\"kind\": \"key_event\",\n");
    expect_in(json, "\"reason\": \"Follow up key event: moved_house on 2026-04-20\",\n");
    expect_in(json, "\"task_id\": \"key_event:lon:moved_house:2026-04-20\",\n      \"time\": \"14:00\"\n");
    expect_in(json, "\"tz\": \"Europe/London\"\n}\n");
    free(json);
}

/* Wrong shapes and dates that do not exist get the option's own message
 * and exit 2; a real leap day is a valid (empty) day. */
static void bad_due_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"2026-13-01", "2026-02-30", "2027-02-29", "2026-04-31",
                                      "2026-3-29", "29/03/2026", "tomorrow", "2026-03-29x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char args[64], want[256];
        snprintf(args, sizeof args, "'--due=%s'", bad[i]);
        snprintf(want, sizeof want, "rapportctl report care: --due must be a date YYYY-MM-DD or today"
                 " (e.g. --due=2026-03-29), not '%s'\n", bad[i]);
        int exit_code;
        char *out = report(args, &exit_code);
        if (exit_code != 2 || strcmp(out, want) != 0)
            fail_msg("report care %s: exit %d, output\n%s", args, exit_code, out);
        free(out);
    }
    expect_report("--due=2028-02-29",
        "Care tasks due 2028-02-29 - tenant default (day in UTC): 0\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n");
}

/* A fixed-offset zone in which it is about noon now, so the day cannot
 * change between publishing and reporting. POSIX "Etc/GMT-X" is UTC+X. */
static int noon_offset_hours(time_t now, char *zone, size_t size)
{
    struct tm utc;
    gmtime_r(&now, &utc);
    int offset = 12 - utc.tm_hour;            /* -11 .. +12, all in tzdata */
    snprintf(zone, size, "Etc/GMT%+d", -offset);
    return offset;
}

/* --due=today (and no --due at all) is today in --tz. Its own database:
 * the event clock of the first one is far from today. */
static void today_in_the_zone(void **state)
{
    (void)state;
    conninfo = rp_test_create_db("rp_care_report_today");
    PGconn *today_db = rp_test_connect(conninfo);
    const char *args[] = {"--plugins=care", "--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    time_t now = time(NULL);
    char json[512];
    snprintf(json, sizeof json,
        "{\"id\":\"p-walkin\",\"type\":\"purchase\",\"ts\":%lld,\"customer\":\"walkin\","
        " \"data\":{\"order_id\":\"o-now\",\"amount\":10,\"currency\":\"GBP\"}}", (long long)now * 1000);
    publish(d, today_db, json);

    char zone[32];
    time_t local = now + (time_t)noon_offset_hours(now, zone, sizeof zone) * 3600;
    struct tm tm;
    gmtime_r(&local, &tm);
    char day[16], hhmm[8], want[1024], args_today[64];
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
    snprintf(want, sizeof want,
        "Care tasks due %s - tenant default (day in %s): 1\n"
        "\n"
        "prio  time   customer  kind     channel  gesture  status  reason\n"
        "3     %s  walkin    see_off  visit             due     Thank and see off after order o-now (10.00 GBP)\n"
        "\n"
        "Deferred by the contact budget away from this day: 0\n", day, zone, hhmm);
    snprintf(args_today, sizeof args_today, "--due=today --tz=%s", zone);
    expect_report(args_today, want);
    snprintf(args_today, sizeof args_today, "--tz=%s", zone);
    expect_report(args_today, want);

    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    PQfinish(today_db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest filled[] = {
        cmocka_unit_test(day_sorted_by_priority_with_reasons),
        cmocka_unit_test(due_time_in_the_customers_zone),
        cmocka_unit_test(zone_bounds_the_day),
        cmocka_unit_test(deferred_by_the_budget),
        cmocka_unit_test(json_for_machines),
        cmocka_unit_test(bad_due_is_refused),
    };
    const struct CMUnitTest today[] = {
        cmocka_unit_test(today_in_the_zone),
    };
    int failed = cmocka_run_group_tests_name("filled", filled, setup, teardown);
    return failed + cmocka_run_group_tests_name("today", today, NULL, NULL);
}
