/*
 * log.c - structured log lines on stderr (log.h). Each record is formatted
 * into one buffer and written with a single write(2), so lines from
 * different threads never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RP_LOG_LINE_MAX 8192

static rp_level min_level = RP_INFO;
static bool json_format = false;

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

bool rp_log_configure(const char *format, const char *level)
{
    bool json = false;
    if (format && strcmp(format, "json") == 0)
        json = true;
    else if (format && *format && strcmp(format, "kv") != 0)
        return false;
    for (int i = RP_DEBUG; i <= RP_ERR; i++)
        if (level && strcmp(level, LEVEL_NAMES[i]) == 0) {
            min_level = (rp_level)i;
            json_format = json;
            return true;
        }
    return false;
}

bool rp_log_enabled(rp_level level)
{
    return level >= min_level;
}

static size_t format_ts(char *out, size_t size)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    return n + (size_t)snprintf(out + n, size - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

typedef struct line {
    char text[RP_LOG_LINE_MAX];
    size_t len;
} line;

static void put(line *l, const char *s, size_t n)
{
    size_t room = sizeof l->text - 16 - l->len;   /* keep room for the marker */
    if (n > room)
        n = room;
    memcpy(l->text + l->len, s, n);
    l->len += n;
}

static void put_str(line *l, const char *s)
{
    put(l, s, strlen(s));
}

static void put_json_string(line *l, const char *s, size_t n)
{
    put(l, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(l, esc, 2);
        } else if (c == '\n') {
            put(l, "\\n", 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(l, esc, 6);
        } else {
            put(l, (const char *)&s[i], 1);
        }
    }
    put(l, "\"", 1);
}

/* Appends the "k=v k2="quoted v"" fields as JSON members. */
static void put_json_fields(line *l, const char *fields)
{
    const char *p = fields;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *eq = strchr(p, '=');
        if (!*p || !eq)
            break;
        const char *v = eq + 1, *end;
        if (*v == '"') {
            v++;
            end = v;
            while (*end && !(*end == '"' && end[-1] != '\\'))
                end++;
            put(l, ",", 1);
            put_json_string(l, p, (size_t)(eq - p));
            put(l, ":", 1);
            put_json_string(l, v, (size_t)(end - v));
            p = *end ? end + 1 : end;
        } else {
            end = strchr(v, ' ');
            if (!end)
                end = v + strlen(v);
            put(l, ",", 1);
            put_json_string(l, p, (size_t)(eq - p));
            put(l, ":", 1);
            put_json_string(l, v, (size_t)(end - v));
            p = end;
        }
    }
}

static void build_kv(line *l, const char *ts, rp_level level, const char *comp, const char *msg,
                     const char *fields)
{
    put_str(l, "ts=");
    put_str(l, ts);
    put_str(l, " level=");
    put_str(l, LEVEL_NAMES[level]);
    put_str(l, " comp=");
    put_str(l, comp);
    put_str(l, " msg=\"");
    put_str(l, msg);
    put_str(l, "\"");
    if (fields[0]) {
        put_str(l, " ");
        put_str(l, fields);
    }
}

static void build_json(line *l, const char *ts, rp_level level, const char *comp, const char *msg,
                       const char *fields)
{
    put_str(l, "{\"ts\":\"");
    put_str(l, ts);
    put_str(l, "\",\"level\":\"");
    put_str(l, LEVEL_NAMES[level]);
    put_str(l, "\",\"comp\":");
    put_json_string(l, comp, strlen(comp));
    put_str(l, ",\"msg\":");
    put_json_string(l, msg, strlen(msg));
    put_json_fields(l, fields);
    put_str(l, "}");
}

void rp_log(rp_level level, const char *component, const char *msg, const char *kv_fmt, ...)
{
    if (!rp_log_enabled(level))
        return;
    char fields[RP_LOG_LINE_MAX / 2] = "";
    if (kv_fmt && *kv_fmt) {
        va_list ap;
        va_start(ap, kv_fmt);
        vsnprintf(fields, sizeof fields, kv_fmt, ap);
        va_end(ap);
    }
    char ts[40];
    format_ts(ts, sizeof ts);
    line l;
    l.len = 0;
    if (json_format)
        build_json(&l, ts, level, component, msg, fields);
    else
        build_kv(&l, ts, level, component, msg, fields);
    if (l.len >= sizeof l.text - 16 - 1)
        memcpy(l.text + l.len, " [truncated]", 12), l.len += 12;
    l.text[l.len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, l.text, l.len);
    (void)ignored;
}
