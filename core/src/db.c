/*
 * db.c - libpq helpers (see db.h). Every connection the broker opens goes
 * through rp_db_connect so that the session settings the guarantees depend on
 * (synchronous commit, UTC) are set in one place.
 */
#include "db.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

int64_t rp_wall_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void rp_sleep_ms(int64_t ms, atomic_bool *stop)
{
    while (ms > 0 && !(stop && atomic_load(stop))) {
        int64_t step = ms < 50 ? ms : 50;
        struct timespec ts = {.tv_sec = step / 1000, .tv_nsec = (step % 1000) * 1000000};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static void copy_error(char *err, size_t errlen, const char *message)
{
    if (!err || !errlen)
        return;
    snprintf(err, errlen, "%s", message ? message : "unknown database error");
    /* libpq messages end with a newline; logs want one line. */
    for (char *p = err; *p; p++)
        if (*p == '\n')
            *p = (p[1] ? ' ' : '\0');
}

bool rp_db_run(PGconn *db, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(db, sql);
    ExecStatusType status = PQresultStatus(res);
    bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!ok)
        copy_error(err, errlen, PQerrorMessage(db));
    PQclear(res);
    return ok;
}

PGresult *rp_db_query(PGconn *db, const char *sql, int nparams, const char *const *params,
                      char *err, size_t errlen)
{
    PGresult *res = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        return res;
    copy_error(err, errlen, PQerrorMessage(db));
    PQclear(res);
    return NULL;
}

bool rp_db_broken(PGconn *db)
{
    return !db || PQstatus(db) != CONNECTION_OK;
}

/* Server notices ("relation already exists, skipping") go to the debug log
 * instead of libpq's default of raw lines on stderr. */
static void log_notice(void *role, const char *message)
{
    char text[512];
    copy_error(text, sizeof text, message);
    rp_log(RP_DEBUG, (const char *)role, "server notice", "notice=\"%s\"", text);
}

PGconn *rp_db_connect(const char *conninfo, const char *role, char *err, size_t errlen)
{
    PGconn *db = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(db) != CONNECTION_OK) {
        copy_error(err, errlen, PQerrorMessage(db));
        PQfinish(db);
        return NULL;
    }
    PQsetNoticeProcessor(db, log_notice, (void *)role);
    char setup[256];
    /* synchronous_commit must be on: an "accepted" ack promises durability. */
    snprintf(setup, sizeof setup,
             "SET synchronous_commit = on; SET TIME ZONE 'UTC'; SET application_name = 'rapportd/%s'",
             role);
    if (!rp_db_run(db, setup, err, errlen)) {
        PQfinish(db);
        return NULL;
    }
    return db;
}

PGconn *rp_db_connect_retry(const char *conninfo, const char *role,
                            int64_t backoff_min_ms, int64_t backoff_max_ms,
                            atomic_bool *stop)
{
    int64_t delay = backoff_min_ms > 0 ? backoff_min_ms : 100;
    while (!(stop && atomic_load(stop))) {
        char err[512];
        PGconn *db = rp_db_connect(conninfo, role, err, sizeof err);
        if (db)
            return db;
        rp_log(RP_WARN, role, "database unavailable, retrying", "delay_ms=%lld error=\"%s\"",
               (long long)delay, err);
        rp_sleep_ms(delay, stop);
        delay *= 2;
        if (delay > backoff_max_ms)
            delay = backoff_max_ms;
    }
    return NULL;
}
