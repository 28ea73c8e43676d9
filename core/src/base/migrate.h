/*
 * migrate.h - versioned schema migrations (core/sql/NNN_name.sql, embedded at
 * build time) applied at start and by `rapportd migrate`.
 */
#ifndef RP_MIGRATE_H
#define RP_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

typedef struct rp_core_migration {
    int version;
    const char *name;
    const char *sql;
} rp_core_migration;

extern const rp_core_migration rp_migrations[];
extern const size_t rp_migrations_count;

/* Applies every migration newer than the database's version, each in its
 * own transaction, under an advisory lock so concurrent starters don't race.
 * Refuses (false, err) a database whose version is newer than this binary. */
bool rp_migrate(PGconn *db, int *applied, char *err, size_t errlen);

#endif
