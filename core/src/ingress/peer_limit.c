/*
 * peer_limit.c - connection limit through a ZAP handler and socket monitors
 * (see peer_limit.h for the design).
 */
#include "peer_limit.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zmq.h>

#include "log.h"
#include "peer_stats.h"
#include "zmq_frames.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"   /* fixed by RFC 27 */
#define ZAP_DOMAIN   "rapport"
#define MAX_WATCHED  4

struct rp_peer_limit {
    void *ctx;
    void *zap;                          /* REP at ZAP_ENDPOINT */
    void *monitors[MAX_WATCHED];        /* PAIR, one per watched socket */
    size_t monitor_count;
    size_t max_connections;
    int64_t open;
    atomic_bool stop;
    pthread_t thread;
    bool started;
};

rp_peer_limit *rp_peer_limit_new(void *zmq_ctx, size_t max_connections)
{
    rp_peer_limit *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    pl->ctx = zmq_ctx;
    pl->max_connections = max_connections;
    pl->zap = zmq_socket(zmq_ctx, ZMQ_REP);
    int linger = 0;
    zmq_setsockopt(pl->zap, ZMQ_LINGER, &linger, sizeof linger);
    if (!pl->zap || zmq_bind(pl->zap, ZAP_ENDPOINT) != 0) {
        rp_log(RP_ERR, "peer_limit", "cannot bind the ZAP handler", "error=\"%s\"", zmq_strerror(errno));
        if (pl->zap)
            zmq_close(pl->zap);
        free(pl);
        return NULL;
    }
    return pl;
}

void rp_peer_limit_prepare(void *socket, const rp_limits *limits)
{
    /* Both are copied into the listener at bind: they must come first. */
    zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN));
    int hwm = (int)limits->reply_hwm;
    zmq_setsockopt(socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
}

bool rp_peer_limit_watch(rp_peer_limit *pl, void *socket)
{
    if (pl->monitor_count == MAX_WATCHED)
        return false;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://rapport-peer-monitor-%zu", pl->monitor_count);
    if (zmq_socket_monitor(socket, endpoint, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0)
        return false;
    void *pair = zmq_socket(pl->ctx, ZMQ_PAIR);
    int linger = 0;
    zmq_setsockopt(pair, ZMQ_LINGER, &linger, sizeof linger);
    if (!pair || zmq_connect(pair, endpoint) != 0) {
        if (pair)
            zmq_close(pair);
        return false;
    }
    pl->monitors[pl->monitor_count++] = pair;
    return true;
}

/* Applies the monitor events waiting on pair to the open count. */
static void drain_monitor(rp_peer_limit *pl, void *pair)
{
    while (true) {
        zmq_msg_t head, address;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, pair, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&head);
            return;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&head) >= sizeof event)
            memcpy(&event, zmq_msg_data(&head), sizeof event);
        zmq_msg_init(&address);
        if (zmq_msg_more(&head))
            zmq_msg_recv(&address, pair, 0);
        zmq_msg_close(&address);
        zmq_msg_close(&head);
        if (event == ZMQ_EVENT_ACCEPTED)
            pl->open++;
        else if (event == ZMQ_EVENT_DISCONNECTED && pl->open > 0)
            pl->open--;
    }
}

static void drain_monitors(rp_peer_limit *pl)
{
    for (size_t i = 0; i < pl->monitor_count; i++)
        drain_monitor(pl, pl->monitors[i]);
    rp_peer_stats_set_open(pl->open);
}

/* Answers one ZAP request (RFC 27): frames version, request id, domain,
 * address, identity, mechanism, credentials... The connection asking has
 * been accepted already, so it is part of the count. */
static void answer_zap(rp_peer_limit *pl)
{
    zmq_msg_t frames[8];
    size_t count = rp_zmq_recv_frames(pl->zap, frames, 8, 0, NULL);
    drain_monitors(pl);
    bool allow = pl->open <= (int64_t)pl->max_connections;
    char address[64] = "?";
    if (count > 3)
        snprintf(address, sizeof address, "%.*s", (int)zmq_msg_size(&frames[3]), (const char *)zmq_msg_data(&frames[3]));
    if (!allow) {
        rp_peer_stats_add(RP_PEER_CONNECTION_REFUSED);
        rp_log(RP_WARN, "peer_limit", "connection refused",
               "peer=%s open=%lld reason=\"limits.max_connections=%zu reached\"", address, (long long)pl->open,
               pl->max_connections);
    }
    const char *status = allow ? "200" : "400";
    const char *text = allow ? "OK" : "too many connections (limits.max_connections)";
    zmq_send(pl->zap, "1.0", 3, ZMQ_SNDMORE);
    if (count > 1)
        zmq_send(pl->zap, zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), ZMQ_SNDMORE);
    else
        zmq_send(pl->zap, "", 0, ZMQ_SNDMORE);
    zmq_send(pl->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(pl->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(pl->zap, "", 0, ZMQ_SNDMORE);   /* user id */
    zmq_send(pl->zap, "", 0, 0);             /* metadata */
    rp_zmq_close_frames(frames, count);
}

static void *peer_limit_main(void *arg)
{
    rp_peer_limit *pl = arg;
    zmq_pollitem_t items[1 + MAX_WATCHED];
    items[0] = (zmq_pollitem_t){.socket = pl->zap, .events = ZMQ_POLLIN};
    for (size_t i = 0; i < pl->monitor_count; i++)
        items[1 + i] = (zmq_pollitem_t){.socket = pl->monitors[i], .events = ZMQ_POLLIN};
    while (!atomic_load(&pl->stop)) {
        if (zmq_poll(items, (int)(1 + pl->monitor_count), 100) < 0 && errno != EINTR)
            break;
        drain_monitors(pl);
        if (items[0].revents & ZMQ_POLLIN)
            answer_zap(pl);
    }
    return NULL;
}

bool rp_peer_limit_start(rp_peer_limit *pl)
{
    pl->started = pthread_create(&pl->thread, NULL, peer_limit_main, pl) == 0;
    return pl->started;
}

void rp_peer_limit_stop(rp_peer_limit *pl)
{
    if (!pl)
        return;
    atomic_store(&pl->stop, true);
    if (pl->started)
        pthread_join(pl->thread, NULL);
    for (size_t i = 0; i < pl->monitor_count; i++)
        zmq_close(pl->monitors[i]);
    zmq_close(pl->zap);
    free(pl);
}

bool rp_fd_budget(rp_limits *limits, size_t db_connections, size_t reserve, char *err, size_t errlen)
{
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) != 0)
        return true;   /* nothing known to budget against */
    if (nofile.rlim_cur < nofile.rlim_max) {
        rlim_t before = nofile.rlim_cur;
        nofile.rlim_cur = nofile.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &nofile) != 0)
            nofile.rlim_cur = before;
    }
    size_t needed = db_connections + reserve;
    if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur <= needed) {
        snprintf(err, errlen,
                 "open-files limit %llu leaves no room for connections beside %zu database connections and %zu in "
                 "reserve; raise it (ulimit -n, LimitNOFILE=)",
                 (unsigned long long)nofile.rlim_cur, db_connections, reserve);
        return false;
    }
    size_t room = nofile.rlim_cur == RLIM_INFINITY ? SIZE_MAX : (size_t)nofile.rlim_cur - needed;
    if (limits->max_connections > room) {
        rp_log(RP_WARN, "broker", "limits.max_connections lowered to fit the open-files limit",
               "configured=%zu lowered_to=%zu nofile=%llu database_connections=%zu reserve=%zu",
               limits->max_connections, room, (unsigned long long)nofile.rlim_cur, db_connections, reserve);
        limits->max_connections = room;
    }
    return true;
}
