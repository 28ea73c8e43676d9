/*
 * bench_ingest - how fast a running rapportd takes events, and how that
 * compares with PostgreSQL's own COPY of the same rows.
 *
 *   rapport-retail | bench_ingest [--ingress=tcp://127.0.0.1:7450] [--pid=PID]
 *                                 [--database=CONNINFO] [options]
 *
 * The input (JSON lines, one wire event each; --input=FILE or stdin) is read
 * and packed into msgpack frames before anything is timed. Then:
 *   1. throughput: every event once, --batch events per frame, --window frames in flight;
 *   2. plugins (with --database): the time until every loaded plugin has
 *                  processed what phase 1 ingested (catchup.h), so the
 *                  figure includes the plugins' own work, not only the acks;
 *   3. latency:    --rate events/s offered in frames of --latency-batch for
 *                  --latency-seconds (the input is cycled with fresh ids if short);
 *   4. broker memory: VmHWM of --pid;
 *   5. COPY reference (with --database): the same events into a table shaped
 *      like `events`, one COPY in one transaction; then ingest/COPY.
 * A readable block and one JSON line with every figure go to stdout.
 *
 * Ids get --id-prefix (default: the run's UTC timestamp) so that repeated runs
 * against one database are new events, not duplicates.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <zmq.h>

#include "batches.h"
#include "catchup.h"
#include "copy_ref.h"
#include "events_load.h"
#include "machine.h"
#include "phases.h"

typedef struct options {
    const char *ingress;
    const char *input;            /* NULL: stdin */
    const char *database;         /* NULL: no COPY reference */
    char id_prefix[96];
    long pid;                     /* 0: no memory figure */
    size_t batch, window, latency_batch, max_frame;
    size_t passes;                /* the input sent this many times in the throughput phase */
    double rate, latency_seconds;
    double catchup_timeout_s;     /* 0: do not wait for the plugins */
    int timeout_ms;
    unsigned partitions;
    bench_copy_table copy_table;
} options;

typedef struct results {
    bench_machine machine;
    char pg_version[256];
    bench_throughput tp;
    bool tp_done;
    double catchup_seconds;       /* first frame sent -> every plugin caught up */
    size_t catchup_lagging;       /* (plugin, partition) pairs still behind at the timeout */
    bool catchup_done;
    bench_latency lat;
    bool lat_done;
    int64_t rss_peak_kib, rss_now_kib;
    bool rss_done;
    bench_copy_result copy;
    bool copy_done;
    size_t frames;
} results;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: bench_ingest [options] < events.jsonl\n"
            "  --ingress=EP          broker ingress (default tcp://127.0.0.1:7450)\n"
            "  --input=FILE          JSON lines to send (default stdin)\n"
            "  --batch=N             events per frame, throughput phase (default 500)\n"
            "  --window=K            frames in flight, throughput phase (default 8)\n"
            "  --passes=N            send the input N times in the throughput phase, each pass with\n"
            "                        fresh ids: a burst longer than plugin_yield_ms (default 1)\n"
            "  --rate=R              offered events/s, latency phase (default 5000)\n"
            "  --latency-batch=N     events per frame, latency phase (default 50)\n"
            "  --latency-seconds=S   length of the latency phase, 0 = skip (default 10)\n"
            "  --pid=PID             rapportd's pid, for its peak RSS\n"
            "  --database=CONNINFO   the broker's database: wait for its plugins after the throughput\n"
            "                        phase, run the COPY reference (and read the server version)\n"
            "  --catchup-timeout=S   longest wait for the plugins, 0 = do not wait (default 900)\n"
            "  --copy-table=temp|regular  temp (no WAL; default) or a logged table\n"
            "  --id-prefix=STR       prepended to every id (default: run timestamp)\n"
            "  --max-frame=BYTES     largest frame built (default 1048576, the broker's default limit)\n"
            "  --partitions=P        the broker's partitions, for the COPY rows (default 64)\n"
            "  --timeout-ms=MS       longest wait for a reply (default 60000)\n");
}

static bool parse_size(const char *text, size_t *out, size_t min)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || *text == '-' || v < min)
        return false;
    *out = (size_t)v;
    return true;
}

static bool parse_double(const char *text, double *out, double min)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= min))
        return false;
    *out = v;
    return true;
}

static void default_options(options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->ingress = "tcp://127.0.0.1:7450";
    opt->batch = 500;
    opt->window = 8;
    opt->passes = 1;
    opt->latency_batch = 50;
    opt->max_frame = 1048576;
    opt->rate = 5000;
    opt->latency_seconds = 10;
    opt->catchup_timeout_s = 900;
    opt->timeout_ms = 60000;
    opt->partitions = 64;
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(opt->id_prefix, sizeof opt->id_prefix, "%Y%m%dT%H%M%SZ:", &utc);
}

/* One --key=value; false on an unknown key or a bad value. */
static bool apply_option(options *opt, const char *key, const char *value)
{
    size_t n = 0;
    if (strcmp(key, "ingress") == 0)
        opt->ingress = value;
    else if (strcmp(key, "input") == 0)
        opt->input = value;
    else if (strcmp(key, "database") == 0)
        opt->database = value;
    else if (strcmp(key, "id-prefix") == 0)
        return snprintf(opt->id_prefix, sizeof opt->id_prefix, "%s", value) < (int)sizeof opt->id_prefix;
    else if (strcmp(key, "batch") == 0)
        return parse_size(value, &opt->batch, 1);
    else if (strcmp(key, "window") == 0)
        return parse_size(value, &opt->window, 1);
    else if (strcmp(key, "passes") == 0)
        return parse_size(value, &opt->passes, 1) && opt->passes <= 1000;
    else if (strcmp(key, "latency-batch") == 0)
        return parse_size(value, &opt->latency_batch, 1);
    else if (strcmp(key, "max-frame") == 0)
        return parse_size(value, &opt->max_frame, 64);
    else if (strcmp(key, "rate") == 0)
        return parse_double(value, &opt->rate, 1);
    else if (strcmp(key, "latency-seconds") == 0)
        return parse_double(value, &opt->latency_seconds, 0);
    else if (strcmp(key, "catchup-timeout") == 0)
        return parse_double(value, &opt->catchup_timeout_s, 0);
    else if (strcmp(key, "pid") == 0 && parse_size(value, &n, 1))
        opt->pid = (long)n;
    else if (strcmp(key, "timeout-ms") == 0 && parse_size(value, &n, 1) && n <= 3600000)
        opt->timeout_ms = (int)n;
    else if (strcmp(key, "partitions") == 0 && parse_size(value, &n, 1) && n <= 65536)
        opt->partitions = (unsigned)n;
    else if (strcmp(key, "copy-table") == 0 && (strcmp(value, "temp") == 0 || strcmp(value, "regular") == 0))
        opt->copy_table = strcmp(value, "temp") == 0 ? BENCH_COPY_TEMP : BENCH_COPY_REGULAR;
    else
        return false;
    return true;
}

/* Returns -1 to go on, or an exit code. */
static int parse_options(int argc, char **argv, options *opt)
{
    default_options(opt);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        const char *eq = strchr(argv[i], '=');
        char key[64];
        if (strncmp(argv[i], "--", 2) != 0 || !eq || (size_t)(eq - argv[i] - 2) >= sizeof key) {
            fprintf(stderr, "bench_ingest: expected --key=value, got %s\n", argv[i]);
            return 2;
        }
        snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i] - 2), argv[i] + 2);
        if (!apply_option(opt, key, eq + 1)) {
            fprintf(stderr, "bench_ingest: unknown option or bad value: %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

static bool load_input(const options *opt, bench_events *events)
{
    FILE *in = opt->input ? fopen(opt->input, "r") : stdin;
    if (!in) {
        fprintf(stderr, "bench_ingest: cannot open %s: %s\n", opt->input, strerror(errno));
        return false;
    }
    char err[512];
    bool ok = bench_events_load(in, events, err, sizeof err);
    if (in != stdin)
        fclose(in);
    if (!ok)
        fprintf(stderr, "bench_ingest: %s\n", err);
    else if (events->count == 0)
        fprintf(stderr, "bench_ingest: no events in the input\n");
    return ok && events->count > 0;
}

/* Frames of the latency phase: rate * seconds events, the input cycled, pass
 * k's ids prefixed with PREFIX "L<k>:" so none repeats an earlier id. */
static bool build_latency_batches(const options *opt, const bench_events *events, bench_batches *out,
                                  char *err, size_t errlen)
{
    size_t wanted = (size_t)(opt->rate * opt->latency_seconds + 0.5);
    for (size_t pass = 0; wanted > 0; pass++) {
        size_t n = wanted < events->count ? wanted : events->count;
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%sL%zu:", opt->id_prefix, pass);
        if (!bench_batches_append(out, events, 0, n, prefix, opt->latency_batch, opt->max_frame, err, errlen))
            return false;
        wanted -= n;
    }
    return true;
}

/* Frames of the throughput phase: the input opt->passes times; the first
 * pass keeps the run's prefix, pass k > 0 adds "P<k>:" so no id repeats. */
static bool build_throughput_batches(const options *opt, const bench_events *events, bench_batches *out,
                                     char *err, size_t errlen)
{
    for (size_t pass = 0; pass < opt->passes; pass++) {
        char prefix[160];
        if (pass == 0)
            snprintf(prefix, sizeof prefix, "%s", opt->id_prefix);
        else
            snprintf(prefix, sizeof prefix, "%sP%zu:", opt->id_prefix, pass);
        if (!bench_batches_append(out, events, 0, events->count, prefix, opt->batch, opt->max_frame, err, errlen))
            return false;
    }
    return true;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for the plugins before the latency phase and the COPY reference, so
 * that neither is measured while plugins still work through the backlog. */
static bool wait_for_plugins(const options *opt, results *res, double tp_started, char *err, size_t errlen)
{
    fprintf(stderr, "bench_ingest: waiting for the plugins to process the log (up to %.0f s)...\n",
            opt->catchup_timeout_s);
    if (!bench_wait_plugins(opt->database, opt->catchup_timeout_s, 50, &res->catchup_lagging, err, errlen))
        return false;
    res->catchup_seconds = monotonic_seconds() - tp_started;
    res->catchup_done = true;
    return true;
}

static bool run_broker_phases(const options *opt, const bench_events *events, results *res)
{
    char err[512];
    bench_batches tp_batches = {0}, lat_batches = {0};
    bool ok = build_throughput_batches(opt, events, &tp_batches, err, sizeof err) &&
              build_latency_batches(opt, events, &lat_batches, err, sizeof err);
    res->frames = tp_batches.count;
    void *ctx = ok ? zmq_ctx_new() : NULL;
    void *sock = ctx ? bench_dealer_open(ctx, opt->ingress, err, sizeof err) : NULL;
    ok = ok && sock;
    double tp_started = monotonic_seconds();
    if (ok) {
        fprintf(stderr, "bench_ingest: throughput phase, %zu events in %zu frames...\n",
                tp_batches.events, tp_batches.count);
        ok = res->tp_done = bench_run_throughput(sock, &tp_batches, opt->window, opt->timeout_ms,
                                                 &res->tp, err, sizeof err);
    }
    if (ok && opt->database && opt->catchup_timeout_s > 0)
        ok = wait_for_plugins(opt, res, tp_started, err, sizeof err);
    if (ok && lat_batches.count) {
        fprintf(stderr, "bench_ingest: latency phase, %zu events at %.0f events/s...\n",
                lat_batches.events, opt->rate);
        ok = res->lat_done = bench_run_latency(sock, &lat_batches, opt->rate, opt->timeout_ms,
                                               &res->lat, err, sizeof err);
    }
    if (!ok)
        fprintf(stderr, "bench_ingest: %s\n", err);
    bench_dealer_close(sock);
    if (ctx)
        zmq_ctx_term(ctx);
    bench_batches_free(&tp_batches);
    bench_batches_free(&lat_batches);
    return ok;
}

static bool run_copy_reference(const options *opt, const bench_events *events, results *res)
{
    char err[1024];
    fprintf(stderr, "bench_ingest: COPY reference, %zu rows...\n", events->count);
    res->copy_done = bench_copy_reference(opt->database, events, opt->id_prefix, opt->partitions,
                                          opt->copy_table, &res->copy, err, sizeof err);
    if (!res->copy_done) {
        fprintf(stderr, "bench_ingest: COPY reference: %s\n", err);
        return false;
    }
    snprintf(res->pg_version, sizeof res->pg_version, "%s", res->copy.server_version);
    return true;
}

static double per_second(size_t n, double seconds)
{
    return seconds > 0 ? (double)n / seconds : 0;
}

static void print_counts(const char *indent, const bench_status_counts *c, size_t short_replies)
{
    printf("%sstatuses     accepted %zu, duplicate %zu, rejected %zu, retry %zu, other %zu\n",
           indent, c->accepted, c->duplicate, c->rejected, c->retry, c->other);
    if (c->first_problem[0])
        printf("%sfirst error  %s\n", indent, c->first_problem);
    if (short_replies)
        printf("%sWARNING      %zu replies answered fewer events than their frame held (frame refused as a whole?)\n",
               indent, short_replies);
}

static void print_block(const options *opt, const bench_events *events, const results *r)
{
    printf("\nRapport ingest benchmark\n");
    printf("  machine        %ld CPUs, %s, %.1f GiB RAM\n", r->machine.cpus, r->machine.cpu_model,
           (double)r->machine.ram_kib / (1024.0 * 1024.0));
    printf("  PostgreSQL     %s\n", r->pg_version[0] ? r->pg_version : "(no --database given)");
    printf("  input          %zu events, %.1f MB as JSON, %.1f MB as msgpack; id prefix \"%s\"\n",
           events->count, (double)events->json_bytes / 1e6, (double)events->msgpack_bytes / 1e6, opt->id_prefix);
    if (r->tp_done) {
        printf("  throughput     %.0f events/s  (%zu events in %.3f s; %zu frames of <= %zu, window %zu, "
               "%zu pass%s)\n",
               per_second(r->tp.events, r->tp.seconds), r->tp.events, r->tp.seconds, r->frames, opt->batch,
               opt->window, opt->passes, opt->passes == 1 ? "" : "es");
        print_counts("                 ", &r->tp.counts, r->tp.short_replies);
    }
    if (r->catchup_done && r->catchup_lagging == 0)
        printf("  plugins        %.0f events/s  (every loaded plugin had processed the %zu events %.3f s after "
               "the first frame)\n",
               per_second(r->tp.events, r->catchup_seconds), r->tp.events, r->catchup_seconds);
    else if (r->catchup_done)
        printf("  plugins        NOT caught up after %.0f s (%zu plugin partitions behind)\n", r->catchup_seconds,
               r->catchup_lagging);
    if (r->lat_done) {
        printf("  latency        p50 %.2f ms, p99 %.2f ms, max %.2f ms per frame ack  (offered %.0f events/s "
               "in frames of %zu, achieved %.0f events/s over %.2f s)\n",
               r->lat.p50_ms, r->lat.p99_ms, r->lat.max_ms, r->lat.offered_rate, opt->latency_batch,
               per_second(r->lat.events, r->lat.seconds), r->lat.seconds);
        print_counts("                 ", &r->lat.counts, r->lat.short_replies);
    }
    if (r->rss_done)
        printf("  broker memory  peak RSS %.1f MiB (VmHWM), now %.1f MiB, pid %ld\n",
               (double)r->rss_peak_kib / 1024.0, (double)r->rss_now_kib / 1024.0, opt->pid);
    if (r->copy_done) {
        printf("  COPY reference %.0f rows/s  (%zu rows in %.3f s, %s table with the columns and keys of events, "
               "one transaction)\n",
               per_second(r->copy.rows, r->copy.seconds), r->copy.rows, r->copy.seconds,
               opt->copy_table == BENCH_COPY_TEMP ? "temp (unlogged)" : "regular (logged)");
        if (r->tp_done)
            printf("  ingest / COPY  %.3f\n",
                   per_second(r->tp.events, r->tp.seconds) / per_second(r->copy.rows, r->copy.seconds));
    }
    printf("\n");
}

static json_t *counts_json(const bench_status_counts *c)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I}", "accepted", (json_int_t)c->accepted, "duplicate",
                     (json_int_t)c->duplicate, "rejected", (json_int_t)c->rejected, "retry",
                     (json_int_t)c->retry, "other", (json_int_t)c->other);
}

static void print_json_line(const options *opt, const bench_events *events, const results *r)
{
    json_t *doc = json_pack("{s:s,s:{s:I,s:s,s:I},s:s?,s:I,s:s}", "bench", "ingest",
                            "machine", "cpus", (json_int_t)r->machine.cpus, "cpu_model", r->machine.cpu_model,
                            "ram_kib", (json_int_t)r->machine.ram_kib,
                            "postgres", r->pg_version[0] ? r->pg_version : NULL,
                            "events", (json_int_t)events->count, "id_prefix", opt->id_prefix);
    if (!doc)
        return;
    if (r->tp_done)
        json_object_set_new(doc, "throughput",
                            json_pack("{s:f,s:I,s:I,s:f,s:I,s:I,s:o}", "events_per_s",
                                      per_second(r->tp.events, r->tp.seconds), "events", (json_int_t)r->tp.events,
                                      "passes", (json_int_t)opt->passes, "seconds", r->tp.seconds,
                                      "batch", (json_int_t)opt->batch, "window", (json_int_t)opt->window,
                                      "statuses", counts_json(&r->tp.counts)));
    if (r->catchup_done)
        json_object_set_new(doc, "plugins",
                            json_pack("{s:b,s:f,s:f,s:I}", "caught_up", r->catchup_lagging == 0, "seconds",
                                      r->catchup_seconds, "events_per_s",
                                      r->catchup_lagging == 0 ? per_second(r->tp.events, r->catchup_seconds) : 0.0,
                                      "lagging_partitions", (json_int_t)r->catchup_lagging));
    if (r->lat_done)
        json_object_set_new(doc, "latency",
                            json_pack("{s:f,s:I,s:f,s:f,s:f,s:f,s:I,s:o}", "offered_per_s", r->lat.offered_rate,
                                      "batch", (json_int_t)opt->latency_batch, "achieved_per_s",
                                      per_second(r->lat.events, r->lat.seconds), "p50_ms", r->lat.p50_ms,
                                      "p99_ms", r->lat.p99_ms, "max_ms", r->lat.max_ms,
                                      "events", (json_int_t)r->lat.events, "statuses", counts_json(&r->lat.counts)));
    if (r->rss_done)
        json_object_set_new(doc, "broker_rss_peak_kib", json_integer(r->rss_peak_kib));
    if (r->copy_done) {
        double copy_rate = per_second(r->copy.rows, r->copy.seconds);
        json_object_set_new(doc, "copy", json_pack("{s:f,s:I,s:f,s:s}", "rows_per_s", copy_rate, "rows",
                                                   (json_int_t)r->copy.rows, "seconds", r->copy.seconds, "table",
                                                   opt->copy_table == BENCH_COPY_TEMP ? "temp" : "regular"));
        if (r->tp_done && copy_rate > 0)
            json_object_set_new(doc, "ingest_to_copy", json_real(per_second(r->tp.events, r->tp.seconds) / copy_rate));
    }
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(doc);
}

int main(int argc, char **argv)
{
    options opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc >= 0)
        return rc;
    bench_events events = {0};
    if (!load_input(&opt, &events)) {
        bench_events_free(&events);
        return 1;
    }
    results res;
    memset(&res, 0, sizeof res);
    bench_machine_describe(&res.machine);
    bool ok = run_broker_phases(&opt, &events, &res);
    if (opt.pid) {
        res.rss_done = bench_process_memory(opt.pid, &res.rss_peak_kib, &res.rss_now_kib);
        if (!res.rss_done)
            fprintf(stderr, "bench_ingest: cannot read /proc/%ld/status\n", opt.pid);
    }
    if (ok && opt.database)
        ok = run_copy_reference(&opt, &events, &res);
    else if (opt.database) {
        char err[512];
        if (!bench_pg_version(opt.database, res.pg_version, sizeof res.pg_version, err, sizeof err))
            fprintf(stderr, "bench_ingest: %s\n", err);
    }
    print_block(&opt, &events, &res);
    print_json_line(&opt, &events, &res);
    bench_events_free(&events);
    return ok ? 0 : 1;
}
