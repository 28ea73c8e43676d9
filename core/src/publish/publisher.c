/*
 * publisher.c - the publisher thread: derived events out.
 *
 * PUB socket: every committed outbox row, in seq order, as two frames
 * [type][msgpack map]. It starts from the outbox head at start-up (older
 * events are available through replay) and is woken by workers after each
 * commit that emitted something. PUB drops at its high-water mark and
 * subscribers join late, so consumers detect gaps by seq and catch up
 * through the replay socket.
 *
 * Replay ROUTER: request {"from": seq, "limit": n} -> reply
 * {"events": [map...], "next": seq, "head": seq}; errors -> {"error": text}.
 * Because seq is assigned under a row lock inside the producing transaction,
 * "seq >= from" never skips an event that commits late.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "backoff.h"
#include "broker.h"
#include "db.h"
#include "ingest_yield.h"
#include "log.h"
#include "peer_limit.h"
#include "publisher_internal.h"
#include "zmq_frames.h"

typedef struct publisher {
    rp_broker *broker;
    PGconn *db;
    void *pub, *replay;
    int64_t published;        /* last seq sent on PUB */
    uint64_t seen_generation;
    rp_backoff db_backoff;    /* reconnect attempts while the database is away */
} publisher;

/* The loop comes here every 20-100 ms; while the database is away it tries
 * again only when the back-off allows, and logs the outage's start and end
 * once each, not every try. */
static bool ensure_db(publisher *p)
{
    if (p->db && !rp_db_broken(p->db))
        return true;
    if (p->db)
        PQfinish(p->db);
    p->db = NULL;
    int64_t now = rp_monotonic_ms();
    if (!rp_backoff_due(&p->db_backoff, now))
        return false;
    char err[512];
    p->db = rp_db_connect(p->broker->cfg->database, "publisher", err, sizeof err);
    if (!p->db && rp_backoff_failed(&p->db_backoff, now))
        rp_log(RP_WARN, "publisher", "database unavailable; retrying with back-off", "error=\"%s\"", err);
    if (p->db && rp_backoff_succeeded(&p->db_backoff))
        rp_log(RP_INFO, "publisher", "database reconnected", NULL);
    return p->db != NULL;
}

static int64_t outbox_head(publisher *p)
{
    char err[512];
    PGresult *res = rp_db_query(p->db, "SELECT seq FROM outbox_head", 0, NULL, err, sizeof err);
    int64_t head = res ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
    PQclear(res);
    return head;
}

static void publish_new(publisher *p)
{
    char from[24], limit[24];
    snprintf(from, sizeof from, "%" PRId64, p->published);
    snprintf(limit, sizeof limit, "%zu", p->broker->cfg->limits.replay_max_events);
    const char *params[] = {from, limit};
    while (true) {
        PGresult *res = PQexecParams(p->db,
            "SELECT seq, type, frame FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
            2, NULL, params, NULL, NULL, 1);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            PQclear(res);
            return;
        }
        int rows = PQntuples(res);
        for (int r = 0; r < rows; r++) {
            uint64_t seq;
            memcpy(&seq, PQgetvalue(res, r, 0), 8);
            const char *type = PQgetvalue(res, r, 1);
            zmq_send(p->pub, type, (size_t)PQgetlength(res, r, 1), ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send(p->pub, PQgetvalue(res, r, 2), (size_t)PQgetlength(res, r, 2), ZMQ_DONTWAIT);
            p->published = (int64_t)be64toh(seq);
        }
        PQclear(res);
        snprintf(from, sizeof from, "%" PRId64, p->published);
        if (rows < (int)p->broker->cfg->limits.replay_max_events)
            return;
    }
}

/* ---------------------------------------------------------------- replay */

static void pack_error(msgpack_sbuffer *sbuf, const char *message)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str(&pk, 5);
    msgpack_pack_str_body(&pk, "error", 5);
    msgpack_pack_str(&pk, strlen(message));
    msgpack_pack_str_body(&pk, message, strlen(message));
}

static void pack_key(msgpack_packer *pk, const char *key)
{
    msgpack_pack_str(pk, strlen(key));
    msgpack_pack_str_body(pk, key, strlen(key));
}

static void answer_replay(publisher *p, uint64_t from, uint64_t limit, msgpack_sbuffer *sbuf)
{
    if (!ensure_db(p)) {
        pack_error(sbuf, "database unavailable; retry later");
        return;
    }
    size_t max = p->broker->cfg->limits.replay_max_events;
    if (limit == 0 || limit > max)
        limit = max;
    char from_text[24], limit_text[24];
    snprintf(from_text, sizeof from_text, "%" PRIu64, from);
    snprintf(limit_text, sizeof limit_text, "%" PRIu64, limit);
    const char *params[] = {from_text, limit_text};
    PGresult *res = PQexecParams(p->db,
        "SELECT seq, frame FROM outbox WHERE seq >= $1 ORDER BY seq LIMIT $2",
        2, NULL, params, NULL, NULL, 1);
    int64_t head = outbox_head(p);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || head < 0) {
        PQclear(res);
        pack_error(sbuf, "database error reading the outbox; retry later");
        return;
    }
    int rows = PQntuples(res);
    uint64_t next = from;
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    pack_key(&pk, "events");
    msgpack_pack_array(&pk, (size_t)rows);
    for (int r = 0; r < rows; r++) {
        uint64_t seq;
        memcpy(&seq, PQgetvalue(res, r, 0), 8);
        next = be64toh(seq) + 1;
        msgpack_sbuffer_write(sbuf, PQgetvalue(res, r, 1), (size_t)PQgetlength(res, r, 1));
    }
    if (rows == 0 && (int64_t)from > head + 1)
        next = (uint64_t)head + 1;
    pack_key(&pk, "next");
    msgpack_pack_uint64(&pk, next);
    pack_key(&pk, "head");
    msgpack_pack_uint64(&pk, (uint64_t)head);
    PQclear(res);
}

static void handle_replay(publisher *p)
{
    zmq_msg_t frames[4];
    size_t count = rp_zmq_recv_frames(p->replay, frames, 4, ZMQ_DONTWAIT, NULL);
    if (count < 2) {
        rp_zmq_close_frames(frames, count);
        return;
    }
    msgpack_sbuffer reply;
    msgpack_sbuffer_init(&reply);
    uint64_t from = 0, limit = 0;
    char error[200];
    zmq_msg_t *body = &frames[count - 1];
    if (rp_replay_parse_request(zmq_msg_data(body), zmq_msg_size(body), &from, &limit, error, sizeof error))
        answer_replay(p, from, limit, &reply);
    else
        pack_error(&reply, error);
    for (size_t i = 0; i + 1 < count; i++)
        zmq_msg_send(&frames[i], p->replay, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(p->replay, reply.data, reply.size, ZMQ_DONTWAIT);
    msgpack_sbuffer_destroy(&reply);
    rp_zmq_close_frames(frames, count);
}

/* ---------------------------------------------------------------- thread */

bool rp_publisher_bind(rp_broker *b, void **pub_out, void **replay_out)
{
    int linger = 0, one = 1;
    int64_t max_request = 65536;
    void *pub = zmq_socket(b->zmq, ZMQ_PUB);
    void *replay = zmq_socket(b->zmq, ZMQ_ROUTER);
    zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(replay, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(replay, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(replay, ZMQ_MAXMSGSIZE, &max_request, sizeof max_request);
    rp_peer_limit_prepare(replay, &b->cfg->limits);   /* reply HWM, max_connections */
    if (zmq_bind(pub, b->cfg->publish) != 0 || zmq_bind(replay, b->cfg->replay) != 0) {
        rp_log(RP_ERR, "publisher", "cannot bind", "publish=%s replay=%s error=\"%s\"", b->cfg->publish,
               b->cfg->replay, zmq_strerror(errno));
        zmq_close(pub);
        zmq_close(replay);
        return false;
    }
    *pub_out = pub;
    *replay_out = replay;
    return true;
}

void *rp_publisher_main(void *arg)
{
    rp_publisher_args *args = arg;
    publisher p = {.broker = args->broker, .pub = args->pub, .replay = args->replay, .published = -1};
    free(args);
    rp_broker *b = p.broker;
    rp_backoff_init(&p.db_backoff, b->cfg->db_backoff_min_ms, b->cfg->db_backoff_max_ms);
    bool final_pass = false;
    while (true) {
        if (ensure_db(&p)) {
            if (p.published < 0)
                p.published = outbox_head(&p);
            if (p.published >= 0)
                publish_new(&p);
        }
        if (final_pass)
            break;
        if (atomic_load(&b->publisher_stop))
            final_pass = true;   /* publish what the last transactions emitted */
        zmq_pollitem_t item = {.socket = p.replay, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, 20) > 0)
            handle_replay(&p);
        else
            rp_notify_wait(&b->outbox_committed, &p.seen_generation, 80);
    }
    zmq_close(p.pub);
    zmq_close(p.replay);
    if (p.db)
        PQfinish(p.db);
    rp_log(RP_INFO, "publisher", "stopped", "published_seq=%" PRId64, p.published);
    return NULL;
}
