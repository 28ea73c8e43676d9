/*
 * common.h - what the rapportctl verbs share: exit codes, default endpoints,
 * option helpers, a monotonic clock, JSON-line output, a PostgreSQL
 * connection and a plain-text table printer.
 */
#ifndef RC_COMMON_H
#define RC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <libpq-fe.h>

/* Exit codes, the same for every verb (docs/rapportctl.md). */
#define RC_EXIT_OK       0   /* done, nothing rejected */
#define RC_EXIT_REJECTED 1   /* done, but some events were rejected / nothing matched */
#define RC_EXIT_FAILURE  2   /* usage, connection, timeout or protocol error */

#define RC_DEFAULT_INGRESS "tcp://127.0.0.1:7450"
#define RC_DEFAULT_PUBLISH "tcp://127.0.0.1:7451"
#define RC_DEFAULT_REPLAY  "tcp://127.0.0.1:7452"

/* A verb's entry point: argv[0] is the verb's name. Returns an exit code. */
typedef int (*rc_verb_fn)(int argc, char **argv);

int rc_publish_main(int argc, char **argv);
int rc_tail_main(int argc, char **argv);
int rc_replay_main(int argc, char **argv);
int rc_dead_letters_main(int argc, char **argv);
int rc_status_main(int argc, char **argv);
int rc_report_main(int argc, char **argv);

/* flag_value if given, else the environment variable, else fallback. */
const char *rc_setting(const char *flag_value, const char *env_name, const char *fallback);

/* Parses a whole decimal string into [min, max]; false (and a message on
 * stderr naming the option) otherwise. */
bool rc_parse_count(const char *option, const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Prints "rapportctl VERB: unknown option; see rapportctl VERB --help" and
 * returns RC_EXIT_FAILURE. */
int rc_usage_error(const char *verb, const char *detail);

/* A report month: YYYY-MM with digits in every place but the dash and a
 * month 01..12; false for NULL. */
bool rc_valid_month(const char *month);

/* Milliseconds on a monotonic clock (for deadlines, never for timestamps). */
int64_t rc_now_ms(void);

/* Writes value as one compact JSON line with sorted keys and flushes, so a
 * pipe reader sees each event as soon as it is printed. */
bool rc_print_json_line(FILE *out, const json_t *value);

/* Connects with conninfo (flag, else RAPPORT_DATABASE, else libpq's own
 * defaults from PG* variables). NULL with a message on stderr on failure. */
PGconn *rc_pg_connect(const char *conninfo_flag);

/* A table of text cells printed with aligned columns; the last column is
 * left unpadded so long error texts do not widen every line. */
typedef struct rc_table {
    size_t columns;
    size_t rows;
    size_t capacity;      /* rows the cells array has room for */
    char **cells;         /* rows * columns copies, header row first */
    bool out_of_memory;
} rc_table;

void rc_table_init(rc_table *table, const char *const *headers, size_t columns);
void rc_table_add(rc_table *table, const char *const *row);   /* copies; NULL cell -> "" */
bool rc_table_print(const rc_table *table, FILE *out);        /* false if OOM happened */
void rc_table_free(rc_table *table);

#endif
