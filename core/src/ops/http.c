/*
 * http.c - the embedded HTTP server for /metrics and the health probes
 * (http.h), on libmicrohttpd's internal threads.
 */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

struct rp_http {
    struct MHD_Daemon *daemon;
    rp_health_fn health;
    void *user;
};

/* Takes ownership of body (malloc'ed). */
static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
                               char *body, size_t len)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response(conn, status, response);
    MHD_destroy_response(response);
    return rc;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
    char *body = strdup(text);
    return body ? respond(conn, status, "text/plain; charset=utf-8", body, strlen(body)) : MHD_NO;
}

static enum MHD_Result serve_metrics(struct MHD_Connection *conn)
{
    char *body = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&body, &len);
    if (!out)
        return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    rp_metrics_write(out);
    if (fclose(out) != 0) {
        free(body);
        return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    return respond(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

/* prefix names the verdict in the 503 body: "not ready: database unavailable". */
static enum MHD_Result serve_health(rp_http *http, struct MHD_Connection *conn, rp_probe probe,
                                    const char *prefix)
{
    char reason[512] = "";
    if (!http->health || http->health(http->user, probe, reason, sizeof reason))
        return respond_text(conn, MHD_HTTP_OK, "ok\n");
    reason[sizeof reason - 1] = '\0';
    char text[600];
    snprintf(text, sizeof text, "%s: %s\n", prefix, reason);
    return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, text);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    rp_http *http = cls;
    /* HEAD is GET without the body (MHD drops it), so scrapers may probe. */
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
    if (strcmp(url, "/metrics") == 0)
        return serve_metrics(conn);
    if (strcmp(url, "/health/live") == 0)
        return serve_health(http, conn, RP_PROBE_LIVE, "not live");
    if (strcmp(url, "/health/ready") == 0)
        return serve_health(http, conn, RP_PROBE_READY, "not ready");
    /* /health is readiness; its 503 body keeps its original wording. */
    if (strcmp(url, "/health") == 0)
        return serve_health(http, conn, RP_PROBE_READY, "unhealthy");
    return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found; try /metrics, /health/live or /health/ready\n");
}

static bool parse_listen(const char *listen, struct sockaddr_in *addr)
{
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return false;
    char host[64];
    size_t host_len = (size_t)(colon - listen);
    if (host_len == 0 || host_len >= sizeof host)
        return false;
    memcpy(host, listen, host_len);
    host[host_len] = '\0';
    const char *digits = colon + 1;
    if (*digits < '0' || *digits > '9')
        return false;
    char *end;
    long port = strtol(digits, &end, 10);
    if (*end || port > 65535)
        return false;
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &addr->sin_addr) == 1;
}

static rp_http_limits effective_limits(const rp_http_limits *given)
{
    rp_http_limits l = given ? *given : (rp_http_limits){0};
    if (!l.threads)
        l.threads = RP_HTTP_DEFAULT_THREADS;
    if (!l.max_connections)
        l.max_connections = RP_HTTP_DEFAULT_MAX_CONNECTIONS;
    if (!l.timeout_s)
        l.timeout_s = RP_HTTP_DEFAULT_TIMEOUT_S;
    /* MHD shares the limit among the pool's threads: each needs one. */
    if (l.max_connections < l.threads)
        l.max_connections = l.threads;
    return l;
}

/* The internal threads poll (epoll on Linux) rather than take a thread per
 * connection, so clients that connect and say nothing cost a slot each until
 * the timeout, never a probe's turn. */
static struct MHD_Daemon *start_daemon(rp_http *http, struct sockaddr_in *addr, const rp_http_limits *l)
{
    /* The port argument only names the port in MHD's own error messages;
     * it binds to addr. */
    return MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, ntohs(addr->sin_port), NULL, NULL,
                            on_request, http, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)addr,
                            MHD_OPTION_THREAD_POOL_SIZE, l->threads,
                            MHD_OPTION_CONNECTION_LIMIT, l->max_connections,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, l->max_per_ip,
                            MHD_OPTION_CONNECTION_TIMEOUT, l->timeout_s, MHD_OPTION_END);
}

rp_http *rp_http_start(const char *listen, const rp_http_limits *limits, rp_health_fn health, void *user,
                       char *err, size_t errlen)
{
    struct sockaddr_in addr;
    if (!listen || !parse_listen(listen, &addr)) {
        snprintf(err, errlen, "http: \"%s\" is not IPv4-ADDRESS:PORT", listen ? listen : "");
        return NULL;
    }
    rp_http *http = calloc(1, sizeof *http);
    if (!http) {
        snprintf(err, errlen, "http: out of memory");
        return NULL;
    }
    http->health = health;
    http->user = user;
    rp_http_limits l = effective_limits(limits);
    http->daemon = start_daemon(http, &addr, &l);
    if (!http->daemon) {
        snprintf(err, errlen, "http: cannot listen on %s (port in use?)", listen);
        free(http);
        return NULL;
    }
    return http;
}

void rp_http_stop(rp_http **http)
{
    if (!http || !*http)
        return;
    MHD_stop_daemon((*http)->daemon);
    free(*http);
    *http = NULL;
}
