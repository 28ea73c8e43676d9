/*
 * copy_ref.h - the physical reference for the ingest figure: the same events,
 * as rows of a table with the columns and keys of `events`
 * (core/sql/001_core.sql), written with one COPY in one transaction. This is
 * about the fastest PostgreSQL can take those rows, so ingest / COPY says how
 * much of it the broker keeps.
 */
#ifndef BENCH_COPY_REF_H
#define BENCH_COPY_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events_load.h"

typedef enum bench_copy_table {
    BENCH_COPY_TEMP = 0,       /* TEMP table: no WAL, so an upper bound */
    BENCH_COPY_REGULAR         /* a logged table (dropped after), WAL and fsync'd commit like events */
} bench_copy_table;

typedef struct bench_copy_result {
    size_t rows;
    double seconds;            /* building the rows, COPY and COMMIT */
    char server_version[256];  /* SELECT version() */
} bench_copy_result;

/* Ids are id_prefix + the input id; partitions as the broker's (default 64). */
bool bench_copy_reference(const char *conninfo, const bench_events *events, const char *id_prefix,
                          uint32_t partitions, bench_copy_table table, bench_copy_result *out,
                          char *err, size_t errlen);

/* Only SELECT version(), for the report when no COPY is run. */
bool bench_pg_version(const char *conninfo, char *out, size_t outlen, char *err, size_t errlen);

#endif
