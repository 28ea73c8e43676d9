/*
 * test_stakeholder_broker.c - the stakeholder plugin in a real rapportd with
 * a real PostgreSQL: an org with three people (a supporting decision maker
 * and initiator, a neutral user, an opposing executor), contacts that make
 * two ties adequate and close their gaps (the contacts travel on the
 * people's partitions, not the org's), then the champion leaves:
 * org.champion_left, a care_requests row for the account owner and the
 * reopened gaps. Then `rapportctl report org` on the same database: text,
 * JSON (parsed) and the DOT file. Last, the decay timer alone: the broker is
 * restarted on an injected fixed clock, first 1 ms before the instant bob's
 * tie turns weak (nothing changes), then at that instant (the durable timer
 * fires, the user role's only_weak gap opens, org.coverage_gap is emitted),
 * with no event published in between.
 *
 * Coverage is evaluated on the tenant clock, at the instant after the facts
 * that change it: each phase ends with a tenant-wide tick event later than
 * its facts (the engine clock of an event-time run moves with the events),
 * and waiting until the broker is idle then includes the evaluations due
 * before the tick (the tick is not handled before them).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "rp_test.h"

#define T0 1700000000000LL   /* 2023-11-14 22:13:20 UTC */
#define HOUR 3600000LL
#define DAY (24 * HOUR)
/* When bob's tie (contact at T0+2h, care.done at T0+3h; weights 1, half-life
 * 30 d, scale 2) falls below 40: raw_ref = 1 + 2^(-1h/30d) = 1.99903776,
 * raw at 40 = 2 * 40/60 = 4/3, so ref + floor(30 d * log2(raw_ref / (4/3)))
 * + 1 ms = T0+3h + 1514423235 + 1 (17.53 days later, 2023-12-02 13:53:43.236
 * UTC). Strength there: 39.99999999; 1 ms earlier: 40.0000000006. */
#define DECAY_DUE 1701525223236LL

static rp_test_daemon *daemon_;
static PGconn *db;
static char *conninfo;

static void publish(const char *json)
{
    char *reply = rp_test_publish_json(daemon_, json);
    if (!reply)
        fail_msg("no reply to %s", json);
    if (strstr(reply, "rejected") || strstr(reply, "retry") || strstr(reply, "duplicate"))
        fail_msg("not accepted: %s -> %s", json, reply);
    free(reply);
    rp_test_wait_idle(db, 30000);
}

/* A tenant-wide event no loaded plugin takes, at ts: every coverage
 * evaluation due before it has run once the broker is idle. */
static void advance(long long ts)
{
    static int ticks;
    char json[256];
    snprintf(json, sizeof json, "{\"id\":\"tick-%d\",\"type\":\"market.price\",\"ts\":%lld,"
             "\"data\":{\"product\":\"tick\",\"price\":1}}", ++ticks, ts);
    publish(json);
}

/* org may be NULL (customer-scoped), customer may be NULL (org.upsert). */
static void send(const char *id, const char *type, long long ts, const char *org,
                 const char *customer, const char *data)
{
    char *json = NULL;
    if (asprintf(&json, "{\"id\":\"%s\",\"type\":\"%s\",\"ts\":%lld%s%s%s%s%s%s,\"data\":%s}", id, type,
                 ts, org ? ",\"org\":\"" : "", org ? org : "", org ? "\"" : "",
                 customer ? ",\"customer\":\"" : "", customer ? customer : "", customer ? "\"" : "",
                 data) < 0)
        fail_msg("out of memory");
    publish(json);
    free(json);
}

static void expect_text(const char *sql, const char *want)
{
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s\n  got  %s\n  want %s", sql, got ? got : "NULL", want);
    free(got);
}

/* Derived events of one type, parsed from the replay endpoint. */
static json_t *derived(const char *type)
{
    char *text = rp_test_replay_json(daemon_, 1, 1000);
    assert_non_null(text);
    json_t *all = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(all);
    json_t *events = json_is_array(all) ? all : json_object_get(all, "events");
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
        if (strcmp(json_string_value(json_object_get(e, "type")), type) == 0)
            json_array_append(out, e);
    json_decref(all);
    return out;
}

/* "role:kind:state,..." of the org.coverage_gap events, in seq order. */
static char *gap_story(void)
{
    json_t *gaps = derived("org.coverage_gap");
    size_t len = 0, cap = 4096;
    char *out = calloc(1, cap);
    size_t i;
    json_t *e;
    json_array_foreach(gaps, i, e) {
        json_t *data = json_object_get(e, "data");
        len += (size_t)snprintf(out + len, cap - len, "%s%s:%s:%s", i ? "," : "",
                                json_string_value(json_object_get(data, "role")),
                                json_string_value(json_object_get(data, "kind")),
                                json_string_value(json_object_get(data, "state")));
        assert_string_equal(json_string_value(json_object_get(e, "org")), "acme");
    }
    json_decref(gaps);
    return out;
}

static int setup(void **state)
{
    (void)state;
    conninfo = rp_test_create_db("rp_stakeholder_broker");
    const char *args[] = {"--plugins=stakeholder", "--clock=event", NULL};
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

static void map_and_coverage(void **state)
{
    (void)state;
    send("o-acme", "org.upsert", T0, "acme", NULL,
         "{\"name\":\"Acme Ltd\",\"owner\":\"olivia\",\"timezone\":\"Europe/London\"}");
    send("u-ann", "customer.upsert", T0, NULL, "ann", "{\"style\":\"analytical\"}");
    send("u-bob", "customer.upsert", T0, NULL, "bob", "{\"style\":\"dominant\",\"name\":\"Bob\"}");
    advance(T0 + 1);
    expect_text("SELECT count(*) || ':' || string_agg(DISTINCT kind, ',') || ':' || min(opened_ms)"
                " FROM stakeholder_gaps", "6:nobody:1700000000001");
    send("s-ann", "stakeholder.upsert", T0 + HOUR, "acme", "ann",
         "{\"roles\":[\"decision_maker\",\"initiator_internal\"],\"attitude\":\"supporter\","
         "\"influence\":5,\"title\":\"CFO\",\"interests_collective\":\"lower costs\"}");
    send("s-bob", "stakeholder.upsert", T0 + HOUR, "acme", "bob",
         "{\"roles\":[\"user\"],\"attitude\":\"neutral\",\"influence\":2}");
    send("s-carl", "stakeholder.upsert", T0 + HOUR, "acme", "carl",
         "{\"roles\":[\"executor\"],\"attitude\":\"opponent\",\"influence\":3}");
    advance(T0 + HOUR + 1);
    /* without contacts every tie is weak: held roles turn from nobody to only_weak / opponents */
    expect_text("SELECT string_agg(role || ':' || kind, ',' ORDER BY role) FROM stakeholder_gaps",
                "decision_maker:only_weak,executor:only_opponents,influencer_external:nobody,"
                "influencer_internal:nobody,initiator_internal:only_weak,user:only_weak");
    /* two contacts each: raw 2 - a little decay, strength just under 50, above 40 */
    send("c-ann-1", "contact", T0 + 2 * HOUR, NULL, "ann", "{\"channel\":\"meeting\"}");
    send("c-ann-2", "activity.attended", T0 + 3 * HOUR, NULL, "ann", "{\"activity_id\":\"salon-1\"}");
    send("c-bob-1", "contact", T0 + 2 * HOUR, NULL, "bob", "{\"channel\":\"phone\"}");
    send("c-bob-2", "care.done", T0 + 3 * HOUR, NULL, "bob", "{\"task_id\":\"t1\"}");
    advance(T0 + 3 * HOUR + 1);
    expect_text("SELECT string_agg(role || ':' || kind, ',' ORDER BY role) FROM stakeholder_gaps",
                "executor:only_opponents,influencer_external:nobody,influencer_internal:nobody");
    expect_text("SELECT coverage_score || ':' || covered_roles || ':' || threads || ':' || single_threaded"
                " FROM stakeholder_orgs WHERE org = 'acme'", "50:3:2:false");
    expect_text("SELECT interactions || ':' || style FROM stakeholder_people WHERE customer = 'ann'",
                "2:analytical");
    /* the decay timer: the earliest instant one of the covering ties turns weak */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE key = 'coverage:acme'"), 1);
}

static void champion_leaves(void **state)
{
    (void)state;
    send("l-ann", "stakeholder.left", T0 + DAY, "acme", "ann", "{\"reason\":\"joined a competitor\"}");
    advance(T0 + DAY + 1);
    expect_text("SELECT request_id || '|' || coalesce(customer, '-') || '|' || org || '|' || assignee"
                " || '|' || kind || '|' || priority || '|' || due_ms || '|' || source FROM care_requests",
                "stakeholder:champion_left:acme:ann:l-ann|-|acme|olivia|champion_left|1|1700086400000|"
                "stakeholder");
    expect_text("SELECT active::text || ':' || left_reason FROM stakeholder_members WHERE customer = 'ann'",
                "false:joined a competitor");
    expect_text("SELECT string_agg(role || ':' || kind, ',' ORDER BY role) FROM stakeholder_gaps",
                "decision_maker:nobody,executor:only_opponents,influencer_external:nobody,"
                "influencer_internal:nobody,initiator_internal:nobody");
    expect_text("SELECT coverage_score || ':' || threads || ':' || single_threaded FROM stakeholder_orgs",
                "17:1:true");

    json_t *left = derived("org.champion_left");
    assert_int_equal(json_array_size(left), 1);
    json_t *e = json_array_get(left, 0);
    json_t *data = json_object_get(e, "data");
    assert_string_equal(json_string_value(json_object_get(e, "org")), "acme");
    assert_string_equal(json_string_value(json_object_get(e, "customer")), "ann");
    assert_string_equal(json_string_value(json_object_get(e, "cause")), "l-ann");
    assert_string_equal(json_string_value(json_object_get(data, "owner")), "olivia");
    assert_string_equal(json_string_value(json_object_get(data, "reason")), "joined a competitor");
    assert_string_equal(json_string_value(json_array_get(json_object_get(data, "roles"), 1)), "decision_maker");
    json_decref(left);

    char *story = gap_story();
    assert_string_equal(story,
        /* org.upsert: six roles with nobody */
        "initiator_internal:nobody:opened,influencer_internal:nobody:opened,"
        "influencer_external:nobody:opened,executor:nobody:opened,decision_maker:nobody:opened,"
        "user:nobody:opened,"
        /* ann, bob and carl placed at one instant, one evaluation: nobody ->
         * only_weak for their roles (only_opponents for carl's); closings
         * first, each in role order */
        "initiator_internal:nobody:closed,executor:nobody:closed,decision_maker:nobody:closed,"
        "user:nobody:closed,initiator_internal:only_weak:opened,executor:only_opponents:opened,"
        "decision_maker:only_weak:opened,user:only_weak:opened,"
        /* contacts make ann's and bob's ties adequate */
        "initiator_internal:only_weak:closed,decision_maker:only_weak:closed,"
        "user:only_weak:closed,"
        /* ann leaves */
        "initiator_internal:nobody:opened,decision_maker:nobody:opened");
    free(story);
    /* a stakeholder.left for someone who already left: a no-op */
    send("l-ann-again", "stakeholder.left", T0 + DAY + HOUR, "acme", "ann", "{}");
    advance(T0 + DAY + HOUR + 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_requests"), 1);
}

static char *run_report(const char *extra)
{
    char *cmd = NULL;
    if (asprintf(&cmd, "%s report org acme %s --database='%s'", rp_test_rapportctl_path(), extra,
                 conninfo) < 0)
        fail_msg("out of memory");
    int status;
    char *out = rp_test_command(cmd, &status);   /* stdout only: the DOT and text are checked whole */
    if (status != 0)
        fail_msg("%s exited %d:\n%s", cmd, status, out);
    free(cmd);
    return out;
}

static void report_org(void **state)
{
    (void)state;
    char dot_path[] = "/tmp/rp_stakeholder_dot_XXXXXX";
    int fd = mkstemp(dot_path);
    assert_true(fd >= 0);
    close(fd);
    char extra[128];
    snprintf(extra, sizeof extra, "--dot=%s", dot_path);
    char *text = run_report(extra);
    printf("%s", text);
    assert_non_null(strstr(text, "Stakeholder map - acme (Acme Ltd)"));
    assert_non_null(strstr(text, "owner olivia"));
    assert_non_null(strstr(text, "SINGLE-THREADED"));
    assert_non_null(strstr(text, "decision_maker       (nobody)"));
    assert_non_null(strstr(text, "bob (neutral, strength"));
    assert_non_null(strstr(text, "only_opponents"));
    assert_non_null(strstr(text, "serve the users"));
    assert_non_null(strstr(text, "approach (dominant)"));
    assert_non_null(strstr(text, "let them decide"));
    free(text);

    FILE *dot = fopen(dot_path, "r");
    assert_non_null(dot);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, dot);
    buf[n] = '\0';
    fclose(dot);
    unlink(dot_path);
    assert_non_null(strstr(buf, "digraph stakeholders {"));
    assert_non_null(strstr(buf, "\"role:user\" -> \"bob\""));
    assert_non_null(strstr(buf, "\"role:executor\" -> \"carl\" [color=red"));
    assert_non_null(strstr(buf, "gap: nobody"));

    char *json_text = run_report("--json");
    json_error_t err;
    json_t *map = json_loads(json_text, 0, &err);
    if (!map)
        fail_msg("report org --json does not parse: %s\n%s", err.text, json_text);
    free(json_text);
    json_t *cov = json_object_get(map, "coverage");
    assert_int_equal(json_integer_value(json_object_get(cov, "score")), 17);
    assert_true(json_is_true(json_object_get(cov, "single_threaded")));
    assert_int_equal(json_array_size(json_object_get(map, "people")), 2);
    assert_int_equal(json_array_size(json_object_get(map, "gaps")), 5);
    json_t *bob = json_array_get(json_object_get(map, "people"), 1);   /* influence 2 sorts last */
    assert_string_equal(json_string_value(json_object_get(bob, "customer")), "bob");
    assert_string_equal(json_string_value(json_object_get(bob, "style")), "dominant");
    assert_true(json_is_true(json_object_get(bob, "adequate")));
    assert_int_equal(json_integer_value(json_object_get(bob, "interactions")), 2);
    json_t *users = json_object_get(json_object_get(map, "by_role"), "user");
    assert_string_equal(json_string_value(json_array_get(users, 0)), "bob");
    json_decref(map);
}

/* Restarts rapportd on the same database with the engine clock pinned at
 * now_ms: time passes without any event. Fast idle polling so the workers
 * look at due timers many times within the test's waits. */
static void restart_at(long long now_ms)
{
    assert_int_equal(rp_test_daemon_stop(daemon_, SIGTERM), 0);
    char clock[64];
    snprintf(clock, sizeof clock, "--clock=fixed:%lld", now_ms);
    const char *args[] = {"--plugins=stakeholder", clock, "--idle_poll_ms=20", NULL};
    daemon_ = rp_test_daemon_start(conninfo, args);
}

static void pause_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static void expect_last_gap_event(void)
{
    json_t *gaps = derived("org.coverage_gap");
    json_t *e = json_array_get(gaps, json_array_size(gaps) - 1);
    json_t *data = json_object_get(e, "data");
    assert_string_equal(json_string_value(json_object_get(e, "cause")), "timer:coverage:acme");
    assert_string_equal(json_string_value(json_object_get(data, "role")), "user");
    assert_string_equal(json_string_value(json_object_get(data, "kind")), "only_weak");
    assert_string_equal(json_string_value(json_object_get(data, "state")), "opened");
    assert_int_equal(json_integer_value(json_object_get(data, "opened_ms")), DECAY_DUE);
    assert_int_equal(json_integer_value(json_object_get(data, "coverage_score")), 0);
    assert_int_equal(json_integer_value(json_object_get(data, "covered_roles")), 0);
    assert_true(json_is_false(json_object_get(data, "single_threaded")));
    json_decref(gaps);
}

static void weak_tie_decays_by_time(void **state)
{
    (void)state;
    /* after the champion left: bob alone covers `user`, adequate until DECAY_DUE */
    assert_int_equal(rp_test_sql_int(db, "SELECT due_ms FROM timers WHERE key = 'coverage:acme'"),
                     DECAY_DUE);
    int64_t events_before = rp_test_sql_int(db, "SELECT count(*) FROM events");
    int64_t gaps_before = rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'org.coverage_gap'");

    /* 1 ms early: the tie is still adequate and the timer is not due */
    restart_at(DECAY_DUE - 1);
    pause_ms(1000);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'org.coverage_gap'"),
                     gaps_before);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers WHERE key = 'coverage:acme'"), 1);

    /* at the instant: the timer re-evaluates acme on its own */
    restart_at(DECAY_DUE);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM timers WHERE key = 'coverage:acme'", 0, 30000);
    expect_text("SELECT string_agg(role || ':' || kind || ':' || opened_ms, ',' ORDER BY role)"
                " FROM stakeholder_gaps WHERE kind = 'only_weak'", "user:only_weak:1701525223236");
    expect_text("SELECT coverage_score || ':' || covered_roles || ':' || threads || ':' || single_threaded"
                " || ':' || computed_ms FROM stakeholder_orgs WHERE org = 'acme'",
                "0:0:0:false:1701525223236");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM outbox WHERE type = 'org.coverage_gap'"),
                     gaps_before + 1);
    expect_last_gap_event();
    /* time alone did it: no event was published, bob's interactions are as they were */
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM events"), events_before);
    expect_text("SELECT interactions::text FROM stakeholder_people WHERE customer = 'bob'", "2");
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_and_coverage),
        cmocka_unit_test(champion_leaves),
        cmocka_unit_test(report_org),
        cmocka_unit_test(weak_tie_decays_by_time),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
