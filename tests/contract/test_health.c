/*
 * test_health.c - /health/live and /health/ready of a real rapportd
 * (core/src/health.h, http.h): answered while clients hold many idle and
 * slow connections, not ready while the database refuses connections or a
 * plugin is stuck and lagging, ready again once the cause is gone.
 *
 * Waits are bounded generously (10 s for an answer, 60 s for a state
 * change) and never assert how fast anything is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rp_test.h"

#define ANSWER_TIMEOUT_S 10
#define CHANGE_TIMEOUT_MS 60000
#define IDLE_CONNECTIONS 40
#define SLOW_CONNECTIONS 40
#define COUNTER "--plugins=" CONTRACT_PLUGIN_DIR "/counter.so"

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A TCP connection to the daemon's HTTP port with send and receive timeouts;
 * -1 when it cannot connect. */
static int connect_http(const rp_test_daemon *d, int timeout_s)
{
    char host[64];
    int port;
    if (sscanf(d->http, "%63[^:]:%d", host, &port) != 2)
        rp_test_fail("bad http address %s", d->http);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    struct timeval tv = {.tv_sec = timeout_s};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* GET path; the status (0 when no answer came within the timeout) and the
 * body in body (cut to size). */
static int http_get(const rp_test_daemon *d, const char *path, char *body, size_t size)
{
    body[0] = '\0';
    int fd = connect_http(d, ANSWER_TIMEOUT_S);
    if (fd < 0)
        return 0;
    char req[256], buf[4096];
    snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n\r\n", path);
    size_t len = 0;
    ssize_t n = write(fd, req, strlen(req)) == (ssize_t)strlen(req) ? 1 : -1;
    while (n > 0 && len + 1 < sizeof buf)
        if ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
            len += (size_t)n;
    close(fd);
    buf[len] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return 0;
    const char *blank = strstr(buf, "\r\n\r\n");
    snprintf(body, size, "%s", blank ? blank + 4 : "");
    return status;
}

/* Polls path until its status is want and its body contains needle (NULL =
 * any), or fails the test naming the last answer. */
static void wait_for(const rp_test_daemon *d, const char *path, int want, const char *needle)
{
    char body[1024] = "";
    int status = 0;
    for (int waited = 0; waited < CHANGE_TIMEOUT_MS; waited += 200) {
        status = http_get(d, path, body, sizeof body);
        if (status == want && (!needle || strstr(body, needle)))
            return;
        pause_ms(200);
    }
    rp_test_fail("%s: wanted %d with \"%s\", last got %d \"%s\"", path, want, needle ? needle : "", status, body);
}

static void assert_answer(const rp_test_daemon *d, const char *path, int want, const char *body_want)
{
    char body[1024];
    int status = http_get(d, path, body, sizeof body);
    if (status != want || (body_want && strcmp(body, body_want) != 0))
        rp_test_fail("%s: wanted %d \"%s\", got %d \"%s\"", path, want, body_want ? body_want : "", status, body);
}

/* ------------------------------------------------------------ busy server */

typedef struct slow_clients {
    int fds[SLOW_CONNECTIONS];
    atomic_bool stop;
} slow_clients;

/* A byte every 200 ms on each connection: the request never ends, and the
 * connection is never idle long enough to time out. */
static void *trickle(void *arg)
{
    slow_clients *s = arg;
    while (!atomic_load(&s->stop)) {
        for (int i = 0; i < SLOW_CONNECTIONS; i++)
            if (s->fds[i] >= 0 && send(s->fds[i], "X", 1, MSG_NOSIGNAL) < 0)
                s->fds[i] = -1;   /* closed by the server: nothing more to send */
        pause_ms(200);
    }
    return NULL;
}

static void probes_answer_while_clients_hold_connections(void **state)
{
    char *conninfo = rp_test_create_db("rp_health_busy");
    rp_test_daemon *d = rp_test_daemon_start(conninfo, (const char *const[]){COUNTER, NULL});
    int idle[IDLE_CONNECTIONS];
    for (int i = 0; i < IDLE_CONNECTIONS; i++)
        idle[i] = connect_http(d, 1);   /* connected, never a byte sent */
    slow_clients slow = {0};
    for (int i = 0; i < SLOW_CONNECTIONS; i++) {
        slow.fds[i] = connect_http(d, 1);
        if (slow.fds[i] >= 0)
            send(slow.fds[i], "GET /health HTTP/1.1\r\nX-Slow: ", 30, MSG_NOSIGNAL);
    }
    pthread_t thread;
    pthread_create(&thread, NULL, trickle, &slow);
    pause_ms(500);   /* every connection has reached the server */

    assert_answer(d, "/health/ready", 200, "ok\n");
    assert_answer(d, "/health/live", 200, "ok\n");
    assert_answer(d, "/health", 200, "ok\n");
    char *metrics = rp_test_metrics(d);
    assert_non_null(strstr(metrics, "rapport_db_up 1"));
    free(metrics);

    atomic_store(&slow.stop, true);
    pthread_join(thread, NULL);
    for (int i = 0; i < IDLE_CONNECTIONS; i++)
        if (idle[i] >= 0)
            close(idle[i]);
    for (int i = 0; i < SLOW_CONNECTIONS; i++)
        if (slow.fds[i] >= 0)
            close(slow.fds[i]);
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

/* ------------------------------------------------------------ database */

static void set_connections(PGconn *admin, const char *dbname, bool allowed)
{
    char sql[256];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s WITH ALLOW_CONNECTIONS %s", dbname, allowed ? "true" : "false");
    free(rp_test_sql(admin, sql));
    if (allowed)
        return;
    snprintf(sql, sizeof sql, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '%s'",
             dbname);
    free(rp_test_sql(admin, sql));
}

static void not_ready_while_the_database_refuses(void **state)
{
    char *conninfo = rp_test_create_db("rp_health_db");
    rp_test_daemon *d = rp_test_daemon_start(conninfo, (const char *const[]){COUNTER, "--db_backoff_max_ms=500", NULL});
    assert_answer(d, "/health/ready", 200, "ok\n");
    PGconn *admin = rp_test_connect(rp_test_pg_base());

    set_connections(admin, "rp_health_db", false);
    wait_for(d, "/health/ready", 503, "not ready: database un");   /* unavailable or unreachable */
    wait_for(d, "/health", 503, "unhealthy: database un");
    assert_answer(d, "/health/live", 200, "ok\n");   /* restarting would not help */

    set_connections(admin, "rp_health_db", true);
    wait_for(d, "/health/ready", 200, "ok\n");
    rp_test_publish_contacts(d, 1, 10);   /* and it works again */

    PQfinish(admin);
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

/* ------------------------------------------------------------ workers */

/* The test holds the counter plugin's progress rows locked: its worker
 * blocks inside a round (stuck) while events wait (lag). */
static void not_ready_while_a_worker_is_stuck(void **state)
{
    char *conninfo = rp_test_create_db("rp_health_stuck");
    rp_test_daemon *d = rp_test_daemon_start(conninfo, (const char *const[]){
        COUNTER, "--worker_stall_ms=1000", "--ready_max_lag_ms=1000", NULL});
    PGconn *db = rp_test_connect(conninfo);
    assert_answer(d, "/health/ready", 200, "ok\n");

    free(rp_test_sql(db, "BEGIN"));
    free(rp_test_sql(db, "SELECT count(*) FROM (SELECT 1 FROM plugin_progress WHERE plugin = 'counter' "
                         "FOR UPDATE) locked"));
    rp_test_publish_contacts(d, 1, 200);
    wait_for(d, "/health/ready", 503, "worker counter stuck");
    wait_for(d, "/health/ready", 503, "plugin counter lags");
    assert_answer(d, "/health/live", 200, "ok\n");

    free(rp_test_sql(db, "COMMIT"));
    wait_for(d, "/health/ready", 200, "ok\n");
    rp_test_wait_idle(db, CHANGE_TIMEOUT_MS);

    PQfinish(db);
    rp_test_daemon_stop(d, SIGTERM);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probes_answer_while_clients_hold_connections),
        cmocka_unit_test(not_ready_while_the_database_refuses),
        cmocka_unit_test(not_ready_while_a_worker_is_stuck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
