/*
 * report_referrals.c - `rapportctl report referrals --month YYYY-MM`: who
 * brings in new customers (docs/plugins/referral.md, "Report"). Reads the
 * referral plugin's tables: top referrers of the month, the key people,
 * the month's conversion, attributed revenue, flagged and refused referrals,
 * and suggested introductions between complementary professions (for a
 * person to act on; nothing is sent).
 *
 * A referral belongs to the month in which it was made (referred_ms), with
 * month boundaries at midnights in --tz (default UTC, as in the other
 * reports); attribution rows already carry their month (the referee's local
 * month). Dates and times are printed in the same zone, converted by
 * PostgreSQL's time-zone database so DST is right; JSON keeps the raw
 * millisecond fields next to them for machines.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "report.h"

#define VERB "report referrals"
#define LIST_LIMIT "50"

typedef struct options {
    const char *month;
    const char *tenant;
    const char *tz;         /* IANA zone of month boundaries and printed times */
    const char *database;
    bool json;
} options;

/* A millisecond timestamp column as local text in --tz ($3). */
#define LOCAL_TIME(col, fmt) "to_char(to_timestamp(" col " / 1000.0) AT TIME ZONE $3, '" fmt "')"
#define MONTH_OF(col) LOCAL_TIME(col, "YYYY-MM")

static void usage(FILE *out)
{
    fprintf(out,
        "usage: rapportctl report referrals --month YYYY-MM [--tenant T] [--tz ZONE] [--json]\n"
        "                                   [--database=CONNINFO]\n"
        "\n"
        "Top referrers, key people, conversion rate, attributed revenue, flagged referrals\n"
        "and suggested introductions of the referral plugin, for one month.\n"
        "  --month M      the month (referrals made in it; attribution by its month)\n"
        "  --tenant T     the tenant (default: default)\n"
        "  --tz ZONE      IANA zone whose midnights bound the month and in which dates\n"
        "                 and times are printed (default UTC)\n"
        "  --json         one JSON object instead of text\n"
        "  --database C   libpq conninfo (else RAPPORT_DATABASE, else PG* variables)\n");
}

/* 0 ok, 1 help printed, -1 usage error (printed). */
static int parse(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"month", required_argument, NULL, 'm'}, {"tenant", required_argument, NULL, 't'},
        {"tz", required_argument, NULL, 'z'},    {"json", no_argument, NULL, 'j'},
        {"database", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    *o = (options){.tenant = "default", .tz = "UTC"};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (c) {
        case 'm': o->month = optarg; break;
        case 't': o->tenant = optarg; break;
        case 'z': o->tz = optarg; break;
        case 'j': o->json = true; break;
        case 'd': o->database = optarg; break;
        case 'h': usage(stdout); return 1;
        default:  rc_usage_error(VERB, "invalid option"); return -1;
        }
    }
    if (optind < argc) {
        rc_usage_error(VERB, "unexpected argument");
        return -1;
    }
    if (!rc_valid_month(o->month)) {
        fprintf(stderr, "rapportctl " VERB ": --month must be YYYY-MM (e.g. 2011-03), not '%s'\n",
                o->month ? o->month : "");
        return -1;
    }
    return 0;
}

/* ---- queries: each section is one statement with $1 tenant, $2 month, $3 zone ---- */

static const char conversion_sql[] =
    "SELECT count(*), count(*) FILTER (WHERE status = 'converted'),"
    "  count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'expired'),"
    "  count(*) FILTER (WHERE status = 'preexisting'),"
    "  coalesce(round(avg(days_to_convert) FILTER (WHERE status = 'converted'), 1), 0),"
    "  (SELECT round(coalesce(sum(revenue), 0)::numeric, 2) FROM referral_attribution"
    "   WHERE tenant = $1 AND month = $2)"
    " FROM referral_links WHERE tenant = $1 AND " MONTH_OF("referred_ms") " = $2";

static const char top_sql[] =
    "WITH l AS (SELECT referrer, count(*) AS n, count(*) FILTER (WHERE status = 'converted') AS c,"
    "    count(*) FILTER (WHERE flags <> '') AS f FROM referral_links"
    "    WHERE tenant = $1 AND referrer IS NOT NULL AND " MONTH_OF("referred_ms") " = $2"
    "    GROUP BY referrer),"
    " a AS (SELECT referrer, revenue FROM referral_attribution WHERE tenant = $1 AND month = $2)"
    " SELECT coalesce(l.referrer, a.referrer) AS who, coalesce(l.n, 0), coalesce(l.c, 0),"
    "  coalesce(l.f, 0), round(coalesce(a.revenue, 0)::numeric, 2) AS rev"
    " FROM l FULL JOIN a ON a.referrer = l.referrer"
    " ORDER BY 3 DESC, 5 DESC, 2 DESC, 1 LIMIT " LIST_LIMIT;

/* The local date of entry for the text table; the raw milliseconds last
 * (only JSON carries them). */
static const char key_sql[] =
    "SELECT k.customer, round(k.influence::numeric, 3), coalesce(n.subtree_size, 1),"
    "  round(coalesce(n.subtree_revenue, 0)::numeric, 2),"
    "  " LOCAL_TIME("k.entered_ms", "YYYY-MM-DD") ", k.entered_ms"
    " FROM referral_key_people k LEFT JOIN referral_nodes n"
    "  ON n.tenant = k.tenant AND n.customer = k.customer"
    " WHERE k.tenant = $1 ORDER BY k.influence DESC, k.customer LIMIT " LIST_LIMIT;

/* Guard flags (held for review) and refused links of the month, oldest
 * first. The local time comes first (the text table shows it); the raw
 * milliseconds last (only JSON carries them). A burst is minutes apart, so
 * the time of day matters here. */
static const char flagged_sql[] =
    "SELECT " LOCAL_TIME("x.ts", "YYYY-MM-DD HH24:MI") ", x.referrer, x.referee, x.reason, x.kind,"
    "       x.message, x.ts FROM ("
    " SELECT referred_ms AS ts, coalesce(referrer, 'erased') AS referrer, referee, flags AS reason,"
    "        'held' AS kind, '' AS message"
    " FROM referral_links WHERE tenant = $1 AND flags <> '' AND " MONTH_OF("referred_ms") " = $2"
    " UNION ALL"
    " SELECT ts_ms, referrer, referee, reason, 'refused', message FROM referral_rejections"
    " WHERE tenant = $1 AND " MONTH_OF("ts_ms") " = $2) x ORDER BY x.ts, x.referee LIMIT " LIST_LIMIT;

/* Current suggestions not made moot by a referral between the two since. */
static const char intro_sql[] =
    "SELECT i.customer_a, i.a_term, i.customer_b, i.b_term, i.pair_rank FROM referral_introductions i"
    " WHERE i.tenant = $1 AND NOT EXISTS (SELECT 1 FROM referral_links l"
    "  WHERE l.tenant = i.tenant AND ((l.referee = i.customer_a AND l.referrer = i.customer_b)"
    "   OR (l.referee = i.customer_b AND l.referrer = i.customer_a)))"
    " ORDER BY i.pair_rank, i.customer_a, i.customer_b LIMIT " LIST_LIMIT;

#define TEXT_OID 25

static PGresult *run(PGconn *conn, const char *sql, const options *o)
{
    /* Typed as text, so a section that needs not every parameter still
     * prepares (PostgreSQL cannot infer the type of an unused one). */
    static const Oid types[] = {TEXT_OID, TEXT_OID, TEXT_OID};
    const char *params[] = {o->tenant, o->month, o->tz};
    PGresult *res = PQexecParams(conn, sql, 3, types, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        /* libpq's message ends with a newline; a missing table means the
         * referral plugin never ran on this database, an unknown --tz is
         * named by PostgreSQL. */
        fprintf(stderr, "rapportctl " VERB ": %s", PQerrorMessage(conn));
        PQclear(res);
        return NULL;
    }
    return res;
}

/* ---- JSON ---- */

static json_t *cell_json(const PGresult *res, int row, int col, char kind)
{
    const char *v = PQgetvalue(res, row, col);
    if (kind == 'i')
        return json_integer(strtoll(v, NULL, 10));
    if (kind == 'r')
        return json_real(strtod(v, NULL));
    if (kind == 'b')
        return json_boolean(strcmp(v, "held") == 0);
    return json_string(v);
}

/* An array of objects, one per row; kinds: s string, i integer, r real,
 * b boolean ("held"). */
static json_t *rows_json(const PGresult *res, const char *const *keys, const char *kinds)
{
    json_t *arr = json_array();
    for (int r = 0; arr && r < PQntuples(res); r++) {
        json_t *obj = json_object();
        for (int c = 0; obj && keys[c]; c++)
            json_object_set_new(obj, keys[c], cell_json(res, r, c, kinds[c]));
        json_array_append_new(arr, obj);
    }
    return arr;
}

static json_t *conversion_json(const PGresult *res)
{
    long long total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    long long converted = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:f}", "referrals", (json_int_t)total,
                     "converted", (json_int_t)converted,
                     "pending", (json_int_t)strtoll(PQgetvalue(res, 0, 2), NULL, 10),
                     "expired", (json_int_t)strtoll(PQgetvalue(res, 0, 3), NULL, 10),
                     "preexisting", (json_int_t)strtoll(PQgetvalue(res, 0, 4), NULL, 10),
                     "rate", total ? (double)converted / (double)total : 0.0,
                     "avg_days_to_convert", strtod(PQgetvalue(res, 0, 5), NULL));
}

static int print_json(const options *o, PGresult *const res[5])
{
    static const char *const top_keys[] = {"referrer", "referrals", "converted", "flagged",
                                           "attributed_revenue", NULL};
    static const char *const key_keys[] = {"customer", "influence", "subtree_size",
                                           "subtree_revenue", "entered", "entered_ms", NULL};
    static const char *const flag_keys[] = {"time", "referrer", "referee", "reason", "held",
                                            "message", "ts_ms", NULL};
    static const char *const intro_keys[] = {"customer_a", "a_term", "customer_b", "b_term",
                                             "pair_rank", NULL};
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:f, s:o, s:o, s:o, s:o}", "tenant", o->tenant,
                            "month", o->month, "tz", o->tz, "conversion", conversion_json(res[0]),
                            "attributed_revenue", strtod(PQgetvalue(res[0], 0, 6), NULL),
                            "top_referrers", rows_json(res[1], top_keys, "siiir"),
                            "key_people", rows_json(res[2], key_keys, "srirsi"),
                            "flagged", rows_json(res[3], flag_keys, "ssssbsi"),
                            "suggested_introductions", rows_json(res[4], intro_keys, "ssssi"));
    bool ok = doc && rc_print_json_line(stdout, doc);
    json_decref(doc);
    if (!doc)
        fprintf(stderr, "rapportctl " VERB ": out of memory building JSON\n");
    return ok ? RC_EXIT_OK : RC_EXIT_FAILURE;
}

/* ---- text ---- */

static bool print_section(const char *title, const PGresult *res, const char *const *headers,
                          size_t columns)
{
    printf("\n%s\n", title);
    if (PQntuples(res) == 0) {
        printf("  (none)\n");
        return true;
    }
    rc_table t;
    rc_table_init(&t, headers, columns);
    for (int r = 0; r < PQntuples(res); r++) {
        const char *row[8];
        for (size_t c = 0; c < columns; c++)
            row[c] = PQgetvalue(res, r, (int)c);
        rc_table_add(&t, row);
    }
    bool ok = rc_table_print(&t, stdout);
    rc_table_free(&t);
    return ok;
}

static int print_text(const options *o, PGresult *const res[5])
{
    const PGresult *c = res[0];
    long long total = strtoll(PQgetvalue(c, 0, 0), NULL, 10);
    long long converted = strtoll(PQgetvalue(c, 0, 1), NULL, 10);
    printf("referrals report, tenant %s, month %s (month boundaries and times in %s)\n\n",
           o->tenant, o->month, o->tz);
    printf("conversion: %lld referrals made, %lld converted (%.1f%%), %s pending, %s expired, "
           "%s already customers; %s days to convert on average\n",
           total, converted, total ? 100.0 * (double)converted / (double)total : 0.0,
           PQgetvalue(c, 0, 2), PQgetvalue(c, 0, 3), PQgetvalue(c, 0, 4), PQgetvalue(c, 0, 5));
    printf("attributed revenue: %s\n", PQgetvalue(c, 0, 6));
    static const char *const top_h[] = {"referrer", "referrals", "converted", "flagged", "attributed"};
    static const char *const key_h[] = {"customer", "influence", "subtree", "subtree revenue", "since"};
    static const char *const flag_h[] = {"time", "referrer", "referee", "reason", "kind", "message"};
    static const char *const intro_h[] = {"customer", "profession", "could meet", "profession", "rank"};
    bool ok = print_section("top referrers", res[1], top_h, 5)
              && print_section("key people", res[2], key_h, 5)
              && print_section("flagged referrals (held for review or refused)", res[3], flag_h, 6)
              && print_section("suggested introductions (for you to make; nothing is sent)", res[4],
                               intro_h, 5);
    return ok ? RC_EXIT_OK : RC_EXIT_FAILURE;
}

int rc_report_referrals(int argc, char **argv)
{
    options o;
    int parsed = parse(argc, argv, &o);
    if (parsed != 0)
        return parsed > 0 ? RC_EXIT_OK : RC_EXIT_FAILURE;
    PGconn *conn = rc_pg_connect(o.database);
    if (!conn)
        return RC_EXIT_FAILURE;
    const char *const sql[5] = {conversion_sql, top_sql, key_sql, flagged_sql, intro_sql};
    PGresult *res[5] = {NULL};
    bool ok = true;
    for (int i = 0; ok && i < 5; i++)
        ok = (res[i] = run(conn, sql[i], &o)) != NULL;
    int rc = !ok ? RC_EXIT_FAILURE : o.json ? print_json(&o, res) : print_text(&o, res);
    for (int i = 0; i < 5; i++)
        PQclear(res[i]);
    PQfinish(conn);
    return rc;
}
