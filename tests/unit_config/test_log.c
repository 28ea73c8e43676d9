/*
 * test_log.c - structured log lines (core/src/log.c): the exact kv and JSON
 * text (timestamp checked for shape, then replaced by TS), escaping, level
 * filtering, truncation of long records, and whole lines under threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "log.h"

/* ------------------------------------------------------------ capture */

static FILE *capture_file;
static int saved_stderr = -1;

static void begin_capture(void)
{
    capture_file = tmpfile();
    assert_non_null(capture_file);
    saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(fileno(capture_file), STDERR_FILENO) >= 0);
}

/* Stops capturing; returns what was written (malloc'd). */
static char *end_capture(void)
{
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    assert_int_equal(fseek(capture_file, 0, SEEK_END), 0);
    long size = ftell(capture_file);
    assert_true(size >= 0);
    rewind(capture_file);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    size_t n = fread(text, 1, (size_t)size, capture_file);
    text[n] = '\0';
    fclose(capture_file);
    return text;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* True if s starts with a UTC ISO-8601 time with milliseconds,
 * 2026-11-22T10:00:00.123Z. */
static bool is_timestamp(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; i < sizeof shape - 1; i++)
        if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
            return false;
    return true;
}

/* Replaces the timestamp of every line (after "ts=" or "{"ts":"") with TS,
 * failing if one is missing or malformed. */
static char *without_ts(char *text)
{
    static const char *const prefixes[] = {"ts=", "{\"ts\":\""};
    char *out = malloc(strlen(text) + 1), *o = out;
    assert_non_null(out);
    for (char *line = text; *line;) {
        size_t prefix_len = 0;
        for (size_t p = 0; p < 2; p++)
            if (strncmp(line, prefixes[p], strlen(prefixes[p])) == 0)
                prefix_len = strlen(prefixes[p]);
        if (!prefix_len || !is_timestamp(line + prefix_len))
            fail_msg("line without a timestamp: %.80s", line);
        memcpy(o, line, prefix_len);
        o += prefix_len;
        memcpy(o, "TS", 2);
        o += 2;
        line += prefix_len + 24;
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        memcpy(o, line, len);
        o += len;
        line += len;
    }
    *o = '\0';
    free(text);
    return out;
}

/* Every line of text must be one valid JSON object. */
static void assert_json_lines(const char *text)
{
    char *copy = strdup(text), *save = NULL;
    assert_non_null(copy);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t error;
        json_t *obj = json_loads(line, 0, &error);
        if (!obj || !json_is_object(obj))
            fail_msg("not a JSON object (%s): %.200s", error.text, line);
        json_decref(obj);
    }
    free(copy);
}

static void assert_log(const char *expected, char *captured)
{
    char *text = without_ts(captured);
    assert_string_equal(text, expected);
    free(text);
}

/* ------------------------------------------------------------ kv */

static void kv_lines_exact(void **state)
{
    assert_true(rp_log_configure("kv", "info"));
    begin_capture();
    rp_log(RP_INFO, "ingress", "listening", "endpoint=%s queue=%d", "tcp://127.0.0.1:7450", 20000);
    rp_log(RP_WARN, "worker", "plugin failed", "plugin=scoring error=\"%s\"", "no such table");
    rp_log(RP_ERR, "broker", "stopped", NULL);
    rp_log(RP_INFO, "broker", "empty fields", "%s", "");
    assert_log("ts=TS level=info comp=ingress msg=\"listening\" endpoint=tcp://127.0.0.1:7450 queue=20000\n"
               "ts=TS level=warn comp=worker msg=\"plugin failed\" plugin=scoring error=\"no such table\"\n"
               "ts=TS level=error comp=broker msg=\"stopped\"\n"
               "ts=TS level=info comp=broker msg=\"empty fields\"\n",
               end_capture());
}

static void kv_keeps_a_record_on_one_line(void **state)
{
    assert_true(rp_log_configure("kv", "debug"));
    begin_capture();
    rp_log(RP_DEBUG, "db", "say \"hi\"\nnow\\", "error=\"%s\" tab=%s", "line1\nline2", "a\tb\x01");
    rp_log(RP_INFO, NULL, NULL, NULL);
    assert_log("ts=TS level=debug comp=db msg=\"say \\\"hi\\\"\\nnow\\\\\" error=\"line1\\nline2\" tab=a\\tb\\x01\n"
               "ts=TS level=info comp=- msg=\"\"\n",
               end_capture());
}

/* ------------------------------------------------------------ json */

static void json_lines_exact(void **state)
{
    assert_true(rp_log_configure("json", "info"));
    begin_capture();
    rp_log(RP_INFO, "ingress", "listening", "endpoint=%s queue=%d", "tcp://127.0.0.1:7450", 20000);
    rp_log(RP_ERR, "broker", "stopped", NULL);
    char *text = end_capture();
    assert_json_lines(text);
    assert_log("{\"ts\":\"TS\",\"level\":\"info\",\"comp\":\"ingress\",\"msg\":\"listening\","
               "\"endpoint\":\"tcp://127.0.0.1:7450\",\"queue\":\"20000\"}\n"
               "{\"ts\":\"TS\",\"level\":\"error\",\"comp\":\"broker\",\"msg\":\"stopped\"}\n",
               text);
}

static void json_quoted_values(void **state)
{
    assert_true(rp_log_configure("json", "info"));
    begin_capture();
    /* spaces; a quote inside (from %s of a server message); \" and \\ */
    rp_log(RP_INFO, "c", "m", "error=\"%s\" events=3", "no such table");
    rp_log(RP_INFO, "c", "m", "error=\"%s\"", "relation \"x\" does not exist");
    rp_log(RP_INFO, "c", "m", "item=\"a \\\"b\\\" c:\\\\d\" n=1");
    /* empty value, a bare word, extra spaces, an unterminated quote */
    rp_log(RP_INFO, "c", "m", "lone empty=\"\"   spaced=1  open=\"abc def");
    char *text = end_capture();
    assert_json_lines(text);
    assert_log("{\"ts\":\"TS\",\"level\":\"info\",\"comp\":\"c\",\"msg\":\"m\",\"error\":\"no such table\",\"events\":\"3\"}\n"
               "{\"ts\":\"TS\",\"level\":\"info\",\"comp\":\"c\",\"msg\":\"m\",\"error\":\"relation \\\"x\\\" does not exist\"}\n"
               "{\"ts\":\"TS\",\"level\":\"info\",\"comp\":\"c\",\"msg\":\"m\",\"item\":\"a \\\"b\\\" c:\\\\d\",\"n\":\"1\"}\n"
               "{\"ts\":\"TS\",\"level\":\"info\",\"comp\":\"c\",\"msg\":\"m\",\"lone\":\"\",\"empty\":\"\","
               "\"spaced\":\"1\",\"open\":\"abc def\"}\n",
               text);
}

static void json_escapes_control_characters_and_bad_utf8(void **state)
{
    assert_true(rp_log_configure("json", "info"));
    begin_capture();
    rp_log(RP_INFO, "c\"omp", "a\"b\\c\nd\re\tf\x01g\x7fh", "error=\"%s\" name=%s", "x\ny", "caf\xc3\xa9\xff");
    char *text = end_capture();
    assert_json_lines(text);
    assert_log("{\"ts\":\"TS\",\"level\":\"info\",\"comp\":\"c\\\"omp\","
               "\"msg\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007fh\","
               "\"error\":\"x\\ny\",\"name\":\"caf\xc3\xa9\\ufffd\"}\n",
               text);
}

/* ------------------------------------------------------------ levels */

static void level_filtering(void **state)
{
    assert_true(rp_log_configure("kv", "warn"));
    assert_false(rp_log_enabled(RP_DEBUG));
    assert_false(rp_log_enabled(RP_INFO));
    assert_true(rp_log_enabled(RP_WARN));
    assert_true(rp_log_enabled(RP_ERR));
    begin_capture();
    rp_log(RP_DEBUG, "c", "debug", NULL);
    rp_log(RP_INFO, "c", "info", NULL);
    rp_log(RP_WARN, "c", "warn", NULL);
    rp_log(RP_ERR, "c", "error", NULL);
    assert_log("ts=TS level=warn comp=c msg=\"warn\"\nts=TS level=error comp=c msg=\"error\"\n", end_capture());

    assert_true(rp_log_configure("kv", "error"));
    assert_false(rp_log_enabled(RP_WARN));
    assert_true(rp_log_configure("kv", "debug"));
    assert_true(rp_log_enabled(RP_DEBUG));
}

static void bad_settings_are_refused_and_change_nothing(void **state)
{
    assert_true(rp_log_configure("json", "warn"));
    assert_false(rp_log_configure("xml", "info"));
    assert_false(rp_log_configure("kv", "verbose"));
    assert_false(rp_log_configure("kv", "INFO"));
    assert_false(rp_log_enabled(RP_INFO));          /* still warn */
    begin_capture();
    rp_log(RP_WARN, "c", "m", NULL);
    assert_log("{\"ts\":\"TS\",\"level\":\"warn\",\"comp\":\"c\",\"msg\":\"m\"}\n", end_capture());
    assert_true(rp_log_configure(NULL, ""));        /* unset: kv at info */
    assert_true(rp_log_enabled(RP_INFO));
    assert_false(rp_log_enabled(RP_DEBUG));
}

/* ------------------------------------------------------------ truncation */

#define LINE_MAX_BYTES 8192

static char *repeat(const char *unit, size_t times)
{
    size_t len = strlen(unit);
    char *s = malloc(len * times + 1);
    assert_non_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * len, unit, len);
    s[len * times] = '\0';
    return s;
}

/* One line, at most LINE_MAX_BYTES, ending with marker and '\n'. */
static void assert_one_cut_line(const char *text, const char *marker)
{
    size_t len = strlen(text);
    assert_true(len <= LINE_MAX_BYTES);
    assert_ptr_equal(strchr(text, '\n'), text + len - 1);
    size_t mlen = strlen(marker);
    assert_true(len > mlen + 1000);
    assert_memory_equal(text + len - 1 - mlen, marker, mlen);
}

static void long_kv_records_are_cut_and_marked(void **state)
{
    char *long_value = repeat("a", 20000);
    assert_true(rp_log_configure("kv", "info"));

    begin_capture();
    rp_log(RP_INFO, "c", "m", "data=%s", long_value);
    char *text = end_capture();
    assert_one_cut_line(text, "aaa truncated=true");
    free(text);

    /* a cut inside a quoted value closes the quote */
    begin_capture();
    rp_log(RP_INFO, "c", "m", "error=\"%s\"", long_value);
    text = end_capture();
    assert_one_cut_line(text, "aaa\" truncated=true");
    free(text);

    begin_capture();
    rp_log(RP_INFO, "c", long_value, "n=1");
    text = end_capture();
    assert_one_cut_line(text, "aaa\" truncated=true");
    free(text);
    free(long_value);
}

static void long_json_records_stay_valid_json(void **state)
{
    static const char *const units[] = {"a", "\xc3\xa9", "\"", "\n", "\xe2\x82\xac"};
    assert_true(rp_log_configure("json", "info"));
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        char *long_value = repeat(units[u], 12000);
        /* in the message, in a plain value, in a quoted value */
        begin_capture();
        rp_log(RP_INFO, "c", long_value, "n=1");
        rp_log(RP_INFO, "c", "m", "first=1 data=%s", long_value);
        rp_log(RP_INFO, "c", "m", "first=1 data=\"%s\" last=2", long_value);
        char *text = end_capture();
        assert_json_lines(text);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            size_t len = strlen(line);
            assert_true(len + 1 <= LINE_MAX_BYTES);
            assert_true(len > 4000);
            assert_string_equal(line + len - 18, ",\"truncated\":true}");
        }
        free(text);
        free(long_value);
    }
}

static void records_that_fit_are_not_marked(void **state)
{
    char *value = repeat("b", 4000);
    assert_true(rp_log_configure("json", "info"));
    begin_capture();
    rp_log(RP_INFO, "c", "m", "data=%s", value);
    char *text = end_capture();
    assert_null(strstr(text, "truncated"));
    assert_json_lines(text);
    free(text);
    free(value);
}

/* ------------------------------------------------------------ threads */

#define THREADS 8
#define LINES_PER_THREAD 40
#define PAD_BYTES 6000          /* above PIPE_BUF: a pipe alone would interleave */

typedef struct pipe_reader {
    int fd;
    char *text;
    size_t len, cap;
} pipe_reader;

static void *drain_pipe(void *arg)
{
    pipe_reader *r = arg;
    char buf[65536];
    ssize_t n;
    while ((n = read(r->fd, buf, sizeof buf)) > 0) {
        if (r->len + (size_t)n + 1 > r->cap) {
            r->cap = (r->len + (size_t)n + 1) * 2;
            r->text = realloc(r->text, r->cap);
            if (!r->text)
                abort();
        }
        memcpy(r->text + r->len, buf, (size_t)n);
        r->len += (size_t)n;
    }
    if (r->text)
        r->text[r->len] = '\0';
    return NULL;
}

static void *log_lines(void *arg)
{
    int id = (int)(intptr_t)arg;
    char pad[PAD_BYTES + 1];
    memset(pad, 'a' + id, PAD_BYTES);
    pad[PAD_BYTES] = '\0';
    for (int i = 0; i < LINES_PER_THREAD; i++)
        rp_log(RP_INFO, "t", "m", "thread=%d pad=%s end=%d", id, pad, id);
    return NULL;
}

/* A whole line: "... thread=N pad=<N's letter * PAD_BYTES> end=N". */
static void assert_whole_line(const char *line, int *counts)
{
    const char *t = strstr(line, " thread=");
    assert_non_null(t);
    int id = t[8] - '0';
    assert_true(id >= 0 && id < THREADS);
    const char *pad = t + 9 + 5;                       /* " pad=" */
    assert_memory_equal(t + 9, " pad=", 5);
    for (size_t i = 0; i < PAD_BYTES; i++)
        assert_int_equal(pad[i], 'a' + id);
    char tail[16];
    snprintf(tail, sizeof tail, " end=%d", id);
    assert_string_equal(pad + PAD_BYTES, tail);
    counts[id]++;
}

static void threads_never_interleave(void **state)
{
    assert_true(rp_log_configure("kv", "info"));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pipe_reader reader = {.fd = fds[0]};
    pthread_t drain, writers[THREADS];
    assert_int_equal(pthread_create(&drain, NULL, drain_pipe, &reader), 0);
    int saved = dup(STDERR_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[1]);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&writers[t], NULL, log_lines, (void *)(intptr_t)t), 0);
    for (int t = 0; t < THREADS; t++)
        pthread_join(writers[t], NULL);
    dup2(saved, STDERR_FILENO);                        /* closes the pipe's last write end */
    close(saved);
    pthread_join(drain, NULL);
    close(fds[0]);

    int counts[THREADS] = {0};
    char *save = NULL;
    assert_non_null(reader.text);
    for (char *line = strtok_r(reader.text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        assert_whole_line(line, counts);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(counts[t], LINES_PER_THREAD);
    free(reader.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kv_lines_exact),
        cmocka_unit_test(kv_keeps_a_record_on_one_line),
        cmocka_unit_test(json_lines_exact),
        cmocka_unit_test(json_quoted_values),
        cmocka_unit_test(json_escapes_control_characters_and_bad_utf8),
        cmocka_unit_test(level_filtering),
        cmocka_unit_test(bad_settings_are_refused_and_change_nothing),
        cmocka_unit_test(long_kv_records_are_cut_and_marked),
        cmocka_unit_test(long_json_records_stay_valid_json),
        cmocka_unit_test(records_that_fit_are_not_marked),
        cmocka_unit_test(threads_never_interleave),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
