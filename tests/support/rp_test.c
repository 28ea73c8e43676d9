/*
 * rp_test.c - the test harness (see rp_test.h): real PostgreSQL databases,
 * a real rapportd child process on free loopback ports, real ZeroMQ clients.
 */
#include "rp_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "mpjson.h"

static void kill_leftover_daemons(void);

void rp_test_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "TEST FAILURE: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fflush(stderr);
    exit(1);
}

const char *rp_test_pg_base(void)
{
    const char *base = getenv("RAPPORT_TEST_DATABASE");
    if (!base || !*base)
        rp_test_fail("this test needs PostgreSQL: set RAPPORT_TEST_DATABASE to a libpq conninfo of a "
                     "server where tests may create databases, e.g. run `scripts/pg.sh start` and export "
                     "RAPPORT_TEST_DATABASE=\"$(scripts/pg.sh url)\", or run the whole suite with scripts/test.sh");
    return base;
}

PGconn *rp_test_connect(const char *conninfo)
{
    PGconn *db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK)
        rp_test_fail("cannot connect to %s: %s", conninfo, PQerrorMessage(db));
    return db;
}

int64_t rp_test_sql_intf(PGconn *db, const char *fmt, ...)
{
    char sql[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof sql)
        rp_test_fail("SQL longer than %zu bytes: %.80s...", sizeof sql - 1, sql);
    return rp_test_sql_int(db, sql);
}

char *rp_test_sql(PGconn *db, const char *sql)
{
    PGresult *res = PQexec(db, sql);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        rp_test_fail("SQL failed: %s\n  %s", sql, PQerrorMessage(db));
    char *out;
    if (status != PGRES_TUPLES_OK || PQntuples(res) == 0)
        out = strdup("");
    else if (PQgetisnull(res, 0, 0))
        out = NULL;
    else
        out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return out;
}

int64_t rp_test_sql_int(PGconn *db, const char *sql)
{
    char *text = rp_test_sql(db, sql);
    int64_t v = text ? strtoll(text, NULL, 10) : 0;
    free(text);
    return v;
}

char *rp_test_create_db(const char *name)
{
    kill_leftover_daemons();     /* a new test begins: earlier daemons are orphans */
    PGconn *db = rp_test_connect(rp_test_pg_base());
    char sql[512];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
    free(rp_test_sql(db, sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
    free(rp_test_sql(db, sql));
    PQfinish(db);
    size_t len = strlen(rp_test_pg_base()) + strlen(name) + 32;
    char *conninfo = malloc(len);
    snprintf(conninfo, len, "%s dbname=%s", rp_test_pg_base(), name);
    return conninfo;
}

const char *rp_test_rapportd_path(void) { return RP_TEST_RAPPORTD; }
const char *rp_test_rapportctl_path(void) { return RP_TEST_RAPPORTCTL; }
const char *rp_test_plugin_dir(void) { return RP_TEST_PLUGIN_DIR; }

char *rp_test_command(const char *command, int *exit_code)
{
    FILE *p = popen(command, "r");
    if (!p)
        rp_test_fail("cannot run %s: %s", command, strerror(errno));
    size_t cap = 1 << 16, len = 0, got;
    char *out = malloc(cap);
    while (out && (got = fread(out + len, 1, cap - 1 - len, p)) > 0) {
        len += got;
        if (len + 1 == cap)
            out = realloc(out, cap *= 2);
    }
    if (!out)
        rp_test_fail("out of memory reading the output of %s", command);
    out[len] = '\0';
    int status = pclose(p);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

char *rp_test_rapportctl(const char *conninfo, const char *args, int *exit_code)
{
    size_t size = strlen(rp_test_rapportctl_path()) + strlen(args) + strlen(conninfo) + 64;
    char *command = malloc(size);
    if (!command)
        rp_test_fail("out of memory");
    snprintf(command, size, "'%s' %s '--database=%s' 2>&1", rp_test_rapportctl_path(), args, conninfo);
    char *out = rp_test_command(command, exit_code);
    free(command);
    return out;
}

void rp_test_expect_refusal(const char *const *args, const char *const *facts)
{
    char command[16384];
    size_t used = (size_t)snprintf(command, sizeof command, "timeout 60 '%s' '--plugin_dir=%s' --http=",
                                   rp_test_rapportd_path(), rp_test_plugin_dir());
    for (const char *const *a = args; *a && used < sizeof command; a++)
        used += (size_t)snprintf(command + used, sizeof command - used, " '%s'", *a);
    if (used + 8 >= sizeof command)
        rp_test_fail("rp_test_expect_refusal: arguments too long");
    snprintf(command + used, sizeof command - used, " 2>&1");
    int rc;
    char *out = rp_test_command(command, &rc);
    if (rc == 0 || rc == 124)
        rp_test_fail("%s: expected rapportd to refuse to start, got exit %d:\n%s", command, rc, out);
    for (const char *const *f = facts; *f; f++)
        if (!strstr(out, *f))
            rp_test_fail("%s: the refusal does not name \"%s\":\n%s", command, *f, out);
    free(out);
}

/* A free TCP port on 127.0.0.1 (bound then released; good enough for tests). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        rp_test_fail("cannot find a free port: %s", strerror(errno));
    close(fd);
    return ntohs(addr.sin_port);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* GET /health; true on 200. */
static bool health_ok(const char *http)
{
    char host[64];
    int port;
    if (sscanf(http, "%63[^:]:%d", host, &port) != 2)
        return false;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    bool ok = false;
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
        const char *req = "GET /health HTTP/1.0\r\n\r\n";
        char buf[256] = {0};
        if (write(fd, req, strlen(req)) > 0 && read(fd, buf, sizeof buf - 1) > 0)
            ok = strstr(buf, " 200 ") != NULL;
    }
    if (fd >= 0)
        close(fd);
    return ok;
}

static void dump_log(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[2048];
    fprintf(stderr, "---- rapportd log (%s) ----\n", path);
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

/* Daemons still running. A test that fails jumps out before stopping its
 * daemon; such leftovers are killed when the next test creates its database
 * and at exit, so they never serve another test's database. */
#define MAX_LIVE_DAEMONS 16
static pid_t live_daemons[MAX_LIVE_DAEMONS];

static void kill_leftover_daemons(void)
{
    for (int i = 0; i < MAX_LIVE_DAEMONS; i++)
        if (live_daemons[i] > 0) {
            kill(live_daemons[i], SIGKILL);
            waitpid(live_daemons[i], NULL, 0);
            live_daemons[i] = 0;
        }
}

static void track_daemon(pid_t pid, bool alive)
{
    static bool registered;
    if (!registered) {
        atexit(kill_leftover_daemons);
        registered = true;
    }
    for (int i = 0; i < MAX_LIVE_DAEMONS; i++)
        if (alive ? live_daemons[i] == 0 : live_daemons[i] == pid) {
            live_daemons[i] = alive ? pid : 0;
            return;
        }
}

/* Whether the daemon's log says a port was taken. */
static bool log_says_port_taken(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[1024];
    bool taken = false;
    while (!taken && fgets(line, sizeof line, f))
        taken = strstr(line, "Address already in use") != NULL;
    fclose(f);
    return taken;
}

static void pick_ports(rp_test_daemon *d)
{
    snprintf(d->ingress, sizeof d->ingress, "tcp://127.0.0.1:%d", free_port());
    snprintf(d->publish, sizeof d->publish, "tcp://127.0.0.1:%d", free_port());
    snprintf(d->replay, sizeof d->replay, "tcp://127.0.0.1:%d", free_port());
    snprintf(d->http, sizeof d->http, "127.0.0.1:%d", free_port());
}

static pid_t spawn(const rp_test_daemon *d, const char *const *extra_args)
{
    char *args[64];
    char flags[6][4200];
    int n = 0;
    args[n++] = (char *)rp_test_rapportd_path();
    snprintf(flags[0], sizeof flags[0], "--database=%s", d->conninfo);
    snprintf(flags[1], sizeof flags[1], "--ingress=%s", d->ingress);
    snprintf(flags[2], sizeof flags[2], "--publish=%s", d->publish);
    snprintf(flags[3], sizeof flags[3], "--replay=%s", d->replay);
    snprintf(flags[4], sizeof flags[4], "--http=%s", d->http);
    snprintf(flags[5], sizeof flags[5], "--plugin_dir=%s", rp_test_plugin_dir());
    for (int i = 0; i < 6; i++)
        args[n++] = flags[i];
    for (const char *const *a = extra_args; a && *a && n < 62; a++)
        args[n++] = (char *)*a;
    args[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        FILE *log = freopen(d->log_path, "w", stderr);
        (void)log;
        execv(args[0], args);
        fprintf(stderr, "exec %s failed: %s\n", args[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* true once healthy; false when it exited (*status set); fails the test
 * when it neither became healthy nor exited within 30 s. */
static bool wait_healthy(rp_test_daemon *d, int *status)
{
    for (int waited = 0; waited < 30000; waited += 50) {
        if (health_ok(d->http))
            return true;
        if (waitpid(d->pid, status, WNOHANG) == d->pid)
            return false;
        sleep_ms(50);
    }
    dump_log(d->log_path);
    rp_test_fail("rapportd did not become healthy within 30 s");
}

rp_test_daemon *rp_test_daemon_start(const char *conninfo, const char *const *extra_args)
{
    rp_test_daemon *d = calloc(1, sizeof *d);
    d->conninfo = strdup(conninfo);
    snprintf(d->log_path, sizeof d->log_path, "/tmp/rapportd-test-%d-%ld.log", getpid(), (long)time(NULL));
    /* A port found free can be taken before rapportd binds it (tests run in
     * parallel, and every TCP client takes ephemeral ports): start again on
     * other ports when that is why it exited. */
    for (int attempt = 1;; attempt++) {
        pick_ports(d);
        d->pid = spawn(d, extra_args);
        track_daemon(d->pid, true);
        int status = 0;
        if (wait_healthy(d, &status))
            return d;
        track_daemon(d->pid, false);
        if (attempt < 5 && log_says_port_taken(d->log_path))
            continue;
        dump_log(d->log_path);
        rp_test_fail("rapportd exited during start-up (status %d)", status);
    }
}

int rp_test_daemon_stop(rp_test_daemon *d, int sig)
{
    track_daemon(d->pid, false);
    kill(d->pid, sig);
    int status = 0;
    for (int waited = 0; waited < 60000; waited += 20) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid)
            break;
        sleep_ms(20);
        if (waited + 20 >= 60000) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, &status, 0);
            dump_log(d->log_path);
            rp_test_fail("rapportd did not stop within 60 s of signal %d", sig);
        }
    }
    if (getenv("RP_TEST_SHOW_LOG"))
        dump_log(d->log_path);
    else
        unlink(d->log_path);
    free(d->conninfo);
    free(d);
    return status;
}

static char *request_json(const char *endpoint, int type, const void *frame, size_t len, int timeout_ms)
{
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, type);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_connect(sock, endpoint);
    char *out = NULL;
    if (zmq_send(sock, frame, len, 0) >= 0) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, 0) >= 0) {
            char err[256];
            json_t *json = rp_msgpack_to_json(zmq_msg_data(&msg), zmq_msg_size(&msg), err, sizeof err);
            out = json ? json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS) : strdup(err);
            json_decref(json);
        }
        zmq_msg_close(&msg);
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return out;
}

char *rp_test_publish_json(const rp_test_daemon *d, const char *json_text)
{
    json_error_t jerr;
    json_t *json = json_loads(json_text, JSON_DECODE_INT_AS_REAL * 0, &jerr);
    if (!json)
        rp_test_fail("bad JSON in test: %s: %s", jerr.text, json_text);
    size_t len = 0;
    uint8_t *frame = rp_json_to_msgpack(json, &len);
    json_decref(json);
    char *reply = request_json(d->ingress, ZMQ_REQ, frame, len, 10000);
    free(frame);
    return reply;
}

void rp_test_publish_contacts(const rp_test_daemon *d, int first, int last)
{
    for (int start = first; start <= last; start += 100) {
        size_t cap = 200 * 100 + 16, len = 0;
        char *json = malloc(cap);
        if (!json)
            rp_test_fail("out of memory");
        len += (size_t)snprintf(json + len, cap - len, "[");
        for (int i = start; i <= last && i < start + 100; i++)
            len += (size_t)snprintf(json + len, cap - len,
                "%s{\"id\":\"e%05d\",\"type\":\"contact\",\"ts\":%lld,\"customer\":\"c%02d\","
                "\"data\":{\"channel\":\"phone\"%s}}", i == start ? "" : ",", i,
                1700000000000LL + (long long)i * 60000, i % 40, i % 7 == 0 ? ",\"timer_in_ms\":3600000" : "");
        snprintf(json + len, cap - len, "]");
        char *reply = rp_test_publish_json(d, json);
        if (!reply || strstr(reply, "rejected") || strstr(reply, "retry"))
            rp_test_fail("batch from %d not accepted: %s", start, reply ? reply : "(timeout)");
        free(reply);
        free(json);
    }
}

char *rp_test_replay_json(const rp_test_daemon *d, uint64_t from, unsigned limit)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "from", 4);
    msgpack_pack_uint64(&pk, from);
    msgpack_pack_str(&pk, 5);
    msgpack_pack_str_body(&pk, "limit", 5);
    msgpack_pack_unsigned_int(&pk, limit);
    char *reply = request_json(d->replay, ZMQ_REQ, sbuf.data, sbuf.size, 10000);
    msgpack_sbuffer_destroy(&sbuf);
    return reply;
}

void rp_test_wait_sql_int(PGconn *db, const char *sql, int64_t want, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 25) {
        if (rp_test_sql_int(db, sql) == want)
            return;
        sleep_ms(25);
    }
    rp_test_fail("timed out after %d ms waiting for %s = %lld", timeout_ms, sql, (long long)want);
}

void rp_test_wait_idle(PGconn *db, int timeout_ms)
{
    /* Idle: no plugin has an unprocessed event. Timers are the plugins'
     * business; tests that need them wait on their effects. */
    const char *sql =
        "SELECT count(*) FROM plugin_progress p WHERE EXISTS "
        "(SELECT 1 FROM events e WHERE e.partition = p.partition AND e.pos > p.pos)";
    for (int waited = 0; waited <= timeout_ms; waited += 25) {
        if (rp_test_sql_int(db, sql) == 0)
            return;
        sleep_ms(25);
    }
    rp_test_fail("plugins did not catch up within %d ms", timeout_ms);
}

char *rp_test_metrics(const rp_test_daemon *d)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "curl -sf http://%s/metrics", d->http);
    int rc;
    char *out = rp_test_command(cmd, &rc);
    if (rc != 0)
        rp_test_fail("GET http://%s/metrics failed (curl exit %d)", d->http, rc);
    return out;
}

double rp_test_metric_sum(const char *text, const char *prefix)
{
    double sum = 0;
    size_t plen = strlen(prefix);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, prefix, plen) != 0)
            continue;
        const char *value = strchr(line, '}');
        if (value)
            sum += strtod(value + 1, NULL);
    }
    return sum;
}
