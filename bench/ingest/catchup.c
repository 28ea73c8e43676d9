/* catchup.c - wait until the plugins have processed the event log (see catchup.h). */
#include "catchup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

/* One row per plugin and partition in plugin_progress (core/sql/001_core.sql);
 * the newest position of a partition is an index probe on events. */
static const char *LAGGING_SQL =
    "SELECT count(*) FROM plugin_progress p "
    "WHERE p.pos < coalesce((SELECT max(e.pos) FROM events e WHERE e.partition = p.partition), 0)";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool count_lagging(PGconn *db, size_t *out, char *err, size_t errlen)
{
    PGresult *res = PQexec(db, LAGGING_SQL);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    if (ok)
        *out = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    else
        snprintf(err, errlen, "plugin progress query failed: %s", PQerrorMessage(db));
    PQclear(res);
    return ok;
}

bool bench_wait_plugins(const char *conninfo, double timeout_s, int poll_ms, size_t *lagging_out,
                        char *err, size_t errlen)
{
    PGconn *db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to %s: %s", conninfo, PQerrorMessage(db));
        PQfinish(db);
        return false;
    }
    double deadline = now_s() + timeout_s;
    struct timespec pause = {poll_ms / 1000, (long)(poll_ms % 1000) * 1000000L};
    bool ok;
    while ((ok = count_lagging(db, lagging_out, err, errlen)) && *lagging_out > 0 && now_s() < deadline)
        nanosleep(&pause, NULL);
    PQfinish(db);
    return ok;
}
