/*
 * copy_ref.c - COPY reference (see copy_ref.h). Rows are encoded in COPY's
 * binary format with the broker's own helpers (core/src/copy_binary.c) and
 * partition hash (core/src/partition.c): the fastest plain COPY of these rows
 * (text COPY would spell every event's msgpack as hex, twice the bytes and a
 * hex decode per row in the server), and what the committer sends too.
 */
#include "copy_ref.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "copy_binary.h"
#include "partition.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool exec_ok(PGconn *db, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(db, sql);
    ExecStatusType status = PQresultStatus(res);
    bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, errlen, "%.60s...: %s", sql, PQerrorMessage(db));
    PQclear(res);
    return ok;
}

static PGconn *connect_db(const char *conninfo, char *err, size_t errlen)
{
    PGconn *db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to the database: %s", PQerrorMessage(db));
        PQfinish(db);
        return NULL;
    }
    return db;
}

static bool query_version(PGconn *db, char *out, size_t outlen, char *err, size_t errlen)
{
    PGresult *res = PQexec(db, "SELECT version()");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    if (ok)
        snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
    else
        snprintf(err, errlen, "SELECT version(): %s", PQerrorMessage(db));
    PQclear(res);
    return ok;
}

bool bench_pg_version(const char *conninfo, char *out, size_t outlen, char *err, size_t errlen)
{
    PGconn *db = connect_db(conninfo, err, errlen);
    if (!db)
        return false;
    bool ok = query_version(db, out, outlen, err, errlen);
    PQfinish(db);
    return ok;
}

/* One row per event, in the column order of `events`. The partition key is
 * the customer, else the org (every event of the retail stream is
 * customer-scoped; the broker decides by the type's scope). */
static void build_rows(rp_copy_buffer *buf, const bench_events *events, const char *id_prefix, uint32_t partitions)
{
    char id[512];
    rp_copy_bin_header(buf);
    for (size_t i = 0; i < events->count; i++) {
        const bench_event *e = &events->items[i];
        const char *key = e->customer ? e->customer : e->org ? e->org : "";
        int id_len = snprintf(id, sizeof id, "%s%s", id_prefix, e->id);
        rp_copy_bin_row(buf, 9);
        rp_copy_bin_bytes(buf, e->tenant, strlen(e->tenant));
        rp_copy_bin_bytes(buf, id, (size_t)id_len);
        rp_copy_bin_int8(buf, (int64_t)i + 1);
        rp_copy_bin_int4(buf, (int32_t)rp_partition_of(e->tenant, strlen(e->tenant), key, strlen(key), partitions));
        rp_copy_bin_bytes(buf, e->type, strlen(e->type));
        rp_copy_bin_int8(buf, e->ts_ms);
        rp_copy_bin_text_or_null(buf, e->customer);
        rp_copy_bin_text_or_null(buf, e->org);
        rp_copy_bin_bytes(buf, e->data, e->data_len);
    }
    rp_copy_bin_trailer(buf);
}

static void table_name(bench_copy_table table, char *out, size_t outlen)
{
    if (table == BENCH_COPY_TEMP)
        snprintf(out, outlen, "bench_copy_events");
    else
        snprintf(out, outlen, "bench_copy_events_%ld", (long)getpid());
}

static bool create_table(PGconn *db, bench_copy_table table, const char *name, char *err, size_t errlen)
{
    char sql[1024];
    /* LIKE events: the same columns, keys and TOAST compression as the
     * broker's table, so the reference pays what the broker pays. */
    snprintf(sql, sizeof sql, "CREATE %s TABLE %s (LIKE events INCLUDING ALL)%s",
             table == BENCH_COPY_TEMP ? "TEMP" : "", name,
             table == BENCH_COPY_TEMP ? " ON COMMIT DROP" : "");
    return exec_ok(db, sql, err, errlen);
}

static bool timed_copy(PGconn *db, const bench_events *events, const char *id_prefix, uint32_t partitions,
                       const char *name, bench_copy_result *out, char *err, size_t errlen)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "COPY %s (tenant, id, pos, partition, type, ts_ms, customer, org, data) FROM STDIN (FORMAT binary)",
             name);
    rp_copy_buffer buf;
    rp_copy_init(&buf);
    double start = now_seconds();
    build_rows(&buf, events, id_prefix, partitions);
    bool ok = rp_copy_send(db, sql, &buf, err, errlen) && exec_ok(db, "COMMIT", err, errlen);
    out->seconds = now_seconds() - start;
    out->rows = ok ? events->count : 0;
    rp_copy_free(&buf);
    return ok;
}

bool bench_copy_reference(const char *conninfo, const bench_events *events, const char *id_prefix,
                          uint32_t partitions, bench_copy_table table, bench_copy_result *out,
                          char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    PGconn *db = connect_db(conninfo, err, errlen);
    if (!db)
        return false;
    char name[64];
    table_name(table, name, sizeof name);
    bool ok = query_version(db, out->server_version, sizeof out->server_version, err, errlen) &&
              exec_ok(db, "BEGIN", err, errlen) &&
              create_table(db, table, name, err, errlen) &&
              timed_copy(db, events, id_prefix, partitions, name, out, err, errlen);
    if (table == BENCH_COPY_REGULAR) {
        char drop[128];
        char ignored[256];
        snprintf(drop, sizeof drop, "DROP TABLE IF EXISTS %s", name);
        if (!ok)
            exec_ok(db, "ROLLBACK", ignored, sizeof ignored);
        exec_ok(db, drop, ignored, sizeof ignored);
    }
    PQfinish(db);
    return ok;
}
