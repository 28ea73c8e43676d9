/*
 * tail.c - `rapportctl tail` and `rapportctl replay`: derived events as JSON
 * lines, one per event, compact with sorted keys.
 *
 * tail subscribes to the PUB socket and keeps the last seq it printed. PUB
 * drops messages for slow subscribers, so when an event arrives with
 * seq > last + 1 the missing ones are fetched from the replay socket and
 * printed first. With --from, tail subscribes BEFORE replaying (so nothing
 * published during the replay is lost), replays up to the head, then drops
 * live events it already printed (seq <= last).
 *
 * With --type the subscription filters by prefix, so seq has holes by
 * design; each hole is still checked through replay (events of other types
 * are skipped), which costs a replay request per hole but never misses one.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "common.h"
#include "mpjson.h"

#define PAGE_EVENTS        1000   /* the broker's default limits.replay_max_events */
#define DEFAULT_TIMEOUT_S  10
#define POLL_MS            500    /* how often the live loop looks at the stop flag */

/* Set by SIGINT/SIGTERM. A signal handler can only communicate through a
 * volatile sig_atomic_t, hence this one piece of global state. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

static void install_stop_handlers(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    /* No SA_RESTART: a blocked zmq_poll must return (EINTR) to see the flag. */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

/* ---- replay client ------------------------------------------------------ */

typedef struct replay_client {
    void *sock;
    const char *endpoint;
    int timeout_ms;
} replay_client;

static bool replay_open(replay_client *client, void *ctx, const char *endpoint, uint64_t timeout_s)
{
    client->endpoint = endpoint;
    client->timeout_ms = (int)timeout_s * 1000;
    client->sock = zmq_socket(ctx, ZMQ_REQ);
    if (!client->sock)
        return false;
    /* RELAXED + CORRELATE: after a timed-out request the REQ socket may send
     * again, and a late reply to the old request is discarded. */
    int on = 1, linger = 0;
    zmq_setsockopt(client->sock, ZMQ_REQ_RELAXED, &on, sizeof on);
    zmq_setsockopt(client->sock, ZMQ_REQ_CORRELATE, &on, sizeof on);
    zmq_setsockopt(client->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(client->sock, ZMQ_RCVTIMEO, &client->timeout_ms, sizeof client->timeout_ms);
    zmq_setsockopt(client->sock, ZMQ_SNDTIMEO, &client->timeout_ms, sizeof client->timeout_ms);
    if (zmq_connect(client->sock, endpoint) != 0) {
        fprintf(stderr, "rapportctl: cannot connect to %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return false;
    }
    return true;
}

static bool send_replay_request(replay_client *client, uint64_t from, uint64_t limit)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    bool ok = msgpack_pack_map(&pk, 2) == 0 && msgpack_pack_str_with_body(&pk, "from", 4) == 0 &&
              msgpack_pack_uint64(&pk, from) == 0 && msgpack_pack_str_with_body(&pk, "limit", 5) == 0 &&
              msgpack_pack_uint64(&pk, limit) == 0;
    ok = ok && zmq_send(client->sock, sbuf.data, sbuf.size, 0) >= 0;
    msgpack_sbuffer_destroy(&sbuf);
    return ok;
}

static bool is_seq(const json_t *value)
{
    return json_is_integer(value) && json_integer_value(value) >= 0;
}

/* One page {"events": [...], "next": N, "head": N}, validated; NULL + err. */
static json_t *replay_page(replay_client *client, uint64_t from, uint64_t limit, char *err, size_t errlen)
{
    if (!send_replay_request(client, from, limit)) {
        snprintf(err, errlen, "cannot send to %s: %s", client->endpoint, zmq_strerror(zmq_errno()));
        return NULL;
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    json_t *reply = NULL;
    if (zmq_msg_recv(&msg, client->sock, 0) < 0) {
        if (zmq_errno() == EAGAIN)
            snprintf(err, errlen, "no reply from %s within %d s", client->endpoint, client->timeout_ms / 1000);
        else
            snprintf(err, errlen, "receive from %s: %s", client->endpoint, zmq_strerror(zmq_errno()));
    } else {
        reply = rp_msgpack_to_json(zmq_msg_data(&msg), zmq_msg_size(&msg), err, errlen);
    }
    zmq_msg_close(&msg);
    if (!reply)
        return NULL;
    const char *refusal = json_string_value(json_object_get(reply, "error"));
    if (refusal || !json_is_array(json_object_get(reply, "events")) ||
        !is_seq(json_object_get(reply, "next")) || !is_seq(json_object_get(reply, "head"))) {
        snprintf(err, errlen, "replay %s: %s", refusal ? "refused" : "reply malformed",
                 refusal ? refusal : "needs events, next and head");
        json_decref(reply);
        return NULL;
    }
    return reply;
}

/* ---- printing ----------------------------------------------------------- */

typedef struct printer {
    const char *type_prefix;   /* "" = every type */
    uint64_t last;       /* highest seq printed or skipped (valid when have_last) */
    bool have_last;
    uint64_t printed;
    uint64_t max_count;  /* 0 = unlimited */
} printer;

static uint64_t seq_of(const json_t *event)
{
    const json_t *seq = json_object_get(event, "seq");
    return is_seq(seq) ? (uint64_t)json_integer_value(seq) : 0;
}

static bool printer_done(const printer *p)
{
    return stop_requested || (p->max_count && p->printed >= p->max_count);
}

static bool wanted_type(const printer *p, const json_t *event)
{
    const char *type = json_string_value(json_object_get(event, "type"));
    size_t len = strlen(p->type_prefix);
    return len == 0 || (type && strncmp(type, p->type_prefix, len) == 0);
}

/* Prints event unless it was printed before (or the count is reached).
 * Replay does not filter by type, so events outside --type are skipped here
 * but still move `last`: they are not a gap to fetch again. */
static bool print_event(printer *p, const json_t *event)
{
    uint64_t seq = seq_of(event);
    if (printer_done(p) || (p->have_last && seq <= p->last))
        return true;
    if (!wanted_type(p, event)) {
        p->last = seq;
        p->have_last = true;
        return true;
    }
    if (!rc_print_json_line(stdout, event))
        return false;
    p->last = seq;
    p->have_last = true;
    p->printed++;
    return true;
}

static uint64_t json_seq(const json_t *reply, const char *key)
{
    return (uint64_t)json_integer_value(json_object_get(reply, key));
}

/* Prints events from..until (until 0: up to the head seen in the first
 * reply). Stops early when the printer is done. */
static bool replay_range(replay_client *client, printer *p, uint64_t from, uint64_t until,
                         char *err, size_t errlen)
{
    uint64_t next = from;
    bool bounded = until != 0;
    while (!printer_done(p) && (!bounded || next <= until)) {
        uint64_t limit = PAGE_EVENTS;
        if (bounded && until - next + 1 < limit)
            limit = until - next + 1;
        if (p->max_count && p->max_count - p->printed < limit)
            limit = p->max_count - p->printed;
        json_t *reply = replay_page(client, next, limit, err, errlen);
        if (!reply)
            return false;
        const json_t *events = json_object_get(reply, "events");
        uint64_t reply_next = json_seq(reply, "next");
        if (!bounded) {
            until = json_seq(reply, "head");   /* a snapshot: a busy outbox must not keep us here */
            bounded = true;
        }
        bool ok = true;
        for (size_t i = 0; ok && i < json_array_size(events); i++) {
            const json_t *event = json_array_get(events, i);
            if (seq_of(event) <= until)
                ok = print_event(p, event);
        }
        bool progressed = reply_next > next && json_array_size(events) > 0;
        json_decref(reply);
        if (!ok) {
            snprintf(err, errlen, "cannot write to stdout");
            return false;
        }
        if (!progressed)
            break;   /* nothing more stored (or the broker lost rows): avoid spinning */
        next = reply_next;
    }
    return true;
}

/* ---- tail --------------------------------------------------------------- */

typedef struct tail_options {
    const char *publish, *replay, *type_prefix;
    uint64_t from, count, timeout_s;
} tail_options;

static void tail_usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl tail [--publish=EP] [--replay=EP] [--type=PREFIX] [--from=SEQ]\n"
            "                       [--count=N] [--timeout=S]\n"
            "Prints derived events as JSON lines until SIGINT/SIGTERM; gaps in seq are\n"
            "filled from the replay socket.\n"
            "  --publish=EP   PUB endpoint (env RAPPORT_PUBLISH, default %s)\n"
            "  --replay=EP    replay endpoint (env RAPPORT_REPLAY, default %s)\n"
            "  --type=PREFIX  only types starting with PREFIX (e.g. 'care.')\n"
            "  --from=SEQ     first replay from SEQ up to the head, then continue live\n"
            "  --count=N      exit after printing N events\n"
            "  --timeout=S    wait for a replay reply at most S seconds (default %d)\n",
            RC_DEFAULT_PUBLISH, RC_DEFAULT_REPLAY, DEFAULT_TIMEOUT_S);
}

static int parse_tail_options(int argc, char **argv, tail_options *opt, int *exit_code)
{
    static const struct option options[] = {
        {"publish", required_argument, NULL, 'P'}, {"replay", required_argument, NULL, 'R'},
        {"type", required_argument, NULL, 'T'},    {"from", required_argument, NULL, 'f'},
        {"count", required_argument, NULL, 'c'},   {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *publish = NULL, *replay = NULL;
    *opt = (tail_options){.type_prefix = "", .timeout_s = DEFAULT_TIMEOUT_S};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'P': publish = optarg; break;
        case 'R': replay = optarg; break;
        case 'T': opt->type_prefix = optarg; break;
        case 'f': ok = rc_parse_count("from", optarg, 1, INT64_MAX, &opt->from); break;
        case 'c': ok = rc_parse_count("count", optarg, 1, INT64_MAX, &opt->count); break;
        case 't': ok = rc_parse_count("timeout", optarg, 1, 3600, &opt->timeout_s); break;
        case 'h': tail_usage(stdout); *exit_code = RC_EXIT_OK; return 1;
        default:  ok = false; break;
        }
        if (!ok) {
            *exit_code = rc_usage_error("tail", "invalid option");
            return 1;
        }
    }
    if (optind < argc) {
        *exit_code = rc_usage_error("tail", "unexpected argument");
        return 1;
    }
    opt->publish = rc_setting(publish, "RAPPORT_PUBLISH", RC_DEFAULT_PUBLISH);
    opt->replay = rc_setting(replay, "RAPPORT_REPLAY", RC_DEFAULT_REPLAY);
    return 0;
}

/* Receives [type][map] and converts the map; NULL for a malformed message
 * (reported, skipped). */
static json_t *receive_live(void *sub)
{
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    json_t *event = NULL;
    size_t frames = 0;
    char err[256] = "";
    int more = 1;
    while (more && zmq_msg_recv(&frame, sub, 0) >= 0) {
        more = zmq_msg_more(&frame);
        if (++frames == 2 && !more)
            event = rp_msgpack_to_json(zmq_msg_data(&frame), zmq_msg_size(&frame), err, sizeof err);
    }
    zmq_msg_close(&frame);
    if (!event && !stop_requested)
        fprintf(stderr, "rapportctl tail: skipped a malformed message (%zu frame(s)) %s\n", frames, err);
    return event;
}

static bool handle_live(replay_client *client, printer *p, json_t *event)
{
    uint64_t seq = seq_of(event);
    if (seq == 0) {
        fprintf(stderr, "rapportctl tail: skipped an event without a valid seq\n");
        return true;
    }
    if (p->have_last && seq > p->last + 1) {
        char err[256];
        uint64_t gap_from = p->last + 1;
        if (!replay_range(client, p, gap_from, seq - 1, err, sizeof err))
            fprintf(stderr, "rapportctl tail: could not fill the gap %" PRIu64 "..%" PRIu64 ": %s\n",
                    gap_from, seq - 1, err);
    }
    return print_event(p, event);
}

static int tail_live(void *sub, replay_client *client, printer *p)
{
    while (!printer_done(p)) {
        zmq_pollitem_t item = {.socket = sub, .events = ZMQ_POLLIN};
        int ready = zmq_poll(&item, 1, POLL_MS);
        if (ready < 0 && zmq_errno() != EINTR) {
            fprintf(stderr, "rapportctl tail: poll failed: %s\n", zmq_strerror(zmq_errno()));
            return RC_EXIT_FAILURE;
        }
        if (ready <= 0)
            continue;
        json_t *event = receive_live(sub);
        bool ok = !event || handle_live(client, p, event);
        json_decref(event);
        if (!ok)
            return RC_EXIT_FAILURE;
    }
    return RC_EXIT_OK;
}

static int run_tail(const tail_options *opt, void *ctx)
{
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    replay_client client = {0};
    int code = RC_EXIT_FAILURE;
    int linger = 0;
    if (!sub || zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, opt->type_prefix, strlen(opt->type_prefix)) != 0 ||
        zmq_connect(sub, opt->publish) != 0) {
        fprintf(stderr, "rapportctl tail: cannot subscribe to %s: %s\n", opt->publish, zmq_strerror(zmq_errno()));
    } else if (replay_open(&client, ctx, opt->replay, opt->timeout_s)) {
        printer p = {.type_prefix = opt->type_prefix, .max_count = opt->count};
        char err[256];
        if (opt->from) {
            /* Already subscribed: what is published during the replay waits
             * in the SUB queue and is dropped there if already printed. */
            p.last = opt->from - 1;
            p.have_last = true;
            if (!replay_range(&client, &p, opt->from, 0, err, sizeof err)) {
                fprintf(stderr, "rapportctl tail: %s\n", err);
                goto done;
            }
        }
        code = tail_live(sub, &client, &p);
    }
done:
    if (client.sock)
        zmq_close(client.sock);
    if (sub)
        zmq_close(sub);
    return code;
}

int rc_tail_main(int argc, char **argv)
{
    tail_options opt;
    int code = RC_EXIT_OK;
    if (parse_tail_options(argc, argv, &opt, &code) != 0)
        return code;
    install_stop_handlers();
    void *ctx = zmq_ctx_new();
    if (!ctx) {
        fprintf(stderr, "rapportctl tail: cannot create a ZeroMQ context\n");
        return RC_EXIT_FAILURE;
    }
    code = run_tail(&opt, ctx);
    zmq_ctx_term(ctx);
    return code;
}

/* ---- replay ------------------------------------------------------------- */

static void replay_usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl replay --from=SEQ [--limit=N] [--replay=EP] [--timeout=S]\n"
            "Prints stored derived events as JSON lines from SEQ up to the head (as it\n"
            "was at the first reply), or N events.\n"
            "  --replay=EP    replay endpoint (env RAPPORT_REPLAY, default %s)\n"
            "  --timeout=S    wait for each reply at most S seconds (default %d)\n",
            RC_DEFAULT_REPLAY, DEFAULT_TIMEOUT_S);
}

int rc_replay_main(int argc, char **argv)
{
    static const struct option options[] = {
        {"from", required_argument, NULL, 'f'},   {"limit", required_argument, NULL, 'l'},
        {"replay", required_argument, NULL, 'R'}, {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    uint64_t from = 0, limit = 0, timeout_s = DEFAULT_TIMEOUT_S;
    const char *endpoint = NULL;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'f': ok = rc_parse_count("from", optarg, 1, INT64_MAX, &from); break;
        case 'l': ok = rc_parse_count("limit", optarg, 1, INT64_MAX, &limit); break;
        case 'R': endpoint = optarg; break;
        case 't': ok = rc_parse_count("timeout", optarg, 1, 3600, &timeout_s); break;
        case 'h': replay_usage(stdout); return RC_EXIT_OK;
        default:  ok = false; break;
        }
        if (!ok)
            return rc_usage_error("replay", "invalid option");
    }
    if (from == 0 || optind < argc)
        return rc_usage_error("replay", from == 0 ? "--from=SEQ is required" : "unexpected argument");
    endpoint = rc_setting(endpoint, "RAPPORT_REPLAY", RC_DEFAULT_REPLAY);

    void *ctx = zmq_ctx_new();
    replay_client client = {0};
    int code = RC_EXIT_FAILURE;
    if (ctx && replay_open(&client, ctx, endpoint, timeout_s)) {
        printer p = {.type_prefix = "", .max_count = limit};
        char err[256];
        if (replay_range(&client, &p, from, 0, err, sizeof err))
            code = RC_EXIT_OK;
        else
            fprintf(stderr, "rapportctl replay: %s\n", err);
    }
    if (client.sock)
        zmq_close(client.sock);
    if (ctx)
        zmq_ctx_term(ctx);
    return code;
}
