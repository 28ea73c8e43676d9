/* out.c - collecting synthetic events (see out.h). */
#include "out.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define REAL_DIGITS 15
/* A shortened id keeps this many leading bytes, then "~" and 16 hex digits. */
#define ID_KEPT (SYNTH_ID_MAX - 17)

void synth_out_init(synth_out *out, const char *tenant, int64_t last_ts)
{
    memset(out, 0, sizeof *out);
    out->tenant = tenant;
    out->last_ts = last_ts;
}

void synth_out_free(synth_out *out)
{
    for (size_t i = 0; i < out->count; i++)
        free(out->events[i].line);
    free(out->events);
    memset(out, 0, sizeof *out);
}

void synth_id(char *id, const char *fmt, ...)
{
    char full[1024];
    int prefix = snprintf(full, sizeof full, "%s", SYNTH_ID_PREFIX);
    va_list args;
    va_start(args, fmt);
    vsnprintf(full + prefix, sizeof full - (size_t)prefix, fmt, args);
    va_end(args);
    if (strlen(full) <= SYNTH_ID_MAX) {
        memcpy(id, full, strlen(full) + 1);
        return;
    }
    snprintf(id, SYNTH_ID_MAX + 1, "%.*s~%016" PRIx64, ID_KEPT, full, synth_hash(full));
}

void synth_set(json_t *object, const char *key, json_t *value, bool *ok)
{
    if (!value || json_object_set_new(object, key, value) != 0)
        *ok = false;
}

char *synth_dump(const json_t *event)
{
    return json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(REAL_DIGITS));
}

static void count_type(synth_out *out, const char *type)
{
    for (size_t i = 0; i < out->type_count; i++) {
        if (strcmp(out->types[i].type, type) == 0) {
            out->types[i].count++;
            return;
        }
    }
    if (out->type_count < SYNTH_TYPES_MAX)
        out->types[out->type_count++] = (synth_type_count){type, 1};
}

static json_t *envelope(const synth_out *out, const char *id, const char *type, int64_t ts_ms,
                        const char *org, const char *customer, json_t *data)
{
    json_t *event = json_object();
    bool ok = event != NULL;
    if (ok) {
        synth_set(event, "id", json_string(id), &ok);
        synth_set(event, "type", json_string(type), &ok);
        synth_set(event, "ts", json_integer(ts_ms), &ok);
        if (out->tenant)
            synth_set(event, "tenant", json_string(out->tenant), &ok);
        if (org)
            synth_set(event, "org", json_string(org), &ok);
        if (customer)
            synth_set(event, "customer", json_string(customer), &ok);
        synth_set(event, "data", data ? data : json_object(), &ok);
    } else {
        json_decref(data);
    }
    if (!ok) {
        json_decref(event);
        return NULL;
    }
    return event;
}

bool synth_emit(synth_out *out, const char *id, const char *type, int64_t ts_ms,
                const char *org, const char *customer, json_t *data)
{
    if (ts_ms > out->last_ts || ts_ms < 0) {
        json_decref(data);
        out->dropped_late++;
        return true;
    }
    if (out->count == out->cap) {
        size_t next = out->cap ? out->cap * 2 : 4096;
        synth_event *bigger = realloc(out->events, next * sizeof *bigger);
        if (!bigger) {
            json_decref(data);
            return false;
        }
        out->events = bigger;
        out->cap = next;
    }
    json_t *event = envelope(out, id, type, ts_ms, org, customer, data);
    char *line = event ? synth_dump(event) : NULL;
    json_decref(event);
    if (!line)
        return false;
    out->events[out->count] = (synth_event){ts_ms, out->count, line};
    out->count++;
    count_type(out, type);
    return true;
}

static int by_ts_then_seq(const void *a, const void *b)
{
    const synth_event *x = a, *y = b;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms < y->ts_ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void synth_out_sort(synth_out *out)
{
    if (out->count)
        qsort(out->events, out->count, sizeof *out->events, by_ts_then_seq);
}
