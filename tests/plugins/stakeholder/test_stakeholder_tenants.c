/*
 * test_stakeholder_tenants.c - the stakeholder plugin on ABI 2 in a real
 * rapportd with a real PostgreSQL: tenancy, per-tenant settings and ids of
 * the longest valid length.
 *
 *  - many_tenants: 120 tenants publish the same story (same org, people and
 *    event ids) interleaved in every batch; three tenants override one key
 *    each (adequate_strength, weight_contact, champion_priority). Every row
 *    and derived event lands in its own tenant, the overrides change the
 *    results of their tenant and of no other (ABI 1 ignored them).
 *  - longest_ids: two 256-byte tenants, 256-byte orgs and customers sharing
 *    255-byte prefixes, 128-byte event ids: nothing is dead-lettered, the
 *    decay timers are four distinct full keys, the care request id (668
 *    bytes) is stored whole, and on a pinned clock exactly the timers due
 *    fire (one of the first tenant, two of the second due together), each
 *    re-evaluating its own org.
 *  - bad_tenant_values: a bad per-tenant value of each type (duration,
 *    double, int), the strict bounds and the rule across keys that only
 *    settings_check enforces, a 256-byte tenant's and one from the config
 *    file each refuse the start, naming the key, the tenant and the value.
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

#include "rp_test.h"

#define T0 1700000000000LL   /* 2023-11-14 22:13:20 UTC */
#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define TENANTS 120
#define BATCH 100

/* ------------------------------------------------------------ publishing */

/* Events gathered into one request frame (a JSON array), sent when full. */
typedef struct batch {
    const rp_test_daemon *daemon;
    char *json;
    size_t len, cap;
    int count;
} batch;

static void batch_flush(batch *b)
{
    if (b->count == 0)
        return;
    b->json[b->len] = '\0';
    char *frame = NULL;
    if (asprintf(&frame, "[%s]", b->json) < 0)
        fail_msg("out of memory");
    char *reply = rp_test_publish_json(b->daemon, frame);
    if (!reply)
        fail_msg("no reply to a batch of %d events", b->count);
    int accepted = 0;
    for (const char *p = strstr(reply, "accepted"); p; p = strstr(p + 1, "accepted"))
        accepted++;
    if (accepted != b->count)
        fail_msg("%d of %d events accepted: %.2000s", accepted, b->count, reply);
    free(reply);
    free(frame);
    b->len = 0;
    b->count = 0;
}

/* org may be NULL (customer-scoped), customer may be NULL (org.upsert). */
static void batch_add(batch *b, const char *tenant, const char *id, const char *type, long long ts,
                      const char *org, const char *customer, const char *data)
{
    char *ev = NULL;
    int n = asprintf(&ev, "%s{\"tenant\":\"%s\",\"id\":\"%s\",\"type\":\"%s\",\"ts\":%lld%s%s%s%s%s%s,"
                     "\"data\":%s}", b->count ? "," : "", tenant, id, type, ts,
                     org ? ",\"org\":\"" : "", org ? org : "", org ? "\"" : "",
                     customer ? ",\"customer\":\"" : "", customer ? customer : "", customer ? "\"" : "",
                     data);
    if (n < 0)
        fail_msg("out of memory");
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->json = realloc(b->json, b->cap);
        assert_non_null(b->json);
    }
    memcpy(b->json + b->len, ev, (size_t)n);
    b->len += (size_t)n;
    b->count++;
    free(ev);
    if (b->count == BATCH)
        batch_flush(b);
}

/* Sends what is left and waits until every plugin caught up. */
static void batch_done(batch *b, PGconn *db)
{
    batch_flush(b);
    rp_test_wait_idle(db, 60000);
}

/* Coverage is evaluated on the tenant clock just after the facts that
 * change it; in an event-time run that clock moves with the events. A
 * tenant-wide event no loaded plugin takes, at ts (in tenant's stream: the
 * clock is the deployment's): once the broker is idle, every evaluation
 * due before ts has run. */
static void advance(batch *b, PGconn *db, const char *tenant, long long ts)
{
    static int ticks;
    char id[32];
    snprintf(id, sizeof id, "tick-%d", ++ticks);
    batch_add(b, tenant, id, "market.price", ts, NULL, NULL, "{\"product\":\"tick\",\"price\":1}");
    batch_done(b, db);
}

static void expect_sql(PGconn *db, const char *sql, const char *want)
{
    char *got = rp_test_sql(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s\n  got  %s\n  want %s", sql, got ? got : "NULL", want);
    free(got);
}

/* ------------------------------------------------------------ many tenants */

/* Tenants with an override of their own, and what it changes. */
#define LOW_BAR "t007"       /* adequate_strength = 30: one contact (33.3) covers */
#define HEAVY "t042"         /* weight_contact = 3: one contact gives 60 */
#define URGENT "t077"        /* champion_priority = 4 */

static void tenant_name(char *buf, size_t size, int i)
{
    snprintf(buf, size, "t%03d", i);
}

/* One step of the story for every tenant, interleaved tenant by tenant.
 * data_fmt takes the tenant name twice. */
static void all_tenants(batch *b, const char *id, const char *type, long long ts, const char *org,
                        const char *customer, const char *data_fmt)
{
    for (int i = 0; i < TENANTS; i++) {
        char tenant[16], data[512];
        tenant_name(tenant, sizeof tenant, i);
        snprintf(data, sizeof data, data_fmt, tenant, tenant);
        batch_add(b, tenant, id, type, ts, org, customer, data);
    }
}

static void many_tenants(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_stakeholder_tenants");
    const char *args[] = {"--plugins=stakeholder", "--clock=event",
                          "--plugin.stakeholder." LOW_BAR ".adequate_strength=30",
                          "--plugin.stakeholder." HEAVY ".weight_contact=3",
                          "--plugin.stakeholder." URGENT ".champion_priority=4", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    batch b = {.daemon = d};

    /* the same org, people and event ids in every tenant: only the tenant
     * (and the owner and name derived from it) tells them apart */
    all_tenants(&b, "o-acme", "org.upsert", T0, "acme", NULL,
                "{\"name\":\"Acme %s\",\"owner\":\"owner-%s\"}");
    batch_done(&b, db);
    all_tenants(&b, "s-ann", "stakeholder.upsert", T0 + HOUR, "acme", "ann",
                "{\"roles\":[\"decision_maker\",\"initiator_internal\"],\"attitude\":\"supporter\","
                "\"title\":\"CFO of %s\",\"interests_personal\":\"%s\"}");
    all_tenants(&b, "s-bob", "stakeholder.upsert", T0 + HOUR, "acme", "bob",
                "{\"roles\":[\"user\"],\"attitude\":\"neutral\",\"title\":\"%s %s\"}");
    batch_done(&b, db);
    /* one contact each: strength 33.3 with the defaults, under the bar of 40 */
    all_tenants(&b, "c-ann", "contact", T0 + 2 * HOUR, NULL, "ann", "{\"channel\":\"phone\",\"note\":\"%s %s\"}");
    all_tenants(&b, "c-bob", "contact", T0 + 2 * HOUR, NULL, "bob", "{\"channel\":\"phone\",\"note\":\"%s %s\"}");
    batch_done(&b, db);
    advance(&b, db, "t000", T0 + 2 * HOUR + 1);

    /* the overrides changed their tenant's results, and only theirs */
    expect_sql(db, "SELECT string_agg(tenant, ',' ORDER BY tenant) FROM stakeholder_orgs"
                   " WHERE coverage_score = 50 AND threads = 2", LOW_BAR "," HEAVY);
    expect_sql(db, "SELECT count(*) FROM stakeholder_orgs WHERE coverage_score = 0 AND threads = 0", "118");
    expect_sql(db, "SELECT count(*) FROM (SELECT tenant, string_agg(role || ':' || kind, ',' ORDER BY role) s"
                   " FROM stakeholder_gaps GROUP BY tenant) g WHERE s = CASE WHEN tenant IN"
                   " ('" LOW_BAR "', '" HEAVY "') THEN 'executor:nobody,influencer_external:nobody,"
                   "influencer_internal:nobody' ELSE 'decision_maker:only_weak,executor:nobody,"
                   "influencer_external:nobody,influencer_internal:nobody,initiator_internal:only_weak,"
                   "user:only_weak' END", "120");
    /* the evaluation records the settings it used */
    expect_sql(db, "SELECT string_agg(tenant || '=' || adequate_strength, ',' ORDER BY tenant)"
                   " FROM stakeholder_orgs WHERE adequate_strength <> 40", LOW_BAR "=30");
    expect_sql(db, "SELECT string_agg(DISTINCT tenant || ':' || strength_raw, ',')"
                   " FROM stakeholder_people WHERE strength_raw <> 1", HEAVY ":3");
    /* decay timers only where a tie covers a role, at each tenant's instant */
    expect_sql(db, "SELECT string_agg(tenant || ':' || key, ',' ORDER BY tenant) FROM timers"
                   " WHERE plugin = 'stakeholder'", LOW_BAR ":coverage:acme," HEAVY ":coverage:acme");
    expect_sql(db, "SELECT count(DISTINCT due_ms) FROM timers WHERE plugin = 'stakeholder'", "2");

    /* the champion leaves everywhere */
    all_tenants(&b, "l-ann", "stakeholder.left", T0 + DAY, "acme", "ann",
                "{\"reason\":\"left %s for %s\"}");
    batch_done(&b, db);
    advance(&b, db, "t000", T0 + DAY + 1);

    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    /* every row in its own tenant */
    expect_sql(db, "SELECT count(*) || ':' || count(DISTINCT tenant) FROM stakeholder_orgs"
                   " WHERE name = 'Acme ' || tenant AND owner = 'owner-' || tenant", "120:120");
    expect_sql(db, "SELECT count(*) || ':' || count(DISTINCT tenant) FROM stakeholder_members"
                   " WHERE customer = 'ann' AND NOT active AND left_reason = 'left ' || tenant || ' for '"
                   " || tenant AND title = 'CFO of ' || tenant AND interests_personal = tenant", "120:120");
    expect_sql(db, "SELECT count(*) || ':' || count(DISTINCT tenant) FROM stakeholder_members"
                   " WHERE customer = 'bob' AND active AND title = tenant || ' ' || tenant", "120:120");
    expect_sql(db, "SELECT count(*) FROM stakeholder_members", "240");
    expect_sql(db, "SELECT count(*) || ':' || count(DISTINCT tenant) FROM stakeholder_people"
                   " WHERE interactions = 1", "240:120");
    expect_sql(db, "SELECT count(*) || ':' || count(DISTINCT tenant) FROM care_requests"
                   " WHERE assignee = 'owner-' || tenant AND request_id = 'stakeholder:champion_left:acme:ann:l-ann'",
               "120:120");
    expect_sql(db, "SELECT string_agg(tenant || '=' || priority, ',') FROM care_requests WHERE priority <> 1",
               URGENT "=4");
    /* every derived event in its own tenant: the owner in each champion's
     * event is its tenant's; gap events count 16 per tenant (17 where one
     * contact closed three gaps) */
    expect_sql(db, "SELECT count(*) || ':' || count(DISTINCT tenant) FROM outbox WHERE type = 'org.champion_left'"
                   " AND org = 'acme' AND customer = 'ann' AND cause = 'l-ann'"
                   " AND position(convert_to('owner-' || tenant, 'UTF8') IN frame) > 0", "120:120");
    expect_sql(db, "SELECT count(*) FROM outbox WHERE type = 'org.champion_left'", "120");
    expect_sql(db, "SELECT string_agg(DISTINCT tenant || '=' || n, ',') FROM (SELECT tenant, count(*) n"
                   " FROM outbox WHERE type = 'org.coverage_gap' AND org = 'acme' GROUP BY tenant) g"
                   " WHERE n <> 16", LOW_BAR "=17," HEAVY "=17");
    expect_sql(db, "SELECT count(DISTINCT tenant) || ':' || count(*) FROM outbox WHERE type = 'org.coverage_gap'",
               "120:1922");

    free(b.json);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
}

/* ------------------------------------------------------------ longest ids */

/* prefix, then 'x' up to len - 1 bytes, then last: a string of len bytes. */
static char *long_id(const char *prefix, char last, size_t len)
{
    char *s = malloc(len + 1);
    assert_non_null(s);
    size_t p = strlen(prefix);
    memcpy(s, prefix, p);
    memset(s + p, 'x', len - 1 - p);
    s[len - 1] = last;
    s[len] = '\0';
    return s;
}

typedef struct long_ids {
    char *tenant[2], *org_a, *org_b, *ann, *bob, *carl;
} long_ids;

/* A 128-byte event id ending in tag (tags differ, so ids do). */
static char *event_id(const char *tag)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ev-%s-", tag);
    return long_id(prefix, '!', 128);
}

static void send_long(batch *b, const char *tenant, const char *tag, const char *type, long long ts,
                      const char *org, const char *customer, const char *data)
{
    char *id = event_id(tag);
    batch_add(b, tenant, id, type, ts, org, customer, data);
    free(id);
}

/* The orgs and their members (org partitions): ann decides in a, bob uses
 * b; with_carl adds carl, a second (weak) champion of a. */
static void members_of_tenant(batch *b, const long_ids *k, const char *tenant, bool with_carl)
{
    send_long(b, tenant, "oa", "org.upsert", T0, k->org_a, NULL, "{\"owner\":\"olivia\"}");
    send_long(b, tenant, "ob", "org.upsert", T0, k->org_b, NULL, "{\"owner\":\"oscar\"}");
    send_long(b, tenant, "sa", "stakeholder.upsert", T0 + HOUR, k->org_a, k->ann,
              "{\"roles\":[\"decision_maker\"],\"attitude\":\"supporter\"}");
    send_long(b, tenant, "sb", "stakeholder.upsert", T0 + HOUR, k->org_b, k->bob, "{\"roles\":[\"user\"]}");
    if (with_carl)
        send_long(b, tenant, "sc", "stakeholder.upsert", T0 + HOUR, k->org_a, k->carl,
                  "{\"roles\":[\"decision_maker\"],\"attitude\":\"supporter\"}");
}

/* ann: two contacts (adequate until ~17.5 days later); bob: two at the
 * same instants (the same decay instant) or three (a later one). The
 * people's partitions. */
static void contacts_of_tenant(batch *b, const long_ids *k, const char *tenant, int bob_contacts)
{
    static const char *const tags[] = {"ca1", "ca2", "cb1", "cb2", "cb3"};
    const char *who[] = {k->ann, k->ann, k->bob, k->bob, k->bob};
    const long long at[] = {2 * HOUR, 3 * HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR};
    for (int i = 0; i < 2 + bob_contacts; i++)
        send_long(b, tenant, tags[i], "contact", T0 + at[i], NULL, who[i], "{\"channel\":\"phone\"}");
}

static int64_t due_of(PGconn *db, const char *tenant, const char *org)
{
    return rp_test_sql_intf(db, "SELECT due_ms FROM timers WHERE plugin = 'stakeholder' AND tenant = '%s'"
                                " AND key = 'coverage:%s'", tenant, org);
}

/* The first tenant: org a's and b's timers due at different instants. The
 * second: both due at due_a, so they fall due together. */
static void expect_timers(PGconn *db, const long_ids *k, int64_t *due_a)
{
    for (int t = 0; t < 2; t++) {
        const char *tn = k->tenant[t];
        /* both orgs covered, in the long tenant, under their full ids */
        assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM stakeholder_orgs WHERE tenant = '%s'"
                                              " AND org IN ('%s', '%s') AND covered_roles = 1", tn,
                                          k->org_a, k->org_b), 2);
        assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM stakeholder_people WHERE tenant = '%s'"
                                              " AND customer IN ('%s', '%s')", tn, k->ann, k->bob), 2);
        /* two timers with full keys (9 + 256 bytes) */
        assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE plugin = 'stakeholder'"
                                              " AND tenant = '%s' AND key IN ('coverage:%s', 'coverage:%s')"
                                              " AND octet_length(key) = 265", tn, k->org_a, k->org_b), 2);
    }
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers"), 4);
    *due_a = due_of(db, k->tenant[0], k->org_a);
    assert_true(*due_a < due_of(db, k->tenant[0], k->org_b));
    assert_true(due_of(db, k->tenant[1], k->org_a) == *due_a);
    assert_true(due_of(db, k->tenant[1], k->org_b) == *due_a);
}

/* carl, a champion, leaves a in the second tenant: the care request id
 * holds the org, the person and the 128-byte event id whole; ann still
 * covers a, so its timer stays. */
static void long_champion_leaves(batch *b, PGconn *db, const long_ids *k)
{
    char *left_id = event_id("left");
    batch_add(b, k->tenant[1], left_id, "stakeholder.left", T0 + DAY, k->org_a, k->carl, "{}");
    batch_done(b, db);
    advance(b, db, k->tenant[1], T0 + DAY + 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM care_requests WHERE tenant = '%s'"
                                          " AND request_id = 'stakeholder:champion_left:%s:%s:%s'"
                                          " AND octet_length(request_id) = 668 AND assignee = 'olivia'",
                                      k->tenant[1], k->org_a, k->carl, left_id), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM outbox WHERE type = 'org.champion_left'"
                                          " AND tenant = '%s' AND org = '%s' AND customer = '%s' AND cause = '%s'",
                                      k->tenant[1], k->org_a, k->carl, left_id), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM care_requests"), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM timers"), 4);
    free(left_id);
}

/* The decay of org's only tie fired in tenant: the role's only_weak gap
 * opened at due, emitted at due with the timer's full key as cause. */
static void expect_decayed(PGconn *db, const char *tenant, const char *org, const char *role, int64_t due)
{
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM stakeholder_gaps WHERE tenant = '%s'"
                                          " AND org = '%s' AND role = '%s' AND kind = 'only_weak'"
                                          " AND opened_ms = %lld", tenant, org, role, (long long)due), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM outbox WHERE type = 'org.coverage_gap'"
                                          " AND tenant = '%s' AND org = '%s' AND cause = 'timer:coverage:%s'"
                                          " AND ts_ms = %lld", tenant, org, org, (long long)due), 1);
}

static void longest_ids(void **state)
{
    (void)state;
    /* two of each sharing all but the last byte */
    long_ids k = {
        .tenant = {long_id("tenant-", '1', 256), long_id("tenant-", '2', 256)},
        .org_a = long_id("org-", 'a', 256), .org_b = long_id("org-", 'b', 256),
        .ann = long_id("person-", 'a', 256), .bob = long_id("person-", 'b', 256),
        .carl = long_id("person-", 'c', 256),
    };
    char *conninfo = rp_test_create_db("rp_stakeholder_long_ids");
    const char *args[] = {"--plugins=stakeholder", "--clock=event", NULL};
    rp_test_daemon *d = rp_test_daemon_start(conninfo, args);
    PGconn *db = rp_test_connect(conninfo);
    batch b = {.daemon = d};

    /* both tenants in each frame; the contacts after the memberships are
     * handled (they travel on other partitions) */
    members_of_tenant(&b, &k, k.tenant[0], false);
    members_of_tenant(&b, &k, k.tenant[1], true);
    batch_done(&b, db);
    contacts_of_tenant(&b, &k, k.tenant[0], 3);
    contacts_of_tenant(&b, &k, k.tenant[1], 2);
    batch_done(&b, db);
    advance(&b, db, k.tenant[0], T0 + 4 * HOUR + 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
    int64_t due_a;
    expect_timers(db, &k, &due_a);
    long_champion_leaves(&b, db, &k);

    /* time alone reaches due_a: the first tenant's timer of org a fires,
     * not org b's (same 255-byte prefix, due later); both of the second
     * tenant's fire */
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    char clock[64];
    snprintf(clock, sizeof clock, "--clock=fixed:%lld", (long long)due_a);
    const char *fixed[] = {"--plugins=stakeholder", clock, "--idle_poll_ms=20", NULL};
    d = rp_test_daemon_start(conninfo, fixed);
    char fired[160];
    snprintf(fired, sizeof fired, "SELECT count(*) FROM outbox WHERE cause LIKE 'timer:%%' AND ts_ms = %lld",
             (long long)due_a);
    rp_test_wait_sql_int(db, fired, 3, 30000);
    rp_test_wait_sql_int(db, "SELECT count(*) FROM timers", 1, 30000);
    expect_decayed(db, k.tenant[0], k.org_a, "decision_maker", due_a);
    expect_decayed(db, k.tenant[1], k.org_a, "decision_maker", due_a);
    expect_decayed(db, k.tenant[1], k.org_b, "user", due_a);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM timers WHERE tenant = '%s' AND key = 'coverage:%s'",
                                      k.tenant[0], k.org_b), 1);
    assert_int_equal(rp_test_sql_intf(db, "SELECT count(*) FROM stakeholder_orgs WHERE tenant = '%s'"
                                          " AND org = '%s' AND covered_roles = 1", k.tenant[0], k.org_b), 1);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM dead_letters"), 0);

    free(b.json);
    PQfinish(db);
    assert_int_equal(rp_test_daemon_stop(d, SIGTERM), 0);
    free(conninfo);
    char *all[] = {k.tenant[0], k.tenant[1], k.org_a, k.org_b, k.ann, k.bob, k.carl};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

/* ------------------------------------------------------------ bad values */

/* rapportd with the extra arguments must refuse to start (a non-zero exit
 * within the timeout, before serving anything) and say every word of want
 * (NULL-terminated) in its output. */
static void expect_refusal(const char *conninfo, const char *extra, const char *const *want)
{
    /* extra holds one or more flags separated by single spaces. */
    char *copy = strdup(extra), *save = NULL;
    const char *args[16] = {"--plugins=stakeholder"};
    char database[4096];
    snprintf(database, sizeof database, "--database=%s", conninfo);
    size_t n = 1;
    args[n++] = database;
    for (char *w = strtok_r(copy, " ", &save); w && n < 15; w = strtok_r(NULL, " ", &save))
        args[n++] = w;
    args[n] = NULL;
    rp_test_expect_refusal(args, want);
    free(copy);
}

static void bad_tenant_values(void **state)
{
    (void)state;
    char *conninfo = rp_test_create_db("rp_stakeholder_bad_values");
    /* one of each type, parsed and range-checked by the host */
    expect_refusal(conninfo, "--plugin.stakeholder.acme.half_life=15x",
                   (const char *[]){"stakeholder", "acme", "half_life", "15x", NULL});
    expect_refusal(conninfo, "--plugin.stakeholder.acme.weight_contact=heavy",
                   (const char *[]){"stakeholder", "acme", "weight_contact", "heavy", NULL});
    expect_refusal(conninfo, "--plugin.stakeholder.acme.champion_priority=17",
                   (const char *[]){"stakeholder", "acme", "champion_priority", "17", NULL});
    /* strict bounds and the rule across keys: settings_check */
    expect_refusal(conninfo, "--plugin.stakeholder.acme.adequate_strength=100",
                   (const char *[]){"stakeholder", "acme", "adequate_strength", "100", NULL});
    expect_refusal(conninfo, "--plugin.stakeholder.acme.strength_scale=0",
                   (const char *[]){"stakeholder", "acme", "strength_scale", "must be > 0", NULL});
    expect_refusal(conninfo,
                   "--plugin.stakeholder.weight_activity=0 --plugin.stakeholder.acme.weight_contact=0"
                   " --plugin.stakeholder.acme.weight_care_done=0",
                   (const char *[]){"stakeholder", "acme", "weight_contact", "weight_care_done",
                                    "weight_activity", "= 0", NULL});
    /* a tenant of 256 bytes */
    char *tenant = long_id("globex-", 'z', 256);
    char *extra = NULL;
    if (asprintf(&extra, "--plugin.stakeholder.%s.half_life=0s", tenant) < 0)
        fail_msg("out of memory");
    expect_refusal(conninfo, extra, (const char *[]){"stakeholder", tenant, "half_life", "0s", NULL});
    free(extra);
    free(tenant);
    /* TENANT.KEY from the file */
    char path[] = "/tmp/rp_stakeholder_conf_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "[plugin.stakeholder]\nhalf_life = 20d\ninitech.adequate_strength = 140\n");
    fclose(f);
    if (asprintf(&extra, "--config=%s", path) < 0)
        fail_msg("out of memory");
    expect_refusal(conninfo, extra,
                   (const char *[]){"stakeholder", "initech", "adequate_strength", "140", NULL});
    unlink(path);
    free(extra);
    /* refused before the plugin's migrations ran */
    PGconn *db = rp_test_connect(conninfo);
    assert_int_equal(rp_test_sql_int(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'stakeholder_orgs'"), 0);
    PQfinish(db);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_tenant_values),
        cmocka_unit_test(many_tenants),
        cmocka_unit_test(longest_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
