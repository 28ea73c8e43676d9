/*
 * http.h - the embedded HTTP server (libmicrohttpd) on "host:port":
 *
 *   GET /metrics        Prometheus text (metrics.h)
 *   GET /health/live    200 "ok" while the process serves, else 503 "not live: why"
 *   GET /health/ready   200 "ok" while it can do its work, else 503 "not ready: why"
 *   GET /health         readiness, as before ("unhealthy: why" on 503)
 *
 * A probe must be answered while other clients misbehave, so the server has
 * a pool of threads polling many connections each (one slow or silent client
 * holds no thread), a connection limit well above what probes and scrapers
 * need, an optional per-address limit, and a short idle timeout that drops
 * half-open and slow connections (rp_http_limits).
 */
#ifndef RP_HTTP_H
#define RP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rp_probe {
    RP_PROBE_LIVE = 0,
    RP_PROBE_READY
} rp_probe;

/* true = healthy for this probe; otherwise reason says why. */
typedef bool (*rp_health_fn)(void *user, rp_probe probe, char *reason, size_t reason_len);

typedef struct rp_http_limits {
    unsigned threads;           /* polling threads; 0 = RP_HTTP_DEFAULT_THREADS */
    unsigned max_connections;   /* in total; 0 = RP_HTTP_DEFAULT_MAX_CONNECTIONS */
    unsigned max_per_ip;        /* per client address; 0 = no limit */
    unsigned timeout_s;         /* idle connection dropped after; 0 = RP_HTTP_DEFAULT_TIMEOUT_S */
} rp_http_limits;

#define RP_HTTP_DEFAULT_THREADS 2
#define RP_HTTP_DEFAULT_MAX_CONNECTIONS 256
#define RP_HTTP_DEFAULT_TIMEOUT_S 3

typedef struct rp_http rp_http;

/* limits NULL = the defaults; health NULL = always healthy. */
rp_http *rp_http_start(const char *listen, const rp_http_limits *limits, rp_health_fn health, void *user,
                       char *err, size_t errlen);
void rp_http_stop(rp_http **http);

#endif
