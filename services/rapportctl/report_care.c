/*
 * report_care.c - `rapportctl report care [--due today|YYYY-MM-DD]`: the
 * day's care tasks sorted by priority, each with its reason in plain words
 * (and the reasons of the tasks merged into it), followed by the tasks the
 * contact budget deferred away from that day and where they went.
 *
 * Everything comes from the care plugin's table care_tasks
 * (docs/plugins/care.md). The day is bounded by midnights in --tz, computed
 * by PostgreSQL's time-zone database, so a day with a DST change is still
 * that calendar day (23 or 25 hours).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "report.h"

typedef struct care_options {
    const char *day;        /* YYYY-MM-DD or "today" (in --tz) */
    const char *tenant;
    const char *tz;
    const char *staff;      /* assignee filter, "" = all */
    const char *database;
    bool json;
} care_options;

/* $1 tenant, $2 day, $3 zone. lo/hi: the day's bounds in ms. */
#define DAY_BOUNDS_CTE                                                                   \
    "WITH d AS (SELECT CASE WHEN $2 = 'today' THEN (now() AT TIME ZONE $3)::date"         \
    "                       ELSE $2::date END AS day),"                                   \
    " b AS (SELECT (extract(epoch FROM (d.day::timestamp AT TIME ZONE $3)) * 1000)::bigint AS lo," \
    "              (extract(epoch FROM ((d.day + 1)::timestamp AT TIME ZONE $3)) * 1000)::bigint AS hi," \
    "              d.day FROM d) "

#define LOCAL_TIME(col, fmt) "to_char(to_timestamp(" col " / 1000.0) AT TIME ZONE $3, '" fmt "')"

/* The day itself, so "today" is printed as the date it stands for even
 * when no task falls on it. */
static const char day_sql[] = DAY_BOUNDS_CTE "SELECT b.day::text FROM b";

/* $4 staff ('' = everyone). Merged tasks travel with the task they joined. */
static const char due_sql[] =
    DAY_BOUNDS_CTE
    "SELECT t.priority, " LOCAL_TIME("t.due_ms", "HH24:MI") ", coalesce(t.customer, ''),"
    "       coalesce(t.org, ''), coalesce(t.assignee, ''), t.kind, t.channel, t.gesture, t.status,"
    "       t.reason, coalesce(m.reasons, ''), t.task_id, t.due_ms,"
    "       coalesce(" LOCAL_TIME("t.deferred_from_ms", "YYYY-MM-DD HH24:MI") ", '')"
    "  FROM b, care_tasks t"
    "  LEFT JOIN LATERAL (SELECT string_agg(x.reason, '; ' ORDER BY x.priority, x.task_id) AS reasons"
    "                       FROM care_tasks x WHERE x.tenant = t.tenant AND x.merged_into = t.task_id"
    "                        AND x.status = 'skipped') m ON true"
    " WHERE t.tenant = $1 AND t.due_ms >= b.lo AND t.due_ms < b.hi"
    "   AND t.status IN ('pending', 'due', 'done', 'expired') AND ($4 = '' OR t.assignee = $4)"
    " ORDER BY t.priority, t.due_ms, t.task_id";

static const char deferred_sql[] =
    DAY_BOUNDS_CTE
    "SELECT t.priority, " LOCAL_TIME("t.deferred_from_ms", "HH24:MI") ", coalesce(t.customer, ''),"
    "       t.kind, " LOCAL_TIME("t.due_ms", "YYYY-MM-DD HH24:MI") ", t.reason, t.task_id, t.status"
    "  FROM b, care_tasks t"
    " WHERE t.tenant = $1 AND t.deferred_from_ms >= b.lo AND t.deferred_from_ms < b.hi"
    "   AND ($4 = '' OR t.assignee = $4)"
    " ORDER BY t.priority, t.deferred_from_ms, t.task_id";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl report care [--due=today|YYYY-MM-DD] [--tenant=T] [--tz=ZONE]\n"
            "                              [--staff=S] [--json] [--database=CONNINFO]\n"
            "The day's care tasks by priority with the reason for each (and the reasons\n"
            "merged into it), then the tasks the contact budget deferred away from the day.\n"
            "From the care plugin's table care_tasks.\n"
            "  --due=D              the day (default today in --tz); --day=D is the same\n"
            "  --tenant=T           tenant (default: default)\n"
            "  --tz=ZONE            IANA zone whose midnights bound the day (default UTC)\n"
            "  --staff=S            only tasks assigned to S\n"
            "  --json               one JSON document instead of text\n"
            "  --database=CONNINFO  libpq conninfo (env RAPPORT_DATABASE, else PG* variables)\n");
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* "today" or a real calendar date YYYY-MM-DD, checked here so that
 * 2026-02-30 gets the same message as any other bad value instead of
 * PostgreSQL's. */
static bool valid_day(const char *d)
{
    if (!d)
        return false;
    if (strcmp(d, "today") == 0)
        return true;
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return false;
    int year = atoi(d), month = atoi(d + 5), day = atoi(d + 8);
    return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

static int parse_options(int argc, char **argv, care_options *opt)
{
    static const struct option longs[] = {
        {"day", required_argument, NULL, 'D'},   {"due", required_argument, NULL, 'D'},
        {"tenant", required_argument, NULL, 't'}, {"tz", required_argument, NULL, 'z'},
        {"staff", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
        {"database", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *opt = (care_options){.day = "today", .tenant = "default", .tz = "UTC", .staff = ""};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'D': opt->day = optarg; break;
        case 't': opt->tenant = optarg; break;
        case 'z': opt->tz = optarg; break;
        case 's': opt->staff = optarg; break;
        case 'j': opt->json = true; break;
        case 'd': opt->database = optarg; break;
        case 'h': usage(stdout); return RC_EXIT_OK;
        default: return rc_usage_error("report care", NULL);
        }
    }
    if (optind < argc)
        return rc_usage_error("report care", "unexpected argument");
    if (!valid_day(opt->day)) {
        fprintf(stderr, "rapportctl report care: --due must be a date YYYY-MM-DD or today "
                        "(e.g. --due=2026-03-29), not '%s'\n", opt->day);
        return RC_EXIT_FAILURE;
    }
    return -1;
}

#define TEXT_OID 25

static PGresult *run(PGconn *conn, const char *sql, const care_options *opt)
{
    /* Typed as text, so a statement that needs not every parameter (day_sql)
     * still prepares: PostgreSQL cannot infer the type of an unused one. */
    static const Oid types[] = {TEXT_OID, TEXT_OID, TEXT_OID, TEXT_OID};
    const char *params[] = {opt->tenant, opt->day, opt->tz, opt->staff};
    PGresult *res = PQexecParams(conn, sql, 4, types, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && strcmp(state, "42P01") == 0)
        fprintf(stderr, "rapportctl report care: table care_tasks not found; "
                        "is the care plugin loaded in this database?\n");
    else
        fprintf(stderr, "rapportctl report care: %s", PQerrorMessage(conn));
    PQclear(res);
    return NULL;
}

/* "reason; also: merged reasons" */
static void full_reason(const PGresult *due, int r, char *out, size_t size)
{
    const char *merged = PQgetvalue(due, r, 10);
    snprintf(out, size, "%s%s%s", PQgetvalue(due, r, 9), *merged ? "; also: " : "", merged);
}

static void print_due(const PGresult *due)
{
    static const char *const headers[] = {"prio", "time", "customer", "kind", "channel", "gesture",
                                          "status", "reason"};
    rc_table table;
    rc_table_init(&table, headers, 8);
    for (int r = 0; r < PQntuples(due); r++) {
        char reason[2048], who[512];
        full_reason(due, r, reason, sizeof reason);
        const char *customer = PQgetvalue(due, r, 2), *org = PQgetvalue(due, r, 3);
        snprintf(who, sizeof who, "%s%s%s", customer, *customer && *org ? "@" : "", org);
        const char *row[] = {PQgetvalue(due, r, 0), PQgetvalue(due, r, 1), who,
                             PQgetvalue(due, r, 5), PQgetvalue(due, r, 6), PQgetvalue(due, r, 7),
                             PQgetvalue(due, r, 8), reason};
        rc_table_add(&table, row);
    }
    rc_table_print(&table, stdout);
    rc_table_free(&table);
}

static void print_deferred(const PGresult *deferred)
{
    printf("\nDeferred by the contact budget away from this day: %d\n", PQntuples(deferred));
    if (PQntuples(deferred) == 0)
        return;
    printf("\n");
    static const char *const headers[] = {"prio", "was", "customer", "kind", "now due", "reason"};
    rc_table table;
    rc_table_init(&table, headers, 6);
    for (int r = 0; r < PQntuples(deferred); r++) {
        const char *row[] = {PQgetvalue(deferred, r, 0), PQgetvalue(deferred, r, 1),
                             PQgetvalue(deferred, r, 2), PQgetvalue(deferred, r, 3),
                             PQgetvalue(deferred, r, 4), PQgetvalue(deferred, r, 5)};
        rc_table_add(&table, row);
    }
    rc_table_print(&table, stdout);
    rc_table_free(&table);
}

/* The report's results: the day (YYYY-MM-DD), its tasks, the deferred. */
typedef struct care_results {
    PGresult *day, *due, *deferred;
} care_results;

static const char *day_of(const care_results *res)
{
    return PQgetvalue(res->day, 0, 0);
}

static void print_text(const care_options *opt, const care_results *res)
{
    printf("Care tasks due %s - tenant %s%s%s (day in %s): %d\n", day_of(res), opt->tenant,
           *opt->staff ? ", staff " : "", opt->staff, opt->tz, PQntuples(res->due));
    if (PQntuples(res->due) > 0) {
        printf("\n");
        print_due(res->due);
    }
    print_deferred(res->deferred);
}

static json_t *text_or_null(const char *v)
{
    return *v ? json_string(v) : json_null();
}

static json_t *due_json(const PGresult *due)
{
    json_t *list = json_array();
    for (int r = 0; r < PQntuples(due); r++)
        json_array_append_new(list, json_pack("{s:s, s:i, s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s,"
                                              " s:s, s:s, s:o, s:o}",
            "task_id", PQgetvalue(due, r, 11), "priority", atoi(PQgetvalue(due, r, 0)),
            "due_ms", (json_int_t)atoll(PQgetvalue(due, r, 12)), "time", PQgetvalue(due, r, 1),
            "customer", text_or_null(PQgetvalue(due, r, 2)), "org", text_or_null(PQgetvalue(due, r, 3)),
            "assignee", text_or_null(PQgetvalue(due, r, 4)), "kind", PQgetvalue(due, r, 5),
            "channel", PQgetvalue(due, r, 6), "gesture", PQgetvalue(due, r, 7),
            "status", PQgetvalue(due, r, 8), "reason", PQgetvalue(due, r, 9),
            "merged_reasons", text_or_null(PQgetvalue(due, r, 10)),
            "deferred_from", text_or_null(PQgetvalue(due, r, 13))));
    return list;
}

static json_t *deferred_json(const PGresult *deferred)
{
    json_t *list = json_array();
    for (int r = 0; r < PQntuples(deferred); r++)
        json_array_append_new(list, json_pack("{s:s, s:i, s:s, s:o, s:s, s:s, s:s, s:s}",
            "task_id", PQgetvalue(deferred, r, 6), "priority", atoi(PQgetvalue(deferred, r, 0)),
            "was", PQgetvalue(deferred, r, 1), "customer", text_or_null(PQgetvalue(deferred, r, 2)),
            "kind", PQgetvalue(deferred, r, 3), "now_due", PQgetvalue(deferred, r, 4),
            "reason", PQgetvalue(deferred, r, 5), "status", PQgetvalue(deferred, r, 7)));
    return list;
}

static int print_json(const care_options *opt, const care_results *res)
{
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "tenant", opt->tenant,
                            "day", day_of(res), "tz", opt->tz,
                            "staff", text_or_null(opt->staff), "tasks", due_json(res->due),
                            "deferred", deferred_json(res->deferred));
    bool ok = doc && json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) == 0;
    printf("\n");
    json_decref(doc);
    return ok ? RC_EXIT_OK : RC_EXIT_FAILURE;
}

int rc_report_care(int argc, char **argv)
{
    care_options opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc >= 0)
        return rc;
    PGconn *conn = rc_pg_connect(opt.database);
    if (!conn)
        return RC_EXIT_FAILURE;
    care_results res = {NULL, NULL, NULL};
    res.day = run(conn, day_sql, &opt);
    res.due = res.day ? run(conn, due_sql, &opt) : NULL;
    res.deferred = res.due ? run(conn, deferred_sql, &opt) : NULL;
    if (res.deferred)
        rc = opt.json ? print_json(&opt, &res) : (print_text(&opt, &res), RC_EXIT_OK);
    else
        rc = RC_EXIT_FAILURE;
    PQclear(res.day);
    PQclear(res.due);
    PQclear(res.deferred);
    PQfinish(conn);
    return rc;
}
