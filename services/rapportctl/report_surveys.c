/*
 * report_surveys.c - `rapportctl report surveys --month YYYY-MM [--tenant T]
 * [--json] [--database=CONNINFO]`: from the survey plugin's tables
 * (docs/plugins/survey.md), per tenant and tier the response rate, NPS and
 * mean CSAT of the surveys requested in the month; per tenant the month's
 * complaints with resolution time (business hours) and SLA compliance; and
 * the customers flagged as silent churn in the month.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "report.h"

static const char surveys_sql[] =
    "SELECT tenant, tier, sum(requested), sum(answered), sum(expired), sum(suppressed),"
    " sum(nps_answers), sum(promoters), sum(detractors), sum(csat_answers), sum(csat_sum)"
    " FROM survey_monthly WHERE month = $1 AND ($2::text IS NULL OR tenant = $2)"
    " GROUP BY tenant, tier ORDER BY tenant, tier";

static const char complaints_sql[] =
    "SELECT tenant,"
    " count(*) FILTER (WHERE opened_month = $1),"
    " count(*) FILTER (WHERE opened_month = $1 AND source = 'survey'),"
    " count(*) FILTER (WHERE resolved_month = $1),"
    " round(avg(resolution_business_ms) FILTER (WHERE resolved_month = $1) / 3600000.0, 1),"
    " round(100.0 * avg(CASE WHEN resolution_met THEN 1 ELSE 0 END) FILTER (WHERE resolved_month = $1), 1),"
    " round(100.0 * avg(CASE WHEN first_response_met THEN 1 ELSE 0 END) FILTER (WHERE opened_month = $1"
    "   AND (first_response_met IS NOT NULL OR escalations > 0)), 1),"
    " count(*) FILTER (WHERE opened_month = $1 AND escalations > 0),"
    " count(*) FILTER (WHERE opened_month = $1 AND resolved_ms IS NULL)"
    " FROM survey_complaints WHERE (opened_month = $1 OR resolved_month = $1)"
    " AND ($2::text IS NULL OR tenant = $2) GROUP BY tenant ORDER BY tenant";

static const char silent_sql[] =
    "SELECT tenant, customer, survey_id, nps, csat, round(p_alive_then::numeric, 3),"
    " round(p_alive_now::numeric, 3), round(purchases_then::numeric, 3), round(purchases_now::numeric, 3), reason"
    " FROM survey_silent WHERE status = 'flagged' AND flagged_month = $1"
    " AND ($2::text IS NULL OR tenant = $2) ORDER BY tenant, customer, survey_id";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl report surveys --month YYYY-MM [--tenant T] [--json] [--database=CONNINFO]\n"
            "Surveys requested in the month per tenant and tier: requested, answered, expired,\n"
            "suppressed (fatigue or contact budget), response rate, NPS (promoters minus\n"
            "detractors, -100..100) and mean CSAT; complaints per tenant: opened (by a\n"
            "detractor answer), resolved, mean resolution time in business hours, resolution\n"
            "and first-response SLA compliance, escalated, still open; then the customers\n"
            "flagged as silent churn in the month (satisfied answer, behaviour dropped).\n"
            "  --json               one JSON object instead of tables\n"
            "  --database=CONNINFO  libpq conninfo (env RAPPORT_DATABASE, else PG* variables)\n");
}

static PGresult *run(PGconn *conn, const char *sql, const char *month, const char *tenant)
{
    const char *params[] = {month, tenant};
    PGresult *res = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "rapportctl report surveys: query failed (is the survey plugin deployed?): %s",
                PQerrorMessage(conn));
        PQclear(res);
        return NULL;
    }
    return res;
}

static double num(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0.0 : strtod(PQgetvalue(res, row, col), NULL);
}

/* The survey figures of one row: rate and CSAT are -1 when undefined. */
typedef struct survey_figures {
    double rate, nps, csat;
} survey_figures;

static survey_figures figures(const PGresult *res, int row)
{
    double requested = num(res, row, 2), answered = num(res, row, 3);
    double nps_n = num(res, row, 6), promoters = num(res, row, 7), detractors = num(res, row, 8);
    double csat_n = num(res, row, 9), csat_sum = num(res, row, 10);
    return (survey_figures){
        .rate = requested > 0 ? answered / requested : -1,
        .nps = nps_n > 0 ? 100.0 * (promoters - detractors) / nps_n : 0,
        .csat = csat_n > 0 ? csat_sum / csat_n : -1,
    };
}

static void cell_or_dash(char *buf, size_t size, double v, const char *fmt)
{
    if (v < 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, fmt, v);
}

static const char *text_or_dash(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? "-" : PQgetvalue(res, row, col);
}

static bool print_surveys(const PGresult *res)
{
    static const char *const headers[] = {"tenant", "tier", "requested", "answered", "expired", "suppressed",
                                          "response_rate", "nps", "csat"};
    rc_table t;
    rc_table_init(&t, headers, 9);
    for (int r = 0; r < PQntuples(res); r++) {
        survey_figures f = figures(res, r);
        char rate[16], nps[16], csat[16];
        cell_or_dash(rate, sizeof rate, f.rate * 100, "%.1f%%");
        snprintf(nps, sizeof nps, "%.1f", f.nps);
        cell_or_dash(csat, sizeof csat, f.csat, "%.2f");
        const char *row[] = {PQgetvalue(res, r, 0), PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                             PQgetvalue(res, r, 3), PQgetvalue(res, r, 4), PQgetvalue(res, r, 5),
                             rate, nps, csat};
        rc_table_add(&t, row);
    }
    printf("surveys\n");
    bool ok = PQntuples(res) ? rc_table_print(&t, stdout) : (printf("  none\n") >= 0);
    rc_table_free(&t);
    return ok;
}

static bool print_plain(const PGresult *res, const char *title, const char *const *headers, size_t columns)
{
    rc_table t;
    rc_table_init(&t, headers, columns);
    for (int r = 0; r < PQntuples(res); r++) {
        const char *row[12];
        for (size_t c = 0; c < columns; c++)
            row[c] = text_or_dash(res, r, (int)c);
        rc_table_add(&t, row);
    }
    printf("\n%s\n", title);
    bool ok = PQntuples(res) ? rc_table_print(&t, stdout) : (printf("  none\n") >= 0);
    rc_table_free(&t);
    return ok;
}

static bool print_text(const PGresult *surveys, const PGresult *complaints, const PGresult *silent)
{
    static const char *const complaint_headers[] = {
        "tenant", "opened", "from_surveys", "resolved", "mean_resolution_bh", "resolution_sla_%",
        "first_response_sla_%", "escalated", "open"};
    static const char *const silent_headers[] = {
        "tenant", "customer", "survey", "nps", "csat", "p_alive_then", "p_alive_now",
        "purchases_then", "purchases_now", "reason"};
    return print_surveys(surveys) && print_plain(complaints, "complaints", complaint_headers, 9)
           && print_plain(silent, "silent churn", silent_headers, 10);
}

/* A JSON value for a cell of kind 's' (text), 'i' (count) or 'r' (real). */
static json_t *cell_json(const PGresult *res, int row, int col, char kind)
{
    if (PQgetisnull(res, row, col))
        return json_null();
    const char *v = PQgetvalue(res, row, col);
    if (kind == 'i')
        return json_integer(strtoll(v, NULL, 10));
    return kind == 'r' ? json_real(strtod(v, NULL)) : json_string(v);
}

static json_t *rows_json(const PGresult *res, const char *const *names, const char *kinds, size_t columns)
{
    json_t *array = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *obj = json_object();
        for (size_t c = 0; c < columns; c++)
            json_object_set_new(obj, names[c], cell_json(res, r, (int)c, kinds[c]));
        json_array_append_new(array, obj);
    }
    return array;
}

static json_t *surveys_json(const PGresult *res)
{
    static const char *const names[] = {"tenant", "tier", "requested", "answered", "expired", "suppressed",
                                        "nps_answers", "promoters", "detractors", "csat_answers", "csat_sum"};
    json_t *array = rows_json(res, names, "ssiiiiiiiii", 11);
    for (int r = 0; r < PQntuples(res); r++) {
        survey_figures f = figures(res, r);
        json_t *obj = json_array_get(array, (size_t)r);
        json_object_set_new(obj, "response_rate", f.rate < 0 ? json_null() : json_real(f.rate));
        json_object_set_new(obj, "nps", json_real(f.nps));
        json_object_set_new(obj, "csat", f.csat < 0 ? json_null() : json_real(f.csat));
    }
    return array;
}

static bool print_json(const char *month, const PGresult *surveys, const PGresult *complaints,
                       const PGresult *silent)
{
    static const char *const complaint_names[] = {
        "tenant", "opened", "opened_from_surveys", "resolved", "mean_resolution_business_hours",
        "resolution_sla_pct", "first_response_sla_pct", "escalated", "open"};
    static const char *const silent_names[] = {
        "tenant", "customer", "survey_id", "nps", "csat", "p_alive_then", "p_alive_now",
        "expected_purchases_then", "expected_purchases_now", "reason"};
    json_t *out = json_object();
    json_object_set_new(out, "month", json_string(month));
    json_object_set_new(out, "surveys", surveys_json(surveys));
    json_object_set_new(out, "complaints", rows_json(complaints, complaint_names, "siiirrrii", 9));
    json_object_set_new(out, "silent_churn", rows_json(silent, silent_names, "sssiirrrrs", 10));
    bool ok = rc_print_json_line(stdout, out);
    json_decref(out);
    return ok;
}

static int report(PGconn *conn, const char *month, const char *tenant, bool json)
{
    PGresult *surveys = run(conn, surveys_sql, month, tenant);
    PGresult *complaints = surveys ? run(conn, complaints_sql, month, tenant) : NULL;
    PGresult *silent = complaints ? run(conn, silent_sql, month, tenant) : NULL;
    int rc = RC_EXIT_FAILURE;
    if (silent) {
        bool ok = json ? print_json(month, surveys, complaints, silent) : print_text(surveys, complaints, silent);
        bool empty = PQntuples(surveys) == 0 && PQntuples(complaints) == 0 && PQntuples(silent) == 0;
        rc = !ok ? RC_EXIT_FAILURE : empty ? RC_EXIT_REJECTED : RC_EXIT_OK;
    }
    PQclear(silent);
    PQclear(complaints);
    PQclear(surveys);
    return rc;
}

int rc_report_surveys(int argc, char **argv)
{
    static const struct option options[] = {
        {"month", required_argument, NULL, 'm'}, {"tenant", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'}, {"database", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *month = NULL, *tenant = NULL, *database = NULL;
    bool json = false;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'm': month = optarg; break;
        case 't': tenant = optarg; break;
        case 'j': json = true; break;
        case 'd': database = optarg; break;
        case 'h': usage(stdout); return RC_EXIT_OK;
        default:  return rc_usage_error("report surveys", "invalid option");
        }
    }
    if (optind < argc)
        return rc_usage_error("report surveys", "unexpected argument");
    if (!month || !rc_valid_month(month)) {
        fprintf(stderr, "rapportctl report surveys: --month YYYY-MM is required (e.g. --month 2026-03)\n");
        return RC_EXIT_FAILURE;
    }
    PGconn *conn = rc_pg_connect(database);
    if (!conn)
        return RC_EXIT_FAILURE;
    int rc = report(conn, month, tenant, json);
    PQfinish(conn);
    return rc;
}
