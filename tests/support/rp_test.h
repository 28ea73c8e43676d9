/*
 * rp_test.h - the harness every test that needs the real things links:
 * a real PostgreSQL (from RAPPORT_TEST_DATABASE), a real rapportd process with
 * real plugin .so files, and real ZeroMQ sockets. Nothing here is a mock.
 *
 * RAPPORT_TEST_DATABASE is a libpq conninfo of a server where the tests may
 * create databases (scripts/pg.sh start prints one). A test that needs it and
 * finds it unset fails with a message saying how to get one.
 */
#ifndef RP_TEST_H
#define RP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

/* The base conninfo; exits the test with a clear message when unset. */
const char *rp_test_pg_base(void);

/* Drops and creates database `name` (unique per test!) and returns a malloc'd
 * conninfo for it. */
char *rp_test_create_db(const char *name);

/* Connects or fails the test with libpq's message. */
PGconn *rp_test_connect(const char *conninfo);

/* Runs SQL that must succeed; returns the first column of the first row as a
 * malloc'd string ("" when no rows, NULL for SQL NULL). */
char *rp_test_sql(PGconn *db, const char *sql);
int64_t rp_test_sql_int(PGconn *db, const char *sql);
/* rp_test_sql_int of a printf-formatted statement (at most 8 KiB). */
int64_t rp_test_sql_intf(PGconn *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Paths inside the build tree. */
const char *rp_test_rapportd_path(void);
const char *rp_test_rapportctl_path(void);

/* Runs a shell command line; returns everything it wrote to stdout
 * (malloc'd, NUL-terminated) and its exit code in *exit_code (-1 when it
 * did not exit normally). */
char *rp_test_command(const char *command, int *exit_code);

/* Runs `rapportctl ARGS --database='CONNINFO'` (ARGS as shell words, stderr
 * joined to stdout) through rp_test_command. */
char *rp_test_rapportctl(const char *conninfo, const char *args, int *exit_code);
const char *rp_test_plugin_dir(void);

/* Runs rapportd with --plugin_dir, --http= (off) and args (NULL-terminated:
 * --plugins=..., settings flags, --config=FILE) and requires it to refuse to
 * start: a non-zero exit within 60 s (a timeout counts as starting) with an
 * output (stdout and stderr) that names every fact (NULL-terminated), e.g.
 * the plugin, the tenant, the key and the value of a bad setting. Settings
 * are checked before the database is touched, so no --database is needed. */
void rp_test_expect_refusal(const char *const *args, const char *const *facts);

/* A rapportd child process on free loopback ports. */
typedef struct rp_test_daemon {
    int pid;
    char ingress[64];
    char publish[64];
    char replay[64];
    char http[64];          /* host:port */
    char *conninfo;
    char log_path[256];     /* the daemon's stderr */
} rp_test_daemon;

/* Starts rapportd with --database=conninfo, free ports, and the extra
 * arguments (NULL-terminated list, e.g. "--plugins=example", "--clock=event").
 * Waits until /health answers 200 or fails the test (printing the log). */
rp_test_daemon *rp_test_daemon_start(const char *conninfo, const char *const *extra_args);

/* Sends `signal` (SIGTERM, SIGKILL) and waits; returns the exit status as
 * waitpid encodes it. Frees the daemon. */
int rp_test_daemon_stop(rp_test_daemon *daemon, int signal);

/* Publishes one request frame built from JSON (one object or an array) over
 * a REQ socket and returns the reply decoded to JSON text (malloc'd), e.g.
 * [{"id":"e1","status":"accepted"}]. NULL on timeout (5 s). */
char *rp_test_publish_json(const rp_test_daemon *daemon, const char *json);

/* Publishes contact events e<first>..e<last> (ids zero-padded to 5 digits,
 * 40 customers c00..c39, one minute apart from 2023-11-14, every 7th with
 * data "timer_in_ms": 3600000 for the contract tests' counter plugin), 100
 * per batch; fails the test unless each comes back accepted or duplicate. */
void rp_test_publish_contacts(const rp_test_daemon *daemon, int first, int last);

/* Waits until every plugin's progress has reached the last accepted event,
 * or fails after timeout_ms. Due timers are not waited for (the test cannot
 * read the daemon's clock): tests that need them wait for their effects. */
void rp_test_wait_idle(PGconn *db, int timeout_ms);

/* Waits until the single integer `sql` returns equals want (timers are not
 * part of rp_test_wait_idle: tests wait for their effects), or fails after
 * timeout_ms naming the query. */
void rp_test_wait_sql_int(PGconn *db, const char *sql, int64_t want, int timeout_ms);

/* Reads derived events from the replay endpoint from seq `from`, returns them
 * as a JSON array text (malloc'd). */
char *rp_test_replay_json(const rp_test_daemon *daemon, uint64_t from, unsigned limit);

/* GET /metrics of the daemon (malloc'd text); fails the test when it does
 * not answer. */
char *rp_test_metrics(const rp_test_daemon *daemon);

/* Sum of the values of the sample lines of text that start with prefix
 * (e.g. "rapport_plugin_lag_events{plugin=\"counter\""); 0 when none. */
double rp_test_metric_sum(const char *text, const char *prefix);

/* Fails the current test with a message (works under cmocka and plain main). */
void rp_test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
