/* test_metrics.c - the Prometheus exposition, and /metrics and /health over
 * a real HTTP connection to the embedded server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "metrics.h"

static char *exposition(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    rp_metrics_write(out);
    fclose(out);
    return text;
}

static void counters_and_histograms(void **state)
{
    rp_metrics_event(RP_OUTCOME_ACCEPTED, NULL);
    rp_metrics_event(RP_OUTCOME_ACCEPTED, NULL);
    rp_metrics_event(RP_OUTCOME_REJECTED, "bad_data");
    rp_metrics_event(RP_OUTCOME_REJECTED, "say \"no\"");
    rp_metrics_batch(7, 0.004);
    rp_metrics_batch(2000, 0.2);
    rp_metrics_dead_letter("scoring");
    rp_metrics_derived(3);
    rp_metrics_db_up(true);
    char *text = exposition();
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"accepted\",reason=\"none\"} 2\n"));
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"rejected\",reason=\"bad_data\"} 1\n"));
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"rejected\",reason=\"say \\\"no\\\"\"} 1\n"));
    assert_non_null(strstr(text, "rapport_batch_events_bucket{le=\"1\"} 0\n"
                                 "rapport_batch_events_bucket{le=\"10\"} 1\n"
                                 "rapport_batch_events_bucket{le=\"100\"} 1\n"
                                 "rapport_batch_events_bucket{le=\"1000\"} 1\n"
                                 "rapport_batch_events_bucket{le=\"5000\"} 2\n"
                                 "rapport_batch_events_bucket{le=\"+Inf\"} 2\n"
                                 "rapport_batch_events_sum 2007.000000\n"
                                 "rapport_batch_events_count 2\n"));
    assert_non_null(strstr(text, "rapport_commit_seconds_bucket{le=\"0.005\"} 1\n"));
    assert_non_null(strstr(text, "rapport_dead_letters_total{plugin=\"scoring\"} 1\n"));
    assert_non_null(strstr(text, "rapport_derived_events_total 3\n"));
    assert_non_null(strstr(text, "rapport_db_up 1\n"));
    assert_non_null(strstr(text, "# TYPE rapport_events_total counter\n"));
    free(text);
}

static void reasons_beyond_64_count_as_other(void **state)
{
    char reason[32];
    for (int i = 0; i < 70; i++) {
        snprintf(reason, sizeof reason, "r%d", i);
        rp_metrics_event(RP_OUTCOME_RETRY, reason);
    }
    char *text = exposition();
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"retry\",reason=\"r63\"} 1\n"));
    assert_null(strstr(text, "reason=\"r64\""));
    assert_non_null(strstr(text, "rapport_events_total{outcome=\"retry\",reason=\"other\"} 6\n"));
    free(text);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    close(fd);
    return ntohs(addr.sin_port);
}

static char *http_get(int port, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    char request[256];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
    assert_int_equal(write(fd, request, (size_t)n), n);
    static char response[65536];
    size_t got = 0;
    ssize_t r;
    while ((r = read(fd, response + got, sizeof response - 1 - got)) > 0)
        got += (size_t)r;
    response[got] = '\0';
    close(fd);
    return response;
}

static bool healthy;

static bool health(void *user, char *reason, size_t len)
{
    if (!healthy)
        snprintf(reason, len, "database down");
    return healthy;
}

static void http_endpoints(void **state)
{
    int port = free_port();
    char listen[32], err[128];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    rp_http *http = rp_http_start(listen, health, NULL, err, sizeof err);
    assert_non_null(http);
    healthy = true;
    char *r = http_get(port, "/health");
    assert_non_null(strstr(r, "HTTP/1.0 200") ? r : strstr(r, "HTTP/1.1 200"));
    assert_non_null(strstr(r, "\r\n\r\nok\n"));
    healthy = false;
    r = http_get(port, "/health");
    assert_non_null(strstr(r, " 503 "));
    assert_non_null(strstr(r, "unhealthy: database down"));
    r = http_get(port, "/metrics");
    assert_non_null(strstr(r, " 200 "));
    assert_non_null(strstr(r, "text/plain; version=0.0.4"));
    assert_non_null(strstr(r, "rapport_db_up"));
    r = http_get(port, "/nothing");
    assert_non_null(strstr(r, " 404 "));
    rp_http_stop(&http);
    assert_null(http);
    assert_null(rp_http_start("localhost", health, NULL, err, sizeof err));
    assert_string_equal(err, "http: \"localhost\" is not IPv4-ADDRESS:PORT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counters_and_histograms),
        cmocka_unit_test(reasons_beyond_64_count_as_other),
        cmocka_unit_test(http_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
