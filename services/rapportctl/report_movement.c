/*
 * report_movement.c - `rapportctl report movement --month YYYY-MM`: who
 * entered and who left the core value group that month and why (the criteria
 * that moved most), and the tier counts at the start and end of the month
 * with the moves in and out of each tier (seed 003: "every month, who
 * entered, who left, and why").
 *
 * Everything comes from the scoring plugin's history table
 * scoring_tier_history (docs/plugins/scoring.md), so any past month can be
 * reported, not only the current one. Month boundaries are midnights in the
 * time zone given by --tz (the tenant's business zone), computed by
 * PostgreSQL's time-zone database, so a month that contains a DST change is
 * still exactly that calendar month.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "report.h"

typedef struct movement_options {
    const char *month;      /* YYYY-MM */
    const char *tenant;
    const char *tz;
    const char *database;
    long limit;             /* rows per list, 0 = all */
    bool json;
} movement_options;

/* $1 tenant, $2 month 'YYYY-MM', $3 zone. lo/hi: the month's bounds in ms. */
#define MONTH_BOUNDS_CTE                                                              \
    "WITH b AS (SELECT (extract(epoch FROM (($2 || '-01')::timestamp AT TIME ZONE $3))"  \
    "                   * 1000)::bigint AS lo,"                                       \
    "                  (extract(epoch FROM ((($2 || '-01')::timestamp + interval '1 month')" \
    "                   AT TIME ZONE $3)) * 1000)::bigint AS hi) "

static const char moves_sql[] =
    MONTH_BOUNDS_CTE
    "SELECT to_char(to_timestamp(h.ts_ms / 1000.0) AT TIME ZONE $3, 'YYYY-MM-DD'),"
    "       h.customer, coalesce(h.from_tier, '-'), h.to_tier,"
    "       coalesce(round(h.score::numeric, 1)::text, ''), h.confidence::text,"
    "       CASE WHEN h.core_to THEN 'entered' ELSE 'left' END, h.reasons::text, h.cause"
    "  FROM scoring_tier_history h, b"
    " WHERE h.tenant = $1 AND h.ts_ms >= b.lo AND h.ts_ms < b.hi AND h.core_from <> h.core_to"
    " ORDER BY h.ts_ms, h.id";

/* Per tier: customers in it at the start and at the end of the month, and
 * the moves into and out of it during the month; then the same for the core
 * group (whatever tiers the plugin's core_tiers makes it), as the last row. */
static const char tiers_sql[] =
    MONTH_BOUNDS_CTE
    ", at_start AS (SELECT DISTINCT ON (customer) to_tier, core_to FROM scoring_tier_history, b"
    "               WHERE tenant = $1 AND ts_ms < b.lo ORDER BY customer, ts_ms DESC, id DESC),"
    "  at_end AS (SELECT DISTINCT ON (customer) to_tier, core_to FROM scoring_tier_history, b"
    "             WHERE tenant = $1 AND ts_ms < b.hi ORDER BY customer, ts_ms DESC, id DESC),"
    "  moves AS (SELECT from_tier, to_tier, core_from, core_to FROM scoring_tier_history, b"
    "            WHERE tenant = $1 AND ts_ms >= b.lo AND ts_ms < b.hi),"
    "  tiers(tier, rank) AS (VALUES ('vip', 1), ('key', 2), ('ordinary', 3), ('small', 4),"
    "                               ('potential', 5))"
    "SELECT t.tier,"
    "       (SELECT count(*) FROM at_start s WHERE s.to_tier = t.tier),"
    "       (SELECT count(*) FROM moves m WHERE m.to_tier = t.tier),"
    "       (SELECT count(*) FROM moves m WHERE m.from_tier = t.tier),"
    "       (SELECT count(*) FROM at_end e WHERE e.to_tier = t.tier)"
    "  FROM tiers t"
    " UNION ALL "
    "SELECT 'core group', (SELECT count(*) FROM at_start WHERE core_to),"
    "       (SELECT count(*) FROM moves WHERE core_to AND NOT core_from),"
    "       (SELECT count(*) FROM moves WHERE core_from AND NOT core_to),"
    "       (SELECT count(*) FROM at_end WHERE core_to)";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl report movement --month=YYYY-MM [--tenant=T] [--tz=ZONE]\n"
            "                                  [--limit=N] [--json] [--database=CONNINFO]\n"
            "Who entered and who left the core value group in the month, with the criteria\n"
            "that moved most, and per tier the count at the start and end of the month and\n"
            "the moves in and out. From the scoring plugin's table scoring_tier_history.\n"
            "  --month=YYYY-MM      the month to report (required)\n"
            "  --tenant=T           tenant (default: default)\n"
            "  --tz=ZONE            IANA zone whose midnights bound the month (default UTC)\n"
            "  --limit=N            at most N customers per list in text output (default all)\n"
            "  --json               one JSON document instead of text\n"
            "  --database=CONNINFO  libpq conninfo (env RAPPORT_DATABASE, else PG* variables)\n");
}

static int parse_options(int argc, char **argv, movement_options *opt)
{
    static const struct option longs[] = {
        {"month", required_argument, NULL, 'm'}, {"tenant", required_argument, NULL, 't'},
        {"tz", required_argument, NULL, 'z'},    {"limit", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},        {"database", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    *opt = (movement_options){.tenant = "default", .tz = "UTC"};
    optind = 1;
    int c;
    uint64_t limit = 0;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'm': opt->month = optarg; break;
        case 't': opt->tenant = optarg; break;
        case 'z': opt->tz = optarg; break;
        case 'j': opt->json = true; break;
        case 'd': opt->database = optarg; break;
        case 'l':
            if (!rc_parse_count("--limit", optarg, 0, 1000000, &limit))
                return RC_EXIT_FAILURE;
            opt->limit = (long)limit;
            break;
        case 'h': usage(stdout); return RC_EXIT_OK;
        default: return rc_usage_error("report movement", NULL);
        }
    }
    if (optind < argc)
        return rc_usage_error("report movement", "unexpected argument");
    if (!rc_valid_month(opt->month)) {
        fprintf(stderr, "rapportctl report movement: --month must be YYYY-MM (e.g. --month=2011-06)\n");
        return RC_EXIT_FAILURE;
    }
    return -1;
}

static PGresult *run(PGconn *conn, const char *sql, const movement_options *opt)
{
    const char *params[] = {opt->tenant, opt->month, opt->tz};
    PGresult *res = PQexecParams(conn, sql, 3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && strcmp(state, "42P01") == 0)
        fprintf(stderr, "rapportctl report movement: table scoring_tier_history not found; "
                        "is the scoring plugin loaded in this database?\n");
    else
        fprintf(stderr, "rapportctl report movement: %s", PQerrorMessage(conn));
    PQclear(res);
    return NULL;
}

/* "criterion +d.dd, ..." from the reasons JSON array. */
static void format_reasons(const char *json_text, char *out, size_t outlen)
{
    out[0] = '\0';
    json_t *reasons = json_loads(json_text, 0, NULL);
    size_t i, len = 0;
    json_t *r;
    json_array_foreach(reasons, i, r) {
        const char *name = json_string_value(json_object_get(r, "criterion"));
        double delta = json_number_value(json_object_get(r, "delta"));
        if (name && len < outlen)
            len += (size_t)snprintf(out + len, outlen - len, "%s%s %+.1f", i ? ", " : "", name, delta);
    }
    json_decref(reasons);
}

static void print_tiers(const PGresult *tiers)
{
    static const char *const headers[] = {"tier", "start", "in", "out", "end"};
    rc_table table;
    rc_table_init(&table, headers, 5);
    for (int r = 0; r < PQntuples(tiers); r++) {
        const char *row[5];
        for (int c = 0; c < 5; c++)
            row[c] = PQgetvalue(tiers, r, c);
        rc_table_add(&table, row);
    }
    rc_table_print(&table, stdout);
    rc_table_free(&table);
}

static void print_moves(const PGresult *moves, const char *direction, long limit)
{
    int total = 0;
    for (int r = 0; r < PQntuples(moves); r++)
        total += strcmp(PQgetvalue(moves, r, 6), direction) == 0;
    printf("\n%s the core group: %d\n", strcmp(direction, "entered") == 0 ? "Entered" : "Left", total);
    if (total == 0)
        return;
    static const char *const headers[] = {"date", "customer", "from", "to", "score", "why (criteria that moved)"};
    rc_table table;
    rc_table_init(&table, headers, 6);
    int shown = 0;
    for (int r = 0; r < PQntuples(moves) && (limit == 0 || shown < limit); r++) {
        if (strcmp(PQgetvalue(moves, r, 6), direction) != 0)
            continue;
        char why[512];
        format_reasons(PQgetvalue(moves, r, 7), why, sizeof why);
        const char *row[] = {PQgetvalue(moves, r, 0), PQgetvalue(moves, r, 1), PQgetvalue(moves, r, 2),
                             PQgetvalue(moves, r, 3), PQgetvalue(moves, r, 4), why};
        rc_table_add(&table, row);
        shown++;
    }
    rc_table_print(&table, stdout);
    rc_table_free(&table);
    if (shown < total)
        printf("... and %d more (--limit=0 shows all)\n", total - shown);
}

static void print_text(const movement_options *opt, const PGresult *tiers, const PGresult *moves)
{
    printf("Core value group movement - tenant %s, %s (month boundaries in %s)\n\n",
           opt->tenant, opt->month, opt->tz);
    print_tiers(tiers);
    print_moves(moves, "entered", opt->limit);
    print_moves(moves, "left", opt->limit);
}

static json_t *moves_json(const PGresult *moves)
{
    json_t *list = json_array();
    for (int r = 0; r < PQntuples(moves); r++) {
        const char *score = PQgetvalue(moves, r, 4);
        json_t *reasons = json_loads(PQgetvalue(moves, r, 7), 0, NULL);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:s, s:o, s:s}",
            "date", PQgetvalue(moves, r, 0), "customer", PQgetvalue(moves, r, 1),
            "from", PQgetvalue(moves, r, 2), "to", PQgetvalue(moves, r, 3),
            "score", *score ? json_real(atof(score)) : json_null(),
            "confidence", atoi(PQgetvalue(moves, r, 5)), "core_change", PQgetvalue(moves, r, 6),
            "reasons", reasons ? reasons : json_array(), "cause", PQgetvalue(moves, r, 8)));
    }
    return list;
}

static int print_json(const movement_options *opt, const PGresult *tiers, const PGresult *moves)
{
    json_t *tier_list = json_array();
    for (int r = 0; r < PQntuples(tiers); r++)
        json_array_append_new(tier_list, json_pack("{s:s, s:I, s:I, s:I, s:I}",
            "tier", PQgetvalue(tiers, r, 0), "start", (json_int_t)atoll(PQgetvalue(tiers, r, 1)),
            "in", (json_int_t)atoll(PQgetvalue(tiers, r, 2)),
            "out", (json_int_t)atoll(PQgetvalue(tiers, r, 3)),
            "end", (json_int_t)atoll(PQgetvalue(tiers, r, 4))));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:o}", "tenant", opt->tenant, "month", opt->month,
                            "tz", opt->tz, "tiers", tier_list, "core_moves", moves_json(moves));
    bool ok = doc && json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) == 0;
    printf("\n");
    json_decref(doc);
    return ok ? RC_EXIT_OK : RC_EXIT_FAILURE;
}

int rc_report_movement(int argc, char **argv)
{
    movement_options opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc >= 0)
        return rc;
    PGconn *conn = rc_pg_connect(opt.database);
    if (!conn)
        return RC_EXIT_FAILURE;
    PGresult *tiers = run(conn, tiers_sql, &opt);
    PGresult *moves = tiers ? run(conn, moves_sql, &opt) : NULL;
    if (!moves) {
        PQclear(tiers);
        PQfinish(conn);
        return RC_EXIT_FAILURE;
    }
    rc = RC_EXIT_OK;
    if (opt.json)
        rc = print_json(&opt, tiers, moves);
    else
        print_text(&opt, tiers, moves);
    PQclear(tiers);
    PQclear(moves);
    PQfinish(conn);
    return rc;
}
