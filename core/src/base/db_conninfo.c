/*
 * db_conninfo.c - connection time limits added to the user's conninfo
 * (db_conninfo.h). PQconninfoParse reads both key=value strings and URIs,
 * so the result is always written back as key='value' pairs.
 */
#include "db_conninfo.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* connect_timeout: seconds per host to establish a connection.
 * keepalives_*: a silent peer is given up after 30 + 3 x 10 s.
 * tcp_user_timeout: unacknowledged data for 30 s breaks the connection (ms).
 * The TCP settings are ignored on Unix-domain sockets. */
const rp_conninfo_default RP_CONNINFO_DEFAULTS[] = {
    {"connect_timeout", "5"},
    {"keepalives", "1"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
    {"tcp_user_timeout", "30000"},
    {NULL, NULL},
};

typedef struct text_buf {
    char *data;
    size_t len, cap;
    bool failed;
} text_buf;

static void put_char(text_buf *t, char c)
{
    if (t->failed)
        return;
    if (t->len + 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        char *data = realloc(t->data, cap);
        if (!data) {
            t->failed = true;
            return;
        }
        t->data = data;
        t->cap = cap;
    }
    t->data[t->len++] = c;
    t->data[t->len] = '\0';
}

/* keyword='value' with ' and \ escaped as libpq's parser expects. */
static void put_pair(text_buf *t, const char *keyword, const char *value)
{
    if (t->len)
        put_char(t, ' ');
    for (const char *k = keyword; *k; k++)
        put_char(t, *k);
    put_char(t, '=');
    put_char(t, '\'');
    for (const char *v = value; *v; v++) {
        if (*v == '\'' || *v == '\\')
            put_char(t, '\\');
        put_char(t, *v);
    }
    put_char(t, '\'');
}

static bool is_set(const PQconninfoOption *options, const char *keyword)
{
    for (const PQconninfoOption *o = options; o->keyword; o++)
        if (strcmp(o->keyword, keyword) == 0) {
            const char *env = o->envvar ? getenv(o->envvar) : NULL;
            return o->val || (env && *env);
        }
    return true;   /* an older libpq without this keyword: add nothing */
}

char *rp_db_conninfo_effective(const char *conninfo, char *err, size_t errlen)
{
    char *message = NULL;
    PQconninfoOption *options = PQconninfoParse(conninfo ? conninfo : "", &message);
    if (!options) {
        snprintf(err, errlen, "database: %s", message ? message : "out of memory");
        PQfreemem(message);
        return NULL;
    }
    text_buf t = {0};
    for (const PQconninfoOption *o = options; o->keyword; o++)
        if (o->val)
            put_pair(&t, o->keyword, o->val);
    for (const rp_conninfo_default *d = RP_CONNINFO_DEFAULTS; d->keyword; d++)
        if (!is_set(options, d->keyword))
            put_pair(&t, d->keyword, d->value);
    PQconninfoFree(options);
    put_char(&t, '\0');   /* an empty conninfo is "", not NULL */
    if (t.failed) {
        free(t.data);
        snprintf(err, errlen, "database: out of memory");
        return NULL;
    }
    return t.data;
}
