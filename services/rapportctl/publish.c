/*
 * publish.c - `rapportctl publish`: JSON lines in, batches over a DEALER
 * socket to the ingress, one summary line out.
 *
 * Pipelining: up to --window batches are in flight at once. Replies are
 * matched to batches first-in first-out: the wire contract (proto/README.md)
 * guarantees that a DEALER with several requests in flight on one connection
 * gets the replies in the order it sent the requests, and this tool uses one
 * socket connected to one endpoint. Still, every result's id is checked
 * against the event it settles: a reply that does not match its batch is
 * never counted (counting it would report events stored that are not, or the
 * reverse); the tool stops with an error naming the line.
 *
 * Events answered "retry" are sent again in a later batch after an
 * exponential back-off (100 ms doubling up to 5 s); an event still getting
 * "retry" 60 s after its first one is given up (reported, exit code 2).
 * Input is read lazily, only when a batch can be sent, so memory stays
 * bounded by the window whatever the file size.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "common.h"
#include "mpjson.h"

#define DEFAULT_BATCH_EVENTS   500
#define DEFAULT_WINDOW         4
#define DEFAULT_TIMEOUT_S      30
#define MAX_BATCH_BYTES        (1024 * 1024)   /* the ingress default limits.max_frame_bytes */
#define ARRAY_HEADER_BYTES     5               /* largest msgpack array header */
#define RETRY_FIRST_DELAY_MS   100
#define RETRY_MAX_DELAY_MS     5000
#define RETRY_GIVE_UP_MS       60000
#define MAX_REPORTED_ERRORS    20
#define PROGRESS_INTERVAL_MS   100

typedef struct pub_options {
    const char *file;          /* NULL or "-" = stdin */
    const char *ingress;
    uint64_t batch_events;
    uint64_t window;
    uint64_t timeout_s;
    bool progress;
    bool quiet;
} pub_options;

/* One event between reading and its final outcome. */
typedef struct pub_event {
    uint8_t *bytes;            /* the event map, msgpack */
    size_t len;
    char *id;                  /* for messages; NULL when the line had no string id */
    size_t line;
    unsigned retries;          /* "retry" replies so far */
    int64_t first_retry_ms;
    int64_t due_ms;            /* not to be resent before this */
} pub_event;

typedef struct pub_batch {
    pub_event **events;        /* batch_events slots */
    size_t count;
} pub_batch;

typedef struct pub_stats {
    uint64_t accepted, duplicate, rejected, retried, failed;
} pub_stats;

typedef struct reported_error {
    size_t line;
    char *text;
} reported_error;

typedef struct pub_state {
    pub_options opt;
    FILE *in;
    size_t line;
    char *line_buf;
    size_t line_cap;
    bool eof;
    pub_event *held;           /* read, but did not fit the previous batch */
    uint64_t total_events;     /* for --progress; 0 when unknown */

    pub_event **retry;         /* waiting for their back-off to pass */
    size_t retry_count, retry_cap;

    pub_batch *inflight;       /* ring of opt.window batches */
    size_t inflight_head, inflight_count;
    int64_t waiting_since;     /* last reply, or first send after idle */

    void *ctx, *sock;
    pub_stats stats;
    reported_error errors[MAX_REPORTED_ERRORS];   /* the first ones noted */
    size_t error_count;
    int64_t progress_drawn_ms;
    bool progress_shown;
    bool fatal;
} pub_state;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl publish [FILE|-] [--ingress=EP] [--batch=N] [--window=K]\n"
            "                          [--timeout=S] [--progress] [--quiet]\n"
            "Reads one JSON event object per line (blank lines skipped) from FILE or\n"
            "stdin and sends them to the ingress in batches.\n"
            "  --ingress=EP   ingress endpoint (env RAPPORT_INGRESS, default %s)\n"
            "  --batch=N      events per batch (default %d; the broker's default limit is 1000)\n"
            "  --window=K     batches in flight at once (default %d)\n"
            "  --timeout=S    give up when no reply comes for S seconds (default %d)\n"
            "  --progress     draw a progress bar on stderr\n"
            "  --quiet        print nothing but fatal errors; the exit code tells\n"
            "Prints 'accepted=N duplicate=N rejected=N retried=N' and up to %d rejections.\n"
            "Exit: 0 none rejected, 1 some rejected, 2 usage/connection/timeout error.\n",
            RC_DEFAULT_INGRESS, DEFAULT_BATCH_EVENTS, DEFAULT_WINDOW, DEFAULT_TIMEOUT_S,
            MAX_REPORTED_ERRORS);
}

/* ---- options ------------------------------------------------------------ */

/* 0 to run, or an exit code (help printed / usage error). */
static int parse_options(int argc, char **argv, pub_options *opt, int *exit_code)
{
    static const struct option options[] = {
        {"ingress", required_argument, NULL, 'i'}, {"batch", required_argument, NULL, 'b'},
        {"window", required_argument, NULL, 'w'},  {"timeout", required_argument, NULL, 't'},
        {"progress", no_argument, NULL, 'p'},      {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *ingress = NULL;
    *opt = (pub_options){.batch_events = DEFAULT_BATCH_EVENTS, .window = DEFAULT_WINDOW,
                         .timeout_s = DEFAULT_TIMEOUT_S};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'i': ingress = optarg; break;
        case 'b': ok = rc_parse_count("batch", optarg, 1, 100000, &opt->batch_events); break;
        case 'w': ok = rc_parse_count("window", optarg, 1, 1000, &opt->window); break;
        case 't': ok = rc_parse_count("timeout", optarg, 1, 86400, &opt->timeout_s); break;
        case 'p': opt->progress = true; break;
        case 'q': opt->quiet = true; break;
        case 'h': usage(stdout); *exit_code = RC_EXIT_OK; return 1;
        default:  ok = false; break;
        }
        if (!ok) {
            *exit_code = rc_usage_error("publish", "invalid option");
            return 1;
        }
    }
    if (argc - optind > 1) {
        *exit_code = rc_usage_error("publish", "at most one input FILE");
        return 1;
    }
    opt->file = optind < argc ? argv[optind] : NULL;
    opt->ingress = rc_setting(ingress, "RAPPORT_INGRESS", RC_DEFAULT_INGRESS);
    return 0;
}

/* ---- outcomes ----------------------------------------------------------- */

static void free_event(pub_event *ev)
{
    if (!ev)
        return;
    free(ev->bytes);
    free(ev->id);
    free(ev);
}

static void note_rejection(pub_state *st, size_t line, const char *id, const char *error)
{
    st->stats.rejected++;
    if (st->error_count == MAX_REPORTED_ERRORS)
        return;
    char *text = NULL;
    int n = id ? asprintf(&text, "line %zu: id=%s: %s", line, id, error)
               : asprintf(&text, "line %zu: %s", line, error);
    if (n >= 0)
        st->errors[st->error_count++] = (reported_error){line, text};
}

static int64_t backoff_ms(unsigned retries)
{
    int64_t delay = RETRY_FIRST_DELAY_MS;
    for (unsigned i = 1; i < retries && delay < RETRY_MAX_DELAY_MS; i++)
        delay *= 2;
    return delay < RETRY_MAX_DELAY_MS ? delay : RETRY_MAX_DELAY_MS;
}

static bool queue_retry(pub_state *st, pub_event *ev)
{
    if (st->retry_count == st->retry_cap) {
        size_t cap = st->retry_cap ? st->retry_cap * 2 : 64;
        pub_event **grown = realloc(st->retry, cap * sizeof *grown);
        if (!grown)
            return false;
        st->retry = grown;
        st->retry_cap = cap;
    }
    st->retry[st->retry_count++] = ev;
    return true;
}

static void settle_retry(pub_state *st, pub_event *ev, const char *error, int64_t now)
{
    if (ev->retries++ == 0) {
        st->stats.retried++;
        ev->first_retry_ms = now;
    }
    if (now - ev->first_retry_ms >= RETRY_GIVE_UP_MS) {
        st->stats.failed++;
        fprintf(stderr, "rapportctl publish: line %zu: id=%s: gave up after %d s of retry replies: %s\n",
                ev->line, ev->id ? ev->id : "?", RETRY_GIVE_UP_MS / 1000, error);
        free_event(ev);
        return;
    }
    ev->due_ms = now + backoff_ms(ev->retries);
    if (!queue_retry(st, ev)) {
        fprintf(stderr, "rapportctl publish: out of memory\n");
        st->fatal = true;
        free_event(ev);
    }
}

/* Applies one reply item {"id","status","error"?} to ev; takes ownership. */
static void settle_event(pub_state *st, pub_event *ev, const json_t *item, int64_t now)
{
    const char *status = json_string_value(json_object_get(item, "status"));
    const char *error = json_string_value(json_object_get(item, "error"));
    if (!error)
        error = "(no error text)";
    if (status && strcmp(status, "accepted") == 0) {
        st->stats.accepted++;
    } else if (status && strcmp(status, "duplicate") == 0) {
        st->stats.duplicate++;
    } else if (status && strcmp(status, "retry") == 0) {
        settle_retry(st, ev, error, now);
        return;
    } else if (status && strcmp(status, "rejected") == 0) {
        note_rejection(st, ev->line, ev->id, error);
    } else {
        char text[128];
        snprintf(text, sizeof text, "unexpected reply status '%s'", status ? status : "(none)");
        note_rejection(st, ev->line, ev->id, text);
    }
    free_event(ev);
}

/* ---- input -------------------------------------------------------------- */

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Counts non-blank lines of a regular file, then rewinds it; 0 otherwise. */
static uint64_t count_events(FILE *in)
{
    struct stat info;
    if (fstat(fileno(in), &info) != 0 || !S_ISREG(info.st_mode))
        return 0;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t count = 0;
    while ((len = getline(&buf, &cap, in)) >= 0)
        if (!is_blank(buf, (size_t)len))
            count++;
    free(buf);
    if (fseek(in, 0, SEEK_SET) != 0)
        return 0;
    clearerr(in);
    return count;
}

static pub_event *event_from_json(const json_t *json, size_t line)
{
    pub_event *ev = calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->line = line;
    ev->bytes = rp_json_to_msgpack(json, &ev->len);
    const char *id = json_string_value(json_object_get(json, "id"));
    ev->id = id ? strdup(id) : NULL;
    if (!ev->bytes || (id && !ev->id)) {
        free_event(ev);
        return NULL;
    }
    return ev;
}

/* The next event of the input, NULL at the end (or on a fatal error).
 * Lines that are not JSON objects are counted as rejected here. */
static pub_event *read_event(pub_state *st)
{
    while (!st->eof && !st->fatal) {
        ssize_t len = getline(&st->line_buf, &st->line_cap, st->in);
        if (len < 0) {
            st->eof = true;
            break;
        }
        st->line++;
        if (is_blank(st->line_buf, (size_t)len))
            continue;
        json_error_t jerr;
        json_t *json = json_loadb(st->line_buf, (size_t)len, 0, &jerr);
        if (!json || !json_is_object(json)) {
            char text[256];
            if (json)
                snprintf(text, sizeof text, "not a JSON object");
            else
                snprintf(text, sizeof text, "invalid JSON at column %d: %s", jerr.column, jerr.text);
            note_rejection(st, st->line, NULL, text);
            json_decref(json);
            continue;
        }
        pub_event *ev = event_from_json(json, st->line);
        json_decref(json);
        if (!ev) {
            fprintf(stderr, "rapportctl publish: out of memory at line %zu\n", st->line);
            st->fatal = true;
            return NULL;
        }
        return ev;
    }
    if (ferror(st->in) && !st->fatal) {
        fprintf(stderr, "rapportctl publish: read error after line %zu\n", st->line);
        st->fatal = true;
    }
    return NULL;
}

/* ---- batches ------------------------------------------------------------ */

static bool fits(const pub_batch *b, size_t bytes, size_t more)
{
    return b->count == 0 || bytes + more <= MAX_BATCH_BYTES;
}

/* Fills b with due retries first, then new input, up to the batch limits. */
static void fill_batch(pub_state *st, pub_batch *b, int64_t now)
{
    size_t bytes = ARRAY_HEADER_BYTES;
    b->count = 0;
    size_t kept = 0;
    for (size_t i = 0; i < st->retry_count; i++) {
        pub_event *ev = st->retry[i];
        if (ev->due_ms <= now && b->count < st->opt.batch_events && fits(b, bytes, ev->len)) {
            b->events[b->count++] = ev;
            bytes += ev->len;
        } else {
            st->retry[kept++] = ev;
        }
    }
    st->retry_count = kept;
    while (b->count < st->opt.batch_events && !st->fatal) {
        pub_event *ev = st->held ? st->held : read_event(st);
        st->held = NULL;
        if (!ev)
            break;
        if (!fits(b, bytes, ev->len)) {
            st->held = ev;
            break;
        }
        b->events[b->count++] = ev;
        bytes += ev->len;
    }
}

/* [""][array of the batch's event maps]: the delimiter makes the reply come
 * back as ["" ][reply], the same framing a REQ peer would see. */
static bool send_batch(pub_state *st, const pub_batch *b)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    bool ok = msgpack_pack_array(&pk, b->count) == 0;
    for (size_t i = 0; ok && i < b->count; i++)
        ok = msgpack_sbuffer_write(&sbuf, (const char *)b->events[i]->bytes, b->events[i]->len) == 0;
    if (!ok) {
        fprintf(stderr, "rapportctl publish: out of memory building a batch\n");
    } else if (zmq_send(st->sock, "", 0, ZMQ_SNDMORE) < 0 ||
               zmq_send(st->sock, sbuf.data, sbuf.size, 0) < 0) {
        fprintf(stderr, "rapportctl publish: cannot send to %s: %s\n", st->opt.ingress, zmq_strerror(zmq_errno()));
        ok = false;
    }
    msgpack_sbuffer_destroy(&sbuf);
    return ok;
}

/* Sends batches until the window is full or nothing is ready to send. */
static void fill_window(pub_state *st)
{
    while (!st->fatal && st->inflight_count < st->opt.window) {
        int64_t now = rc_now_ms();
        size_t slot = (st->inflight_head + st->inflight_count) % st->opt.window;
        pub_batch *b = &st->inflight[slot];
        fill_batch(st, b, now);
        if (b->count == 0)
            return;
        if (!send_batch(st, b)) {
            st->fatal = true;   /* b keeps its events; release() frees them */
            return;
        }
        if (st->inflight_count == 0)
            st->waiting_since = now;
        st->inflight_count++;
    }
}

/* ---- replies ------------------------------------------------------------ */

/* Receives one whole message and returns its last frame's bytes as JSON. */
static json_t *receive_reply(pub_state *st)
{
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    json_t *reply = NULL;
    char err[256] = "no payload frame";
    int more = 1;
    while (more) {
        if (zmq_msg_recv(&frame, st->sock, 0) < 0) {
            snprintf(err, sizeof err, "%s", zmq_strerror(zmq_errno()));
            break;
        }
        more = zmq_msg_more(&frame);
        if (!more && zmq_msg_size(&frame) > 0)
            reply = rp_msgpack_to_json(zmq_msg_data(&frame), zmq_msg_size(&frame), err, sizeof err);
    }
    zmq_msg_close(&frame);
    if (!reply)
        fprintf(stderr, "rapportctl publish: bad reply from %s: %s\n", st->opt.ingress, err);
    return reply;
}

/* Whether result i of reply is about ev: the same id, or nil for an event
 * sent without a string id. */
static bool result_matches(const pub_event *ev, const json_t *result)
{
    const json_t *id = json_object_get(result, "id");
    if (!ev->id)
        return json_is_null(id);
    return json_is_string(id) && strcmp(json_string_value(id), ev->id) == 0;
}

/* The first event of b its result in reply is not about, or -1. */
static long first_mismatch(const pub_batch *b, const json_t *reply)
{
    for (size_t i = 0; i < b->count; i++)
        if (!result_matches(b->events[i], json_array_get(reply, i)))
            return (long)i;
    return -1;
}

static void report_mismatch(const pub_state *st, const pub_event *ev, const json_t *result)
{
    const json_t *id = json_object_get(result, "id");
    fprintf(stderr,
            "rapportctl publish: reply from %s does not match the request: line %zu: sent id=%s, "
            "the result is for id=%s; the reply was not counted\n",
            st->opt.ingress, ev->line, ev->id ? ev->id : "(none)",
            json_is_string(id) ? json_string_value(id) : json_is_null(id) ? "nil" : "(not a string)");
}

/* Settles the oldest batch in flight with reply (FIFO, see the top). */
static void settle_batch(pub_state *st, const json_t *reply)
{
    pub_batch *b = &st->inflight[st->inflight_head];
    size_t results = json_array_size(reply);
    /* A frame-level refusal (too large, not msgpack, ...) is one item with a
     * nil id for the whole batch: it applies to every event in it. */
    bool whole = results == 1 && b->count > 1 && json_is_null(json_object_get(json_array_get(reply, 0), "id"));
    if (!json_is_array(reply) || (!whole && results != b->count)) {
        fprintf(stderr, "rapportctl publish: ingress replied with %zu result(s) for a batch of %zu event(s)\n",
                results, b->count);
        st->fatal = true;
        return;
    }
    long bad = whole ? -1 : first_mismatch(b, reply);
    if (bad >= 0) {
        report_mismatch(st, b->events[bad], json_array_get(reply, (size_t)bad));
        st->fatal = true;
        return;
    }
    int64_t now = rc_now_ms();
    for (size_t i = 0; i < b->count; i++)
        settle_event(st, b->events[i], json_array_get(reply, whole ? 0 : i), now);
    b->count = 0;
    st->inflight_head = (st->inflight_head + 1) % st->opt.window;
    st->inflight_count--;
    st->waiting_since = now;
}

/* ---- progress and summary ---------------------------------------------- */

static void draw_progress(pub_state *st, bool force)
{
    int64_t now = rc_now_ms();
    if (!st->opt.progress || st->opt.quiet || (!force && now - st->progress_drawn_ms < PROGRESS_INTERVAL_MS))
        return;
    st->progress_drawn_ms = now;
    st->progress_shown = true;
    const pub_stats *s = &st->stats;
    uint64_t done = s->accepted + s->duplicate + s->rejected + s->failed;
    if (st->total_events == 0) {
        fprintf(stderr, "\r%" PRIu64 " events acknowledged", done);
        return;
    }
    uint64_t percent = done >= st->total_events ? 100 : done * 100 / st->total_events;
    char bar[31];
    size_t filled = (size_t)(percent * 30 / 100);
    memset(bar, '#', filled);
    memset(bar + filled, '.', 30 - filled);
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %3" PRIu64 "%% %" PRIu64 "/%" PRIu64 " events", bar, percent, done,
            st->total_events);
}

static int by_line(const void *a, const void *b)
{
    size_t la = ((const reported_error *)a)->line, lb = ((const reported_error *)b)->line;
    return (la > lb) - (la < lb);
}

/* Local rejections are noted when read, the broker's when acked: sorting by
 * line makes the list read like the input. */
static void print_summary(pub_state *st)
{
    if (st->progress_shown)
        fputc('\n', stderr);
    if (st->opt.quiet)
        return;
    const pub_stats *s = &st->stats;
    printf("accepted=%" PRIu64 " duplicate=%" PRIu64 " rejected=%" PRIu64 " retried=%" PRIu64 "\n",
           s->accepted, s->duplicate, s->rejected, s->retried);
    fflush(stdout);
    qsort(st->errors, st->error_count, sizeof st->errors[0], by_line);
    for (size_t i = 0; i < st->error_count; i++)
        fprintf(stderr, "%s\n", st->errors[i].text);
    if (s->rejected > st->error_count)
        fprintf(stderr, "... and %" PRIu64 " more rejection(s)\n", s->rejected - st->error_count);
}

/* ---- the loop ----------------------------------------------------------- */

/* How long to wait for a reply: until the reply deadline or the next retry
 * due, whichever is first (-1: forever, which never happens with work left). */
static long poll_timeout(const pub_state *st, int64_t now)
{
    int64_t wait = -1;
    if (st->inflight_count > 0)
        wait = st->waiting_since + (int64_t)st->opt.timeout_s * 1000 - now;
    for (size_t i = 0; i < st->retry_count; i++) {
        int64_t until_due = st->retry[i]->due_ms - now;
        if (wait < 0 || until_due < wait)
            wait = until_due;
    }
    if (st->opt.progress && (wait < 0 || wait > PROGRESS_INTERVAL_MS))
        wait = PROGRESS_INTERVAL_MS;
    return wait < 0 && (st->inflight_count > 0 || st->retry_count > 0) ? 0 : (long)wait;
}

static bool work_left(const pub_state *st)
{
    return st->inflight_count > 0 || st->retry_count > 0 || st->held || !st->eof;
}

static void run(pub_state *st)
{
    while (!st->fatal) {
        fill_window(st);
        if (st->fatal || !work_left(st))
            break;
        int64_t now = rc_now_ms();
        zmq_pollitem_t item = {.socket = st->sock, .events = ZMQ_POLLIN};
        int ready = zmq_poll(&item, 1, poll_timeout(st, now));
        if (ready < 0 && zmq_errno() != EINTR) {
            fprintf(stderr, "rapportctl publish: poll failed: %s\n", zmq_strerror(zmq_errno()));
            st->fatal = true;
        } else if (ready > 0) {
            json_t *reply = receive_reply(st);
            if (reply)
                settle_batch(st, reply);
            else
                st->fatal = true;
            json_decref(reply);
        } else if (st->inflight_count > 0 &&
                   rc_now_ms() - st->waiting_since >= (int64_t)st->opt.timeout_s * 1000) {
            fprintf(stderr, "rapportctl publish: no reply from %s within %" PRIu64 " s\n", st->opt.ingress,
                    st->opt.timeout_s);
            st->fatal = true;
        }
        draw_progress(st, false);
    }
    draw_progress(st, true);
}

/* ---- setup and teardown ------------------------------------------------- */

static bool open_socket(pub_state *st)
{
    st->ctx = zmq_ctx_new();
    st->sock = st->ctx ? zmq_socket(st->ctx, ZMQ_DEALER) : NULL;
    if (!st->sock) {
        fprintf(stderr, "rapportctl publish: cannot create a ZeroMQ socket: %s\n", zmq_strerror(zmq_errno()));
        return false;
    }
    int linger = 0;
    int send_timeout = (int)st->opt.timeout_s * 1000;
    zmq_setsockopt(st->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(st->sock, ZMQ_SNDTIMEO, &send_timeout, sizeof send_timeout);
    if (zmq_connect(st->sock, st->opt.ingress) != 0) {
        fprintf(stderr, "rapportctl publish: cannot connect to %s: %s\n", st->opt.ingress,
                zmq_strerror(zmq_errno()));
        return false;
    }
    return true;
}

static bool allocate_window(pub_state *st)
{
    st->inflight = calloc(st->opt.window, sizeof *st->inflight);
    if (!st->inflight)
        return false;
    for (size_t i = 0; i < st->opt.window; i++) {
        st->inflight[i].events = calloc(st->opt.batch_events, sizeof(pub_event *));
        if (!st->inflight[i].events)
            return false;
    }
    return true;
}

static void release(pub_state *st)
{
    if (st->inflight) {
        for (size_t i = 0; i < st->opt.window; i++) {
            for (size_t k = 0; k < st->inflight[i].count; k++)
                free_event(st->inflight[i].events[k]);
            free(st->inflight[i].events);
        }
        free(st->inflight);
    }
    for (size_t i = 0; i < st->retry_count; i++)
        free_event(st->retry[i]);
    free(st->retry);
    free_event(st->held);
    for (size_t i = 0; i < st->error_count; i++)
        free(st->errors[i].text);
    free(st->line_buf);
    if (st->in && st->in != stdin)
        fclose(st->in);
    if (st->sock)
        zmq_close(st->sock);
    if (st->ctx)
        zmq_ctx_term(st->ctx);
}

static int exit_code_of(const pub_state *st)
{
    if (st->fatal || st->stats.failed > 0)
        return RC_EXIT_FAILURE;
    return st->stats.rejected > 0 ? RC_EXIT_REJECTED : RC_EXIT_OK;
}

int rc_publish_main(int argc, char **argv)
{
    pub_state st;
    memset(&st, 0, sizeof st);
    int code = RC_EXIT_OK;
    if (parse_options(argc, argv, &st.opt, &code) != 0)
        return code;
    bool from_stdin = !st.opt.file || strcmp(st.opt.file, "-") == 0;
    st.in = from_stdin ? stdin : fopen(st.opt.file, "r");
    if (!st.in) {
        fprintf(stderr, "rapportctl publish: cannot open %s: %m\n", st.opt.file);
        return RC_EXIT_FAILURE;
    }
    if (!allocate_window(&st)) {
        fprintf(stderr, "rapportctl publish: out of memory\n");
        release(&st);
        return RC_EXIT_FAILURE;
    }
    if (!open_socket(&st)) {
        release(&st);
        return RC_EXIT_FAILURE;
    }
    if (st.opt.progress && !st.opt.quiet)
        st.total_events = count_events(st.in);
    run(&st);
    print_summary(&st);
    code = exit_code_of(&st);
    release(&st);
    return code;
}
