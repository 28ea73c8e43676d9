/*
 * migrate.c - applies the embedded SQL migrations (see migrate.h).
 *
 * rp_schema_migrations records each applied version. The advisory lock key is
 * arbitrary but fixed, so two rapportd processes starting at once apply each
 * migration exactly once.
 */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "log.h"

#define MIGRATION_LOCK_KEY "7450001"

static int current_version(PGconn *db, char *err, size_t errlen)
{
    PGresult *res = rp_db_query(db, "SELECT coalesce(max(version), 0) FROM rp_schema_migrations",
                                0, NULL, err, errlen);
    if (!res)
        return -1;
    int version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return version;
}

static bool apply_one(PGconn *db, const rp_core_migration *m, char *err, size_t errlen)
{
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[] = {version, m->name};
    if (!rp_db_run(db, "BEGIN", err, errlen))
        return false;
    if (!rp_db_run(db, m->sql, err, errlen)) {
        rp_db_run(db, "ROLLBACK", NULL, 0);
        return false;
    }
    PGresult *res = rp_db_query(db, "INSERT INTO rp_schema_migrations (version, name) VALUES ($1, $2)",
                                2, params, err, errlen);
    if (!res) {
        rp_db_run(db, "ROLLBACK", NULL, 0);
        return false;
    }
    PQclear(res);
    return rp_db_run(db, "COMMIT", err, errlen);
}

bool rp_migrate(PGconn *db, int *applied, char *err, size_t errlen)
{
    *applied = 0;
    if (!rp_db_run(db,
                   "CREATE TABLE IF NOT EXISTS rp_schema_migrations ("
                   " version integer PRIMARY KEY, name text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now())",
                   err, errlen))
        return false;
    if (!rp_db_run(db, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", err, errlen))
        return false;
    bool ok = true;
    int version = current_version(db, err, errlen);
    int newest = rp_migrations_count ? rp_migrations[rp_migrations_count - 1].version : 0;
    if (version < 0) {
        ok = false;
    } else if (version > newest) {
        snprintf(err, errlen,
                 "database schema version %d is newer than this rapportd knows (%d); "
                 "upgrade rapportd before starting it on this database", version, newest);
        ok = false;
    }
    for (size_t i = 0; ok && i < rp_migrations_count; i++) {
        if (rp_migrations[i].version <= version)
            continue;
        ok = apply_one(db, &rp_migrations[i], err, errlen);
        if (ok) {
            (*applied)++;
            rp_log(RP_INFO, "migrate", "applied migration", "version=%d name=%s",
                   rp_migrations[i].version, rp_migrations[i].name);
        }
    }
    rp_db_run(db, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")", NULL, 0);
    return ok;
}
