/*
 * common.c - helpers shared by the rapportctl verbs (see common.h).
 */
#include "common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *rc_setting(const char *flag_value, const char *env_name, const char *fallback)
{
    if (flag_value)
        return flag_value;
    const char *env = env_name ? getenv(env_name) : NULL;
    if (env && env[0])
        return env;
    return fallback;
}

bool rc_parse_count(const char *option, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    /* strtoull accepts a leading '-' and wraps; refuse it explicitly. */
    unsigned long long value = (text && text[0] != '-') ? strtoull(text, &end, 10) : 0;
    if (!text || text[0] == '\0' || text[0] == '-' || errno != 0 || !end || *end != '\0' ||
        value < min || value > max) {
        fprintf(stderr, "rapportctl: --%s must be an integer from %" PRIu64 " to %" PRIu64 ", not '%s'\n",
                option, min, max, text ? text : "");
        return false;
    }
    *out = value;
    return true;
}

int rc_usage_error(const char *verb, const char *detail)
{
    fprintf(stderr, "rapportctl %s: %s; see 'rapportctl %s --help'\n", verb, detail, verb);
    return RC_EXIT_FAILURE;
}

bool rc_valid_month(const char *m)
{
    if (!m || strlen(m) != 7 || m[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (m[i] < '0' || m[i] > '9'))
            return false;
    int month = (m[5] - '0') * 10 + (m[6] - '0');
    return month >= 1 && month <= 12;
}

int64_t rc_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

bool rc_print_json_line(FILE *out, const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!text) {
        fprintf(stderr, "rapportctl: out of memory printing an event\n");
        return false;
    }
    bool ok = fprintf(out, "%s\n", text) >= 0 && fflush(out) == 0;
    free(text);
    return ok;
}

PGconn *rc_pg_connect(const char *conninfo_flag)
{
    const char *conninfo = rc_setting(conninfo_flag, "RAPPORT_DATABASE", "");
    PGconn *conn = PQconnectdb(conninfo);
    if (!conn) {
        fprintf(stderr, "rapportctl: out of memory connecting to PostgreSQL\n");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        /* libpq's message ends with a newline already. */
        fprintf(stderr, "rapportctl: cannot connect to PostgreSQL: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* ---- table -------------------------------------------------------------- */

void rc_table_init(rc_table *table, const char *const *headers, size_t columns)
{
    memset(table, 0, sizeof *table);
    table->columns = columns;
    rc_table_add(table, headers);
}

static bool table_reserve_row(rc_table *table)
{
    if (table->rows < table->capacity)
        return true;
    size_t capacity = table->capacity ? table->capacity * 2 : 16;
    char **cells = realloc(table->cells, capacity * table->columns * sizeof *cells);
    if (!cells)
        return false;
    table->cells = cells;
    table->capacity = capacity;
    return true;
}

/* A copy with control characters (newlines in error texts) shown as spaces,
 * so that one row stays one line. */
static char *printable_copy(const char *text)
{
    char *copy = strdup(text ? text : "");
    if (!copy)
        return NULL;
    for (char *c = copy; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    return copy;
}

void rc_table_add(rc_table *table, const char *const *row)
{
    if (table->out_of_memory || !table_reserve_row(table)) {
        table->out_of_memory = true;
        return;
    }
    char **cells = table->cells + table->rows * table->columns;
    for (size_t c = 0; c < table->columns; c++) {
        cells[c] = printable_copy(row[c]);
        if (!cells[c]) {
            for (size_t k = 0; k < c; k++)
                free(cells[k]);
            table->out_of_memory = true;
            return;
        }
    }
    table->rows++;
}

bool rc_table_print(const rc_table *table, FILE *out)
{
    if (table->out_of_memory) {
        fprintf(stderr, "rapportctl: out of memory building the table\n");
        return false;
    }
    size_t widths[32] = {0};
    size_t columns = table->columns < 32 ? table->columns : 32;
    for (size_t r = 0; r < table->rows; r++)
        for (size_t c = 0; c < columns; c++) {
            size_t len = strlen(table->cells[r * table->columns + c]);
            if (len > widths[c])
                widths[c] = len;
        }
    for (size_t r = 0; r < table->rows; r++) {
        for (size_t c = 0; c < columns; c++) {
            const char *cell = table->cells[r * table->columns + c];
            if (c + 1 < columns)
                fprintf(out, "%-*s  ", (int)widths[c], cell);
            else
                fprintf(out, "%s\n", cell);
        }
    }
    return true;
}

void rc_table_free(rc_table *table)
{
    for (size_t i = 0; i < table->rows * table->columns; i++)
        free(table->cells[i]);
    free(table->cells);
    memset(table, 0, sizeof *table);
}
