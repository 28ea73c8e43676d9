/*
 * out.h - the synthetic events, collected before they are merged into the
 * real stream. Each is kept as its finished JSON line (compact, keys in the
 * order id, type, ts, tenant, org, customer, data) with its ts and a
 * sequence number, so the sort is stable and the output byte-exact.
 *
 * Labelling: every id starts with "syn:" (SYNTH_ID_PREFIX). Ids longer than
 * the wire's 128 bytes are shortened deterministically (a prefix plus a hash).
 * Events later than the last real event are dropped (counted), so replaying
 * the merged stream leaves the engine clock on the data's last day.
 */
#ifndef RP_SYNTH_OUT_H
#define RP_SYNTH_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SYNTH_ID_PREFIX "syn:"
#define SYNTH_ID_MAX 128
#define SYNTH_TYPES_MAX 24

typedef struct synth_event {
    int64_t ts_ms;
    size_t seq;
    char *line;          /* JSON text, no newline */
} synth_event;

typedef struct synth_type_count {
    const char *type;    /* a string literal */
    size_t count;
} synth_type_count;

typedef struct synth_out {
    synth_event *events;
    size_t count, cap;
    const char *tenant;  /* put on every event when not NULL */
    int64_t last_ts;     /* later events are dropped */
    size_t dropped_late;
    synth_type_count types[SYNTH_TYPES_MAX];
    size_t type_count;
} synth_out;

void synth_out_init(synth_out *out, const char *tenant, int64_t last_ts);
void synth_out_free(synth_out *out);

/* Formats "syn:" + the printf-style rest into id (SYNTH_ID_MAX + 1 bytes). */
void synth_id(char *id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds one event; data (a new reference, may be NULL for {}) is consumed.
 * customer and org may be NULL. False on OOM only. */
bool synth_emit(synth_out *out, const char *id, const char *type, int64_t ts_ms,
                const char *org, const char *customer, json_t *data);

/* Sorts by (ts, seq). */
void synth_out_sort(synth_out *out);

/* json_object_set_new() that remembers a failure in *ok. */
void synth_set(json_t *object, const char *key, json_t *value, bool *ok);

/* Serialises like rapport-retail: compact, ordered, 15 significant digits. */
char *synth_dump(const json_t *event);

#endif
