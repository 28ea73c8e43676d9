/* test_metrics.c - the exact Prometheus exposition, label interning and
 * escaping, counting from several threads, and /metrics and /health over a
 * real TCP connection to the embedded server (plain socket client).
 *
 * Metrics are process-wide and never reset, so the tests run in order and
 * each uses labels the earlier ones did not; the first sees a fresh state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <cmocka.h>

#include "http.h"
#include "metrics.h"

/* noinline: once inlined, gcc 12 -O2 takes the pointer open_memstream
 * fills for one into a local and warns (falsely) that it dangles. */
__attribute__((noinline)) static char *exposition(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    rp_metrics_write(out);
    assert_int_equal(fclose(out), 0);
    return text;
}

static size_t count_occurrences(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void write_lag(FILE *out, void *user)
{
    fprintf(out, "# HELP rapport_plugin_lag_events Events a plugin has yet to handle.\n"
                 "# TYPE rapport_plugin_lag_events gauge\n"
                 "rapport_plugin_lag_events{plugin=\"%s\",partition=\"0\"} 5\n", (const char *)user);
}

static const char FIRST_EXPOSITION[] =
    "# HELP rapport_events_total Ingress events by outcome and reason.\n"
    "# TYPE rapport_events_total counter\n"
    "rapport_events_total{outcome=\"accepted\",reason=\"none\"} 2\n"
    "rapport_events_total{outcome=\"duplicate\",reason=\"none\"} 1\n"
    "rapport_events_total{outcome=\"rejected\",reason=\"bad_data\"} 1\n"
    "rapport_events_total{outcome=\"rejected\",reason=\"say \\\"no\\\"\\\\\\n\"} 1\n"
    "rapport_events_total{outcome=\"retry\",reason=\"db_busy\"} 1\n"
    "# HELP rapport_batch_events Events per ingest transaction.\n"
    "# TYPE rapport_batch_events histogram\n"
    "rapport_batch_events_bucket{le=\"1\"} 1\n"
    "rapport_batch_events_bucket{le=\"10\"} 2\n"
    "rapport_batch_events_bucket{le=\"100\"} 2\n"
    "rapport_batch_events_bucket{le=\"1000\"} 2\n"
    "rapport_batch_events_bucket{le=\"5000\"} 3\n"
    "rapport_batch_events_bucket{le=\"+Inf\"} 4\n"
    "rapport_batch_events_sum 8008.000000\n"
    "rapport_batch_events_count 4\n"
    "# HELP rapport_commit_seconds Ingest transaction latency.\n"
    "# TYPE rapport_commit_seconds histogram\n"
    "rapport_commit_seconds_bucket{le=\"0.001\"} 1\n"
    "rapport_commit_seconds_bucket{le=\"0.005\"} 2\n"
    "rapport_commit_seconds_bucket{le=\"0.01\"} 2\n"
    "rapport_commit_seconds_bucket{le=\"0.05\"} 2\n"
    "rapport_commit_seconds_bucket{le=\"0.1\"} 2\n"
    "rapport_commit_seconds_bucket{le=\"0.5\"} 3\n"
    "rapport_commit_seconds_bucket{le=\"1\"} 3\n"
    "rapport_commit_seconds_bucket{le=\"+Inf\"} 4\n"
    "rapport_commit_seconds_sum 2.705000\n"
    "rapport_commit_seconds_count 4\n"
    "# HELP rapport_dead_letters_total Events or timers a plugin gave up on.\n"
    "# TYPE rapport_dead_letters_total counter\n"
    "rapport_dead_letters_total{plugin=\"scoring\"} 2\n"
    "# HELP rapport_plugin_yield_seconds_total Time plugin workers paused because ingest was busy.\n"
    "# TYPE rapport_plugin_yield_seconds_total counter\n"
    "rapport_plugin_yield_seconds_total{plugin=\"care\"} 1.250\n"
    "# HELP rapport_derived_events_total Derived events committed to the outbox.\n"
    "# TYPE rapport_derived_events_total counter\n"
    "rapport_derived_events_total 7\n"
    "# HELP rapport_db_up Whether the ingest connection to PostgreSQL is up.\n"
    "# TYPE rapport_db_up gauge\n"
    "rapport_db_up 1\n"
    "# HELP rapport_plugin_lag_events Events a plugin has yet to handle.\n"
    "# TYPE rapport_plugin_lag_events gauge\n"
    "rapport_plugin_lag_events{plugin=\"scoring\",partition=\"0\"} 5\n";

static void full_exposition(void **state)
{
    rp_metrics_event(RP_OUTCOME_ACCEPTED, NULL);
    rp_metrics_event(RP_OUTCOME_ACCEPTED, NULL);
    rp_metrics_event(RP_OUTCOME_DUPLICATE, NULL);
    rp_metrics_event(RP_OUTCOME_REJECTED, "bad_data");
    rp_metrics_event(RP_OUTCOME_REJECTED, "say \"no\"\\\n");   /* quote, backslash, newline */
    rp_metrics_event(RP_OUTCOME_RETRY, "db_busy");
    rp_metrics_event(RP_OUTCOME_COUNT, "ignored");              /* out of range: no effect */
    rp_metrics_batch(7, 0.004);
    rp_metrics_batch(1, 0.001);          /* bounds are inclusive (le) */
    rp_metrics_batch(2000, 0.2);
    rp_metrics_batch(6000, 2.5);         /* above every bound: +Inf only */
    rp_metrics_dead_letter("scoring");
    rp_metrics_dead_letter("scoring");
    rp_metrics_plugin_yield("care", 1240);
    rp_metrics_plugin_yield("care", 10);
    rp_metrics_plugin_yield("care", 0);      /* nothing paused: no change */
    rp_metrics_derived(3);
    rp_metrics_derived(4);
    rp_metrics_db_up(true);
    rp_metrics_set_extra(write_lag, "scoring");
    char *text = exposition();
    assert_string_equal(text, FIRST_EXPOSITION);
    free(text);

    rp_metrics_set_extra(NULL, NULL);
    rp_metrics_db_up(false);
    text = exposition();
    assert_non_null(strstr(text, "\nrapport_db_up 0\n"));
    assert_null(strstr(text, "rapport_plugin_lag_events"));
    free(text);
}

static void reasons_beyond_64_count_as_other(void **state)
{
    /* "rejected" already holds bad_data and the escaped one: 62 slots left. */
    char reason[32];
    for (int i = 0; i < 70; i++) {
        snprintf(reason, sizeof reason, "r%d", i);
        rp_metrics_event(RP_OUTCOME_REJECTED, reason);
    }
    rp_metrics_event(RP_OUTCOME_REJECTED, "r0");        /* interned: its own line */
    rp_metrics_event(RP_OUTCOME_REJECTED, "bad_data");
    rp_metrics_event(RP_OUTCOME_REJECTED, "r69");       /* overflowed: other */
    rp_metrics_event(RP_OUTCOME_REJECTED, "brand_new"); /* overflowed: other */
    char *text = exposition();
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"rejected\",reason=\"r0\"} 2\n"));
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"rejected\",reason=\"bad_data\"} 2\n"));
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"rejected\",reason=\"r61\"} 1\n"
                                 "rapport_events_total{outcome=\"rejected\",reason=\"other\"} 10\n"
                                 "rapport_events_total{outcome=\"retry\",reason=\"db_busy\"} 1\n"));
    assert_null(strstr(text, "reason=\"r62\""));
    assert_null(strstr(text, "reason=\"brand_new\""));
    assert_int_equal(count_occurrences(text, "{outcome=\"rejected\""), 65);
    /* Other outcomes keep their own 64. */
    rp_metrics_event(RP_OUTCOME_RETRY, "r62");
    free(text);
    text = exposition();
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"retry\",reason=\"r62\"} 1\n"));
    free(text);

    /* Dead letters overflow the same way (plugin names are config, but the
     * table is bounded all the same). */
    char plugin[32];
    for (int i = 0; i < 66; i++) {
        snprintf(plugin, sizeof plugin, "p%d", i);
        rp_metrics_dead_letter(plugin);
    }
    text = exposition();
    assert_non_null(strstr(text, "rapport_dead_letters_total{plugin=\"p62\"} 1\n"
                                 "rapport_dead_letters_total{plugin=\"other\"} 3\n"));
    free(text);
}

static void long_labels_are_cut(void **state)
{
    char reason[101];
    memset(reason, 'x', 100);
    reason[100] = '\0';
    rp_metrics_event(RP_OUTCOME_DUPLICATE, reason);
    reason[70] = '\0';                    /* same first 63 bytes: same label */
    rp_metrics_event(RP_OUTCOME_DUPLICATE, reason);
    char line[160];
    snprintf(line, sizeof line, "rapport_events_total{outcome=\"duplicate\",reason=\"%.63s\"} 2\n", reason);
    char *text = exposition();
    assert_non_null(strstr(text, line));
    free(text);
}

/* Four threads count the same fresh labels while a fifth scrapes. */
#define COUNTING_THREADS 4
#define EVENTS_PER_THREAD 20000

static void *count_events(void *arg)
{
    static const char *const reasons[] = {"t0", "t1", "t2", "t3"};
    for (int i = 0; i < EVENTS_PER_THREAD; i++) {
        rp_metrics_event(RP_OUTCOME_ACCEPTED, reasons[i % 4]);
        rp_metrics_derived(1);
    }
    return NULL;
}

static void *scrape_repeatedly(void *arg)
{
    for (int i = 0; i < 50; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (!out)
            return (void *)1;
        rp_metrics_write(out);
        fclose(out);
        free(text);
    }
    return NULL;
}

static void concurrent_counting(void **state)
{
    pthread_t threads[COUNTING_THREADS + 1];
    for (int i = 0; i < COUNTING_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, count_events, NULL), 0);
    assert_int_equal(pthread_create(&threads[COUNTING_THREADS], NULL, scrape_repeatedly, NULL), 0);
    for (int i = 0; i <= COUNTING_THREADS; i++) {
        void *failed;
        assert_int_equal(pthread_join(threads[i], &failed), 0);
        assert_null(failed);
    }
    char *text = exposition();
    for (int r = 0; r < 4; r++) {
        char line[96];
        snprintf(line, sizeof line, "rapport_events_total{outcome=\"accepted\",reason=\"t%d\"} %d\n", r,
                 COUNTING_THREADS * EVENTS_PER_THREAD / 4);
        assert_non_null(strstr(text, line));
        snprintf(line, sizeof line, "reason=\"t%d\"", r);
        assert_int_equal(count_occurrences(text, line), 1);
    }
    assert_non_null(strstr(text, "\nrapport_derived_events_total 80007\n"));
    free(text);
}

/* ------------------------------------------------------------ HTTP */

/* A port the kernel just handed out and released; racy in theory, so the
 * caller retries. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);
    return ntohs(addr.sin_port);
}

/* One HTTP/1.0 exchange; the server closes the connection after it. The
 * caller frees the response. */
static char *http_request(int port, const char *method, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval timeout = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    char request[256];
    int n = snprintf(request, sizeof request, "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n", method, path);
    assert_int_equal(write(fd, request, (size_t)n), n);
    size_t cap = 1 << 20, got = 0;
    char *response = malloc(cap);
    assert_non_null(response);
    ssize_t r;
    while (got < cap - 1 && (r = read(fd, response + got, cap - 1 - got)) > 0)
        got += (size_t)r;
    response[got] = '\0';
    close(fd);
    return response;
}

static const char *body_of(const char *response)
{
    const char *blank = strstr(response, "\r\n\r\n");
    assert_non_null(blank);
    return blank + 4;
}

static void assert_status(const char *response, int status)
{
    char want[32];
    snprintf(want, sizeof want, "HTTP/1.0 %d ", status);
    char want11[32];
    snprintf(want11, sizeof want11, "HTTP/1.1 %d ", status);
    if (strncmp(response, want, strlen(want)) != 0 && strncmp(response, want11, strlen(want11)) != 0)
        fail_msg("expected status %d, got: %.60s", status, response);
}

/* Ready follows the flag; live is always true, so the test tells the two
 * probes apart. */
static bool health_of_flag(void *user, rp_probe probe, char *reason, size_t len)
{
    const bool *healthy = user;
    if (probe == RP_PROBE_LIVE)
        return true;
    if (!*healthy)
        snprintf(reason, len, "database down");
    return *healthy;
}

static rp_http *start_on_free_port(bool *healthy, int *port)
{
    char listen_at[32], err[128];
    for (int attempt = 0; attempt < 5; attempt++) {
        *port = free_port();
        snprintf(listen_at, sizeof listen_at, "127.0.0.1:%d", *port);
        rp_http *http = rp_http_start(listen_at, NULL, health_of_flag, healthy, err, sizeof err);
        if (http)
            return http;
    }
    fail_msg("could not start: %s", err);
    return NULL;
}

static void http_health(void **state)
{
    bool healthy = true;
    int port;
    rp_http *http = start_on_free_port(&healthy, &port);

    char *r = http_request(port, "GET", "/health");
    assert_status(r, 200);
    assert_string_equal(body_of(r), "ok\n");
    free(r);

    healthy = false;
    r = http_request(port, "GET", "/health");
    assert_status(r, 503);
    assert_string_equal(body_of(r), "unhealthy: database down\n");
    free(r);
    r = http_request(port, "GET", "/health/ready");
    assert_status(r, 503);
    assert_string_equal(body_of(r), "not ready: database down\n");
    free(r);
    r = http_request(port, "GET", "/health/live");
    assert_status(r, 200);
    assert_string_equal(body_of(r), "ok\n");
    free(r);

    rp_http_stop(&http);
    assert_null(http);
    rp_http_stop(&http);   /* stopping twice is harmless */
}

static void http_metrics_and_errors(void **state)
{
    bool healthy = true;
    int port;
    rp_http *http = start_on_free_port(&healthy, &port);

    char *r = http_request(port, "GET", "/metrics");
    assert_status(r, 200);
    assert_non_null(strstr(r, "Content-Type: text/plain; version=0.0.4"));
    char *text = exposition();   /* nothing counts meanwhile: same text */
    assert_string_equal(body_of(r), text);
    free(text);
    free(r);

    r = http_request(port, "HEAD", "/metrics");
    assert_status(r, 200);
    assert_string_equal(body_of(r), "");
    free(r);

    r = http_request(port, "GET", "/nothing");
    assert_status(r, 404);
    free(r);
    r = http_request(port, "GET", "/metrics/extra");
    assert_status(r, 404);
    free(r);

    r = http_request(port, "POST", "/metrics");
    assert_status(r, 405);
    assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
    free(r);
    r = http_request(port, "DELETE", "/health");
    assert_status(r, 405);
    free(r);

    /* The port is taken now: a second server says so. */
    char listen_at[32], err[128];
    snprintf(listen_at, sizeof listen_at, "127.0.0.1:%d", port);
    assert_null(rp_http_start(listen_at, NULL, NULL, NULL, err, sizeof err));
    char want[96];
    snprintf(want, sizeof want, "http: cannot listen on 127.0.0.1:%d (port in use?)", port);
    assert_string_equal(err, want);
    rp_http_stop(&http);
}

static void http_without_health_fn_is_healthy(void **state)
{
    char err[128];
    rp_http *http = NULL;
    int port = 0;
    for (int attempt = 0; attempt < 5 && !http; attempt++) {
        char listen_at[32];
        port = free_port();
        snprintf(listen_at, sizeof listen_at, "127.0.0.1:%d", port);
        http = rp_http_start(listen_at, NULL, NULL, NULL, err, sizeof err);
    }
    assert_non_null(http);
    char *r = http_request(port, "GET", "/health");
    assert_status(r, 200);
    free(r);
    rp_http_stop(&http);

    /* Port 0: the kernel picks one (the caller cannot learn which yet). */
    http = rp_http_start("127.0.0.1:0", NULL, NULL, NULL, err, sizeof err);
    assert_non_null(http);
    rp_http_stop(&http);
}

static void bad_listen_addresses(void **state)
{
    const char *bad[] = {"localhost", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:-1",
                         "127.0.0.1:80x", "example.com:80", ":7453", "127.0.0.1: 80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[128], want[128];
        assert_null(rp_http_start(bad[i], NULL, NULL, NULL, err, sizeof err));
        snprintf(want, sizeof want, "http: \"%s\" is not IPv4-ADDRESS:PORT", bad[i]);
        assert_string_equal(err, want);
    }
    char err[128];
    assert_null(rp_http_start(NULL, NULL, NULL, NULL, err, sizeof err));
    assert_string_equal(err, "http: \"\" is not IPv4-ADDRESS:PORT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_exposition),   /* first: sees the fresh state */
        cmocka_unit_test(reasons_beyond_64_count_as_other),
        cmocka_unit_test(long_labels_are_cut),
        cmocka_unit_test(concurrent_counting),
        cmocka_unit_test(http_health),
        cmocka_unit_test(http_metrics_and_errors),
        cmocka_unit_test(http_without_health_fn_is_healthy),
        cmocka_unit_test(bad_listen_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
