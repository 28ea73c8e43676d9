/*
 * events_load.c - JSON lines -> msgpack pieces (see events_load.h).
 */
#include "events_load.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mpjson.h"

static char *dup_or_null(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *copy = strdup(s);
    if (!copy)
        *ok = false;
    return copy;
}

/* Size of the map header at p (fixmap, map16 or map32); 0 if p holds no map. */
static size_t map_header(const uint8_t *p, size_t len, uint32_t *pairs)
{
    if (len >= 1 && (p[0] & 0xf0) == 0x80) {
        *pairs = p[0] & 0x0f;
        return 1;
    }
    if (len >= 3 && p[0] == 0xde) {
        *pairs = (uint32_t)p[1] << 8 | p[2];
        return 3;
    }
    if (len >= 5 && p[0] == 0xdf) {
        *pairs = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
        return 5;
    }
    return 0;
}

/* The event without its id, packed, header stripped. */
static bool pack_body(json_t *event, bench_event *out, char *why, size_t whylen)
{
    size_t len = 0;
    uint8_t *packed = rp_json_to_msgpack(event, &len);
    if (!packed) {
        snprintf(why, whylen, "cannot convert to msgpack (out of memory or non-finite number)");
        return false;
    }
    size_t head = map_header(packed, len, &out->body_pairs);
    out->body_len = len - head;
    out->body = malloc(out->body_len ? out->body_len : 1);
    if (!out->body) {
        free(packed);
        snprintf(why, whylen, "out of memory");
        return false;
    }
    memcpy(out->body, packed + head, out->body_len);
    free(packed);
    return true;
}

static bool pack_data(json_t *event, bench_event *out, char *why, size_t whylen)
{
    json_t *data = json_object_get(event, "data");
    json_t *empty = data ? NULL : json_object();
    out->data = rp_json_to_msgpack(data ? data : empty, &out->data_len);
    json_decref(empty);
    if (!out->data) {
        snprintf(why, whylen, "cannot convert data to msgpack");
        return false;
    }
    return true;
}

static bool convert_line(const char *line, bench_event *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);      /* so a failed line can always be freed */
    json_error_t jerr;
    json_t *event = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
    if (!event || !json_is_object(event)) {
        snprintf(why, whylen, "not a JSON object: %s", event ? "wrong kind" : jerr.text);
        json_decref(event);
        return false;
    }
    const char *id = json_string_value(json_object_get(event, "id"));
    const char *type = json_string_value(json_object_get(event, "type"));
    json_t *ts = json_object_get(event, "ts");
    if (!id || !type || !json_is_integer(ts)) {
        snprintf(why, whylen, "needs string id, string type and integer ts");
        json_decref(event);
        return false;
    }
    bool ok = true;
    out->id = dup_or_null(id, &ok);
    out->type = dup_or_null(type, &ok);
    const char *tenant = json_string_value(json_object_get(event, "tenant"));
    out->tenant = dup_or_null(tenant ? tenant : "default", &ok);
    out->customer = dup_or_null(json_string_value(json_object_get(event, "customer")), &ok);
    out->org = dup_or_null(json_string_value(json_object_get(event, "org")), &ok);
    out->ts_ms = json_integer_value(ts);
    if (!ok)
        snprintf(why, whylen, "out of memory");
    ok = ok && pack_data(event, out, why, whylen);
    json_object_del(event, "id");
    ok = ok && pack_body(event, out, why, whylen);
    json_decref(event);
    return ok;
}

static void event_free(bench_event *e)
{
    free(e->id);
    free(e->body);
    free(e->type);
    free(e->tenant);
    free(e->customer);
    free(e->org);
    free(e->data);
}

static bool grow(bench_events *events)
{
    if (events->count < events->cap)
        return true;
    size_t cap = events->cap ? events->cap * 2 : 1024;
    bench_event *items = realloc(events->items, cap * sizeof *items);
    if (!items)
        return false;
    events->items = items;
    events->cap = cap;
    return true;
}

bool bench_events_load(FILE *in, bench_events *out, char *err, size_t errlen)
{
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t got;
    long line_no = 0;
    bool ok = true;
    while (ok && (got = getline(&line, &line_cap, in)) >= 0) {
        line_no++;
        out->json_bytes += (size_t)got;
        if (strspn(line, " \t\r\n") == (size_t)got)
            continue;
        char why[200];
        if (!grow(out)) {
            snprintf(err, errlen, "out of memory at line %ld", line_no);
            ok = false;
        } else if (!convert_line(line, &out->items[out->count], why, sizeof why)) {
            event_free(&out->items[out->count]);
            snprintf(err, errlen, "input line %ld: %s", line_no, why);
            ok = false;
        } else {
            const bench_event *e = &out->items[out->count];
            out->msgpack_bytes += e->body_len + strlen(e->id) + 8;
            out->count++;
        }
    }
    free(line);
    if (ok && ferror(in)) {
        snprintf(err, errlen, "read error on the input");
        ok = false;
    }
    return ok;
}

void bench_events_free(bench_events *events)
{
    for (size_t i = 0; i < events->count; i++)
        event_free(&events->items[i]);
    free(events->items);
    memset(events, 0, sizeof *events);
}
