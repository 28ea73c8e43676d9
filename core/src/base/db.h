/*
 * db.h - small libpq helpers shared by the committer, the plugin workers and
 * the publisher: connecting with back-off, running statements whose failure
 * is an error with libpq's message, and text-array parameters.
 */
#ifndef RP_DB_H
#define RP_DB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

/* Connects and prepares the session (synchronous_commit = on, UTC,
 * application_name = rapportd/<role>). NULL with err on failure. */
PGconn *rp_db_connect(const char *conninfo, const char *role, char *err, size_t errlen);

/* Connects, retrying with exponential back-off between min and max ms until it
 * succeeds or *stop becomes true (then NULL). Logs each failure. */
PGconn *rp_db_connect_retry(const char *conninfo, const char *role,
                            int64_t backoff_min_ms, int64_t backoff_max_ms,
                            atomic_bool *stop);

/* Runs a statement without parameters; true if it succeeded. On failure err
 * gets the server's message. */
bool rp_db_run(PGconn *db, const char *sql, char *err, size_t errlen);

/* Runs a parameterised statement expecting PGRES_COMMAND_OK or TUPLES_OK;
 * returns the result (caller PQclear) or NULL with err. */
PGresult *rp_db_query(PGconn *db, const char *sql, int nparams, const char *const *params,
                      char *err, size_t errlen);

/* True if the connection is unusable and must be re-established. */
bool rp_db_broken(PGconn *db);

/* Sleeps ms milliseconds unless *stop turns true meanwhile (checked every 50 ms). */
void rp_sleep_ms(int64_t ms, atomic_bool *stop);

/* Current wall time in ms. */
int64_t rp_wall_ms(void);

#endif
