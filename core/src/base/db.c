/*
 * db.c - libpq helpers (see db.h). Every connection the broker opens goes
 * through rp_db_connect so that the session settings the guarantees depend on
 * (synchronous commit, UTC) are set in one place.
 */
#include "db.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "db_conninfo.h"
#include "ingest_yield.h"
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

/* True when the server closed its end of the socket. libpq notices that only
 * when it next reads, and not at all after a failed write (it keeps
 * CONNECTION_OK and answers "server closed the connection unexpectedly" to
 * every statement), so the socket itself is asked, without blocking. */
static bool peer_hung_up(PGconn *db)
{
    int fd = PQsocket(db);
    if (fd < 0)
        return true;
    struct pollfd pfd = {.fd = fd, .events = POLLRDHUP};
    if (poll(&pfd, 1, 0) <= 0)
        return false;
    return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

bool rp_db_broken(PGconn *db)
{
    /* Outside a flush no connection is in pipeline mode; one left there had
     * its pipeline cut short by a lost server (txn_effects.c). */
    return !db || PQstatus(db) != CONNECTION_OK || PQpipelineStatus(db) != PQ_PIPELINE_OFF ||
           peer_hung_up(db);
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
    /* With connect_timeout and keepalives added (db_conninfo.h), so no
     * thread waits minutes on a server that does not answer. */
    char *effective = rp_db_conninfo_effective(conninfo, err, errlen);
    if (!effective)
        return NULL;
    PGconn *db = PQconnectdb(effective);
    free(effective);
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
    rp_backoff bo;
    rp_backoff_init(&bo, backoff_min_ms, backoff_max_ms);
    while (!(stop && atomic_load(stop))) {
        char err[512];
        PGconn *db = rp_db_connect(conninfo, role, err, sizeof err);
        if (db) {
            if (bo.failures)
                rp_log(RP_INFO, role, "database reconnected", "attempts=%llu down_ms=%lld",
                       (unsigned long long)bo.failures + 1, (long long)(rp_monotonic_ms() - bo.down_since_ms));
            return db;
        }
        /* One line when the outage begins; the tries after it are quiet. */
        if (rp_backoff_failed(&bo, rp_monotonic_ms()))
            rp_log(RP_WARN, role, "database unavailable; retrying with back-off",
                   "backoff_min_ms=%lld backoff_max_ms=%lld error=\"%s\"", (long long)bo.min_ms,
                   (long long)bo.max_ms, err);
        rp_sleep_ms(bo.delay_ms, stop);
    }
    return NULL;
}
