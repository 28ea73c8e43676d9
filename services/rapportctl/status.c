/*
 * status.c - `rapportctl status`: how far behind each plugin is, and what is
 * waiting (dead letters, timers, the outbox head).
 *
 * Lag is counted per (plugin, partition) with LATERAL subqueries that walk
 * the unique index events(partition, pos): the head is one backward index
 * probe and the lag a range scan of only the events not yet processed
 * (capped, so a huge backlog cannot make status itself slow). A GROUP BY over
 * the whole events table would read every event ever accepted.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define LAG_COUNT_CAP 1000000   /* lag is shown as "1000000+" beyond this */
#define STR(x) #x
#define XSTR(x) STR(x)

static const char partition_sql[] =
    "SELECT p.plugin, p.partition, p.pos, COALESCE(h.pos, 0), l.n"
    "  FROM plugin_progress p"
    "  LEFT JOIN LATERAL (SELECT e.pos FROM events e WHERE e.partition = p.partition"
    "                      ORDER BY e.pos DESC LIMIT 1) h ON true"
    "  CROSS JOIN LATERAL (SELECT count(*) AS n FROM"
    "                        (SELECT 1 FROM events e WHERE e.partition = p.partition AND e.pos > p.pos"
    "                          LIMIT " XSTR(LAG_COUNT_CAP) " + 1) backlog) l"
    " ORDER BY p.plugin, p.partition";

/* Every plugin that has progress, dead letters or timers. */
static const char plugin_sql[] =
    "WITH plugins AS (SELECT plugin FROM plugin_progress UNION"
    "                 SELECT plugin FROM dead_letters UNION SELECT plugin FROM timers)"
    "SELECT pl.plugin,"
    "       (SELECT count(*) FROM plugin_progress pp WHERE pp.plugin = pl.plugin),"
    "       (SELECT count(*) FROM dead_letters d WHERE d.plugin = pl.plugin AND d.status = 'dead'),"
    "       (SELECT count(*) FROM dead_letters d WHERE d.plugin = pl.plugin AND d.status = 'retry'),"
    "       (SELECT count(*) FROM timers t WHERE t.plugin = pl.plugin)"
    "  FROM plugins pl ORDER BY pl.plugin";

static const char heads_sql[] =
    "SELECT (SELECT pos FROM ingest_head), (SELECT seq FROM outbox_head)";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl status [--all] [--database=CONNINFO]\n"
            "Per plugin and partition: processed position, the partition's head position\n"
            "and the lag in events (only lagging rows unless --all); then per plugin:\n"
            "partitions, total lag, dead letters (dead / retry) and pending timers; then\n"
            "the ingest head position and the outbox head seq.\n"
            "  --database=CONNINFO  libpq conninfo (env RAPPORT_DATABASE, else PG* variables)\n");
}

static PGresult *query(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "rapportctl status: query failed: %s", PQerrorMessage(conn));
        PQclear(res);
        return NULL;
    }
    return res;
}

static uint64_t column_u64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoull(PQgetvalue(res, row, col), NULL, 10);
}

static void format_lag(char *out, size_t outlen, uint64_t lag)
{
    if (lag > LAG_COUNT_CAP)
        snprintf(out, outlen, "%d+", LAG_COUNT_CAP);
    else
        snprintf(out, outlen, "%" PRIu64, lag);
}

static bool print_partitions(const PGresult *res, bool all)
{
    static const char *const headers[] = {"plugin", "partition", "position", "head", "lag"};
    rc_table table;
    rc_table_init(&table, headers, 5);
    size_t shown = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        uint64_t lag = column_u64(res, r, 4);
        if (lag == 0 && !all)
            continue;
        char lag_text[32];
        format_lag(lag_text, sizeof lag_text, lag);
        const char *row[] = {PQgetvalue(res, r, 0), PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                             PQgetvalue(res, r, 3), lag_text};
        rc_table_add(&table, row);
        shown++;
    }
    bool ok = true;
    if (shown == 0)
        printf("no plugin is behind%s\n", PQntuples(res) == 0 ? " (no plugin progress recorded yet)" : "");
    else
        ok = rc_table_print(&table, stdout);
    rc_table_free(&table);
    return ok;
}

/* Sum of a plugin's lag over its partitions (partition rows are few). */
static uint64_t plugin_lag(const PGresult *partitions, const char *plugin)
{
    uint64_t total = 0;
    for (int r = 0; r < PQntuples(partitions); r++)
        if (strcmp(PQgetvalue(partitions, r, 0), plugin) == 0)
            total += column_u64(partitions, r, 4);
    return total;
}

static bool print_plugins(const PGresult *plugins, const PGresult *partitions)
{
    static const char *const headers[] = {"plugin", "partitions", "lag", "dead", "retry", "timers"};
    rc_table table;
    rc_table_init(&table, headers, 6);
    for (int r = 0; r < PQntuples(plugins); r++) {
        char lag_text[32];
        format_lag(lag_text, sizeof lag_text, plugin_lag(partitions, PQgetvalue(plugins, r, 0)));
        const char *row[] = {PQgetvalue(plugins, r, 0), PQgetvalue(plugins, r, 1), lag_text,
                             PQgetvalue(plugins, r, 2), PQgetvalue(plugins, r, 3), PQgetvalue(plugins, r, 4)};
        rc_table_add(&table, row);
    }
    bool ok = rc_table_print(&table, stdout);
    rc_table_free(&table);
    return ok;
}

static int report(PGconn *conn, bool all)
{
    PGresult *partitions = query(conn, partition_sql);
    PGresult *plugins = partitions ? query(conn, plugin_sql) : NULL;
    PGresult *heads = plugins ? query(conn, heads_sql) : NULL;
    bool ok = heads != NULL;
    if (ok) {
        ok = print_partitions(partitions, all);
        printf("\n");
        ok = print_plugins(plugins, partitions) && ok;
        printf("\ningest head position: %s\noutbox head seq: %s\n",
               PQgetisnull(heads, 0, 0) ? "-" : PQgetvalue(heads, 0, 0),
               PQgetisnull(heads, 0, 1) ? "-" : PQgetvalue(heads, 0, 1));
    }
    PQclear(heads);
    PQclear(plugins);
    PQclear(partitions);
    return ok ? RC_EXIT_OK : RC_EXIT_FAILURE;
}

int rc_status_main(int argc, char **argv)
{
    static const struct option options[] = {
        {"all", no_argument, NULL, 'a'}, {"database", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *database = NULL;
    bool all = false;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'a': all = true; break;
        case 'd': database = optarg; break;
        case 'h': usage(stdout); return RC_EXIT_OK;
        default:  return rc_usage_error("status", "invalid option");
        }
    }
    if (optind < argc)
        return rc_usage_error("status", "unexpected argument");
    PGconn *conn = rc_pg_connect(database);
    if (!conn)
        return RC_EXIT_FAILURE;
    int code = report(conn, all);
    PQfinish(conn);
    return code;
}
