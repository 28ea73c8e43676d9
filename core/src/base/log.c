/*
 * log.c - structured log lines on stderr (log.h).
 *
 * Each record is built in one buffer and written under a mutex, so lines
 * from different threads never interleave, whatever stderr is (a pipe only
 * guarantees atomic writes up to PIPE_BUF). A record longer than
 * LOG_LINE_MAX is cut at a character boundary, its open string closed, and
 * marked truncated=true, so a cut line still parses (kv) or is valid JSON.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 8192
/* Kept free at the end of a line for a closing quote, the truncation
 * marker, '}' and '\n'. */
#define LOG_RESERVE 32

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

/* Read on every call from every thread; set once at start-up. */
static atomic_int min_level = RP_INFO;
static atomic_bool json_format = false;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static bool parse_level(const char *name, rp_level *out)
{
    for (int i = RP_DEBUG; i <= RP_ERR; i++)
        if (strcmp(name, LEVEL_NAMES[i]) == 0) {
            *out = (rp_level)i;
            return true;
        }
    return false;
}

bool rp_log_configure(const char *format, const char *level)
{
    bool json;
    rp_level lvl = RP_INFO;
    if (!format || !*format || strcmp(format, "kv") == 0)
        json = false;
    else if (strcmp(format, "json") == 0)
        json = true;
    else
        return false;
    if (level && *level && !parse_level(level, &lvl))
        return false;
    atomic_store(&json_format, json);
    atomic_store(&min_level, (int)lvl);
    return true;
}

bool rp_log_enabled(rp_level level)
{
    return (int)level >= atomic_load(&min_level);
}

/* ------------------------------------------------------------ the line */

typedef struct line {
    char text[LOG_LINE_MAX];
    size_t len;
    bool truncated;      /* something was left out; nothing more is added */
} line;

static size_t room(const line *l)
{
    return sizeof l->text - LOG_RESERVE - l->len;
}

/* Appends s whole, or nothing and marks the line truncated: an escape
 * sequence or a UTF-8 character is never split. */
static bool put_unit(line *l, const char *s, size_t n)
{
    if (l->truncated || n > room(l)) {
        l->truncated = true;
        return false;
    }
    memcpy(l->text + l->len, s, n);
    l->len += n;
    return true;
}

static bool put_str(line *l, const char *s)
{
    return put_unit(l, s, strlen(s));
}

/* Written into the reserve: always fits, even on a truncated line. */
static void put_closing(line *l, const char *s)
{
    size_t n = strlen(s);
    if (l->len + n <= sizeof l->text) {
        memcpy(l->text + l->len, s, n);
        l->len += n;
    }
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
    size_t len;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Escape for a byte in a JSON string or a kv quoted value; NULL if the byte
 * is written as is. Control characters become \uXXXX in JSON and \xXX in kv
 * so that a record stays on one line. */
static const char *escape_of(unsigned char c, bool json, char buf[8])
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: break;
    }
    if (c < 0x20 || c == 0x7F) {
        snprintf(buf, 8, json ? "\\u%04x" : "\\x%02x", c);
        return buf;
    }
    return NULL;
}

/* Appends n bytes of s escaped; keep_quotes leaves '"' and '\\' alone (kv
 * extra fields, where the caller's quoting is meant to be seen). */
static void put_escaped(line *l, const char *s, size_t n, bool json, bool keep_quotes)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n && !l->truncated;) {
        char buf[8];
        const char *esc = escape_of(p[i], json, buf);
        if (esc && keep_quotes && (p[i] == '"' || p[i] == '\\'))
            esc = NULL;
        if (esc) {
            put_str(l, esc);
            i++;
            continue;
        }
        size_t len = utf8_length(p + i, n - i);
        if (len == 0) {             /* invalid UTF-8: JSON must stay valid */
            put_str(l, json ? "\\ufffd" : "?");
            i++;
            continue;
        }
        put_unit(l, s + i, len);
        i += len;
    }
}

/* A quoted string, closed even when its content was cut. */
static void put_quoted(line *l, const char *s, size_t n, bool json)
{
    if (l->truncated)
        return;
    if (!put_unit(l, "\"", 1)) {
        put_closing(l, "\"\"");  /* the key before it is on the line */
        return;
    }
    put_escaped(l, s, n, json, false);
    put_closing(l, "\"");
}

/* ------------------------------------------------------------ kv */

/* True if an unbalanced '"' was left open in what the line holds of the
 * extra fields, so a cut line can close it. */
static bool quote_open(const char *s, size_t n)
{
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n)
            i++;
        else if (s[i] == '"')
            open = !open;
    }
    return open;
}

static void build_kv(line *l, const char *ts, rp_level level, const char *comp, const char *msg,
                     const char *fields, bool fields_cut)
{
    put_str(l, "ts=");
    put_str(l, ts);
    put_str(l, " level=");
    put_str(l, LEVEL_NAMES[level]);
    put_str(l, " comp=");
    put_escaped(l, comp, strlen(comp), false, true);
    put_str(l, " msg=");
    put_quoted(l, msg, strlen(msg), false);
    if (fields[0] && put_str(l, " ")) {
        size_t start = l->len;
        put_escaped(l, fields, strlen(fields), false, true);
        if (l->truncated && quote_open(l->text + start, l->len - start))
            put_closing(l, "\"");
    }
    if (l->truncated || fields_cut)
        put_closing(l, " truncated=true");
}

/* ------------------------------------------------------------ json */

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* True if p starts a new "key=" pair. */
static bool starts_pair(const char *p)
{
    const char *q = p;
    while (is_key_char(*q))
        q++;
    return q > p && *q == '=';
}

/* The closing quote of a value that began just before v: the first '"'
 * not escaped by '\\' that ends the text or is followed by spaces and a
 * new key=. A quote inside the value (error="relation "x" does not exist")
 * is therefore kept, as a caller formatting a message with %s would want. */
static const char *closing_quote(const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p != '"')
            continue;
        const char *after = p + 1;
        while (*after == ' ')
            after++;
        if (*after == '\0' || (after > p + 1 && starts_pair(after)))
            return p;
    }
    return NULL;
}

/* Appends a quoted value's text with \" and \\ turned back into " and \. */
static void put_json_unescaped(line *l, const char *s, size_t n)
{
    put_unit(l, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < n && !l->truncated; i++) {
        if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) {
            put_escaped(l, s + from, i - from, true, false);
            from = i + 1;          /* the escaped character itself follows */
            i++;
        }
    }
    if (!l->truncated)
        put_escaped(l, s + from, n - from, true, false);
    put_closing(l, "\"");
}

/* Appends ,"key": only if the key and an empty value would fit, so a cut
 * never leaves a member without its value. */
static bool put_member_key(line *l, const char *key, size_t n)
{
    line probe;                /* the key escaped, to learn its length */
    probe.len = 0;
    probe.truncated = false;
    put_quoted(&probe, key, n, true);
    if (l->truncated || probe.len + 4 > room(l)) {
        l->truncated = true;
        return false;
    }
    put_unit(l, ",", 1);
    put_unit(l, probe.text, probe.len);
    put_unit(l, ":", 1);
    return true;
}

/* Parses one "key=value" / "key=\"quoted value\"" / "word" at p and
 * appends it as a member; returns where the next pair starts. */
static const char *put_json_pair(line *l, const char *p)
{
    const char *key_end = p;
    while (*key_end && *key_end != '=' && *key_end != ' ')
        key_end++;
    if (!put_member_key(l, p, (size_t)(key_end - p)))
        return p + strlen(p);
    if (*key_end != '=') {                      /* a bare word: an empty member */
        put_quoted(l, "", 0, true);
        return key_end;
    }
    const char *v = key_end + 1;
    if (*v == '"') {
        const char *close = closing_quote(v + 1);
        size_t n = close ? (size_t)(close - (v + 1)) : strlen(v + 1);
        put_json_unescaped(l, v + 1, n);
        return close ? close + 1 : v + 1 + n;
    }
    const char *end = strchr(v, ' ');
    if (!end)
        end = v + strlen(v);
    put_quoted(l, v, (size_t)(end - v), true);
    return end;
}

static void build_json(line *l, const char *ts, rp_level level, const char *comp, const char *msg,
                       const char *fields, bool fields_cut)
{
    put_str(l, "{\"ts\":\"");
    put_str(l, ts);
    put_str(l, "\",\"level\":\"");
    put_str(l, LEVEL_NAMES[level]);
    put_str(l, "\",\"comp\":");
    put_quoted(l, comp, strlen(comp), true);
    put_str(l, ",\"msg\":");
    put_quoted(l, msg, strlen(msg), true);
    for (const char *p = fields; *p && !l->truncated;) {
        while (*p == ' ')
            p++;
        if (*p)
            p = put_json_pair(l, p);
    }
    if (l->truncated || fields_cut)
        put_closing(l, ",\"truncated\":true");
    put_closing(l, "}");
}

/* ------------------------------------------------------------ rp_log */

static void format_ts(char *out, size_t size)
{
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03dZ", (int)(now.tv_nsec / 1000000));
}

static void write_all(const char *text, size_t len)
{
    pthread_mutex_lock(&write_lock);
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;                  /* nowhere left to report a failed log write */
        text += n;
        len -= (size_t)n;
    }
    pthread_mutex_unlock(&write_lock);
}

void rp_log(rp_level level, const char *component, const char *msg, const char *kv_fmt, ...)
{
    if ((unsigned)level > RP_ERR || !rp_log_enabled(level))
        return;
    char fields[LOG_LINE_MAX] = "";
    bool fields_cut = false;
    if (kv_fmt && *kv_fmt) {
        va_list ap;
        va_start(ap, kv_fmt);
        int n = vsnprintf(fields, sizeof fields, kv_fmt, ap);
        va_end(ap);
        fields_cut = n >= (int)sizeof fields;
    }
    char ts[64];
    format_ts(ts, sizeof ts);
    line l;
    l.len = 0;
    l.truncated = false;
    const char *comp = component ? component : "-";
    const char *text = msg ? msg : "";
    if (atomic_load(&json_format))
        build_json(&l, ts, level, comp, text, fields, fields_cut);
    else
        build_kv(&l, ts, level, comp, text, fields, fields_cut);
    put_closing(&l, "\n");
    write_all(l.text, l.len);
}
