/*
 * dead_letters.c - `rapportctl dead-letters list|retry`.
 *
 * A dead letter is an event or timer a plugin failed on max_tries times. An
 * operator's retry only flips status 'dead' -> 'retry'; the broker notices
 * and re-runs it (then marks it 'retried'). So this verb never touches plugin
 * state itself, and retrying twice is harmless.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

typedef struct dl_options {
    const char *plugin;     /* NULL = every plugin */
    const char *status;     /* list: NULL = all statuses */
    const char *database;
    uint64_t id;            /* retry: 0 = not given */
    bool all;
} dl_options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl dead-letters list [--plugin=P] [--status=dead|retry|retried|all]\n"
            "                                    [--database=CONNINFO]\n"
            "       rapportctl dead-letters retry (--id=N | --all) [--plugin=P] [--database=CONNINFO]\n"
            "list prints the dead letters (status 'dead' unless --status says otherwise).\n"
            "retry marks dead letters for the broker to run again and prints how many.\n"
            "  --database=CONNINFO  libpq conninfo (env RAPPORT_DATABASE, else PG* variables)\n"
            "Exit: 0 done, 1 --id matched no dead letter in status 'dead', 2 error.\n");
}

static bool valid_status(const char *status)
{
    static const char *const known[] = {"dead", "retry", "retried", "all"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(status, known[i]) == 0)
            return true;
    return false;
}

/* 0 to run, or 1 with *exit_code set. argv[0] is the sub-verb. */
static int parse_options(int argc, char **argv, bool is_list, dl_options *opt, int *exit_code)
{
    static const struct option options[] = {
        {"plugin", required_argument, NULL, 'p'},   {"status", required_argument, NULL, 's'},
        {"database", required_argument, NULL, 'd'}, {"id", required_argument, NULL, 'i'},
        {"all", no_argument, NULL, 'a'},            {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *status = "dead";
    *opt = (dl_options){0};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'p': opt->plugin = optarg; break;
        case 's': ok = is_list && valid_status(optarg); status = optarg; break;
        case 'd': opt->database = optarg; break;
        case 'i': ok = !is_list && rc_parse_count("id", optarg, 1, INT64_MAX, &opt->id); break;
        case 'a': ok = !is_list; opt->all = true; break;
        case 'h': usage(stdout); *exit_code = RC_EXIT_OK; return 1;
        default:  ok = false; break;
        }
        if (!ok) {
            *exit_code = rc_usage_error("dead-letters", "invalid option");
            return 1;
        }
    }
    if (optind < argc || (!is_list && (opt->id != 0) == opt->all)) {
        *exit_code = rc_usage_error("dead-letters", optind < argc ? "unexpected argument"
                                                                  : "retry needs exactly one of --id=N and --all");
        return 1;
    }
    opt->status = strcmp(status, "all") == 0 ? NULL : status;
    return 0;
}

/* Runs a parameterised statement; NULL (message printed) unless it gave
 * `expected` status. */
static PGresult *run_query(PGconn *conn, const char *sql, int count, const char *const *params,
                           ExecStatusType expected)
{
    PGresult *res = PQexecParams(conn, sql, count, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != expected) {
        fprintf(stderr, "rapportctl dead-letters: query failed: %s", PQerrorMessage(conn));
        PQclear(res);
        return NULL;
    }
    return res;
}

static int list(PGconn *conn, const dl_options *opt)
{
    static const char sql[] =
        "SELECT dl_id, plugin, kind, tenant,"
        "       CASE kind WHEN 'event' THEN event_id ELSE timer_key END,"
        "       tries, status, error"
        "  FROM dead_letters"
        " WHERE ($1::text IS NULL OR plugin = $1) AND ($2::text IS NULL OR status = $2)"
        " ORDER BY dl_id";
    const char *params[] = {opt->plugin, opt->status};
    PGresult *res = run_query(conn, sql, 2, params, PGRES_TUPLES_OK);
    if (!res)
        return RC_EXIT_FAILURE;
    int rows = PQntuples(res);
    if (rows == 0) {
        printf("no dead letters%s%s\n", opt->status ? " with status " : "", opt->status ? opt->status : "");
        PQclear(res);
        return RC_EXIT_OK;
    }
    static const char *const headers[] = {"id", "plugin", "kind", "tenant", "event/timer", "tries", "status", "error"};
    rc_table table;
    rc_table_init(&table, headers, 8);
    for (int r = 0; r < rows; r++) {
        const char *row[8];
        for (int c = 0; c < 8; c++)
            row[c] = PQgetisnull(res, r, c) ? "-" : PQgetvalue(res, r, c);
        rc_table_add(&table, row);
    }
    bool ok = rc_table_print(&table, stdout);
    rc_table_free(&table);
    PQclear(res);
    return ok ? RC_EXIT_OK : RC_EXIT_FAILURE;
}

static int retry(PGconn *conn, const dl_options *opt)
{
    static const char by_id[] =
        "UPDATE dead_letters SET status = 'retry', updated_at = now()"
        " WHERE dl_id = $1 AND status = 'dead' AND ($2::text IS NULL OR plugin = $2)";
    static const char every[] =
        "UPDATE dead_letters SET status = 'retry', updated_at = now()"
        " WHERE status = 'dead' AND ($1::text IS NULL OR plugin = $1)";
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%" PRIu64, opt->id);
    const char *id_params[] = {id_text, opt->plugin};
    const char *all_params[] = {opt->plugin};
    PGresult *res = opt->all ? run_query(conn, every, 1, all_params, PGRES_COMMAND_OK)
                             : run_query(conn, by_id, 2, id_params, PGRES_COMMAND_OK);
    if (!res)
        return RC_EXIT_FAILURE;
    long marked = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    printf("marked %ld dead letter(s) for retry\n", marked);
    if (!opt->all && marked == 0) {
        fprintf(stderr, "rapportctl dead-letters: no dead letter %s in status 'dead'%s%s\n", id_text,
                opt->plugin ? " for plugin " : "", opt->plugin ? opt->plugin : "");
        return RC_EXIT_REJECTED;
    }
    return RC_EXIT_OK;
}

int rc_dead_letters_main(int argc, char **argv)
{
    if (argc < 2)
        return rc_usage_error("dead-letters", "missing 'list' or 'retry'");
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return RC_EXIT_OK;
    }
    bool is_list = strcmp(sub, "list") == 0;
    if (!is_list && strcmp(sub, "retry") != 0)
        return rc_usage_error("dead-letters", "expected 'list' or 'retry'");
    dl_options opt;
    int code = RC_EXIT_OK;
    if (parse_options(argc - 1, argv + 1, is_list, &opt, &code) != 0)
        return code;
    PGconn *conn = rc_pg_connect(opt.database);
    if (!conn)
        return RC_EXIT_FAILURE;
    code = is_list ? list(conn, &opt) : retry(conn, &opt);
    PQfinish(conn);
    return code;
}
