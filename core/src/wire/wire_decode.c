/*
 * wire_decode.c - request frame -> validated events (wire.h). The frame is
 * first measured as a whole (rp_view_of: a frame that is not one complete
 * msgpack object gets one rejection with id nil), then each event is checked
 * against the limits and its type's schema on its own, so one bad event never
 * rejects its neighbours.
 */
#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_types.h"
#include "field_check.h"
#include "ingress_internal.h"
#include "mp_bounds.h"
#include "partition.h"
#include "reject_log.h"
#include "utf8.h"
#include "view.h"

/* Latest event time accepted: year 9999, so ts stays a sane calendar date. */
#define RP_MAX_TS_MS 253402300799999LL

static const char DEFAULT_TENANT[] = "default";
static const uint8_t EMPTY_MAP[] = {0x80};

/* A bump allocator sized from the frame: every copied string is a distinct
 * slice of the frame plus its NUL, so frame length + one byte per string
 * bounds it. */
typedef struct arena {
    char *base;
    size_t used, cap;
} arena;

static const char *arena_copy(arena *a, const void *src, size_t n)
{
    if (a->used + n + 1 > a->cap)
        return NULL;
    char *dst = a->base + a->used;
    memcpy(dst, src, n);
    dst[n] = '\0';
    a->used += n + 1;
    return dst;
}

const char *rp_event_status_name(rp_event_status status)
{
    switch (status) {
    case RP_STATUS_PENDING:   return "pending";
    case RP_STATUS_ACCEPTED:  return "accepted";
    case RP_STATUS_DUPLICATE: return "duplicate";
    case RP_STATUS_REJECTED:  return "rejected";
    case RP_STATUS_RETRY:     return "retry";
    }
    return "unknown";
}

__attribute__((format(printf, 3, 4)))
static bool reject(rp_wire_event *ev, const char *reason, const char *fmt, ...)
{
    /* the text may quote what the client sent (a key, a type name), cut
     * anywhere: it goes back in a msgpack str and into the log as UTF-8 */
    char raw[RP_WIRE_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    rp_utf8_repair(raw, strlen(raw), ev->error, sizeof ev->error);
    ev->status = RP_STATUS_REJECTED;
    ev->reject_reason = reason;
    return false;
}

bool rp_wire_reject_frame(rp_wire_request *req, const char *message, const char *reason)
{
    memset(req, 0, sizeof *req);
    req->events = calloc(1, sizeof *req->events);
    if (!req->events)
        return false;
    req->count = 1;
    reject(&req->events[0], reason, "%s", message);
    return true;
}

/* ------------------------------------------------------------ one event */

typedef struct decode_ctx {
    const rp_limits *limits;
    const rp_type_registry *types;
    uint32_t partitions;
    arena *strings;
} decode_ctx;

/* The raw views of the top-level keys of one event. */
typedef struct event_keys {
    rp_view id, type, ts, tenant, customer, org, data;
} event_keys;

static rp_view *key_slot(event_keys *k, const char *s, size_t n)
{
    static const char *const names[] = {"id", "type", "ts", "tenant", "customer", "org", "data"};
    rp_view *slots[] = {&k->id, &k->type, &k->ts, &k->tenant, &k->customer, &k->org, &k->data};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return slots[i];
    return NULL;
}

static bool collect_keys(rp_view map, event_keys *keys, rp_wire_event *ev)
{
    rp_view_iter it;
    rp_view key, value;
    memset(keys, 0, sizeof *keys);
    rp_view_iter_init(map, &it);
    while (rp_view_iter_next(&it, &key) && rp_view_iter_next(&it, &value)) {
        const char *s;
        size_t n;
        if (!rp_view_str(key, &s, &n))
            return reject(ev, "unknown_key", "event keys must be strings");
        rp_view *slot = key_slot(keys, s, n);
        if (!slot)
            return reject(ev, "unknown_key", "unknown top-level key \"%.*s\" (allowed: id, type, ts, "
                          "tenant, customer, org, data; put extra fields inside data)",
                          (int)(n > 64 ? 64 : n), s);
        if (slot->ptr)
            return reject(ev, "duplicate_key", "key \"%.*s\" appears twice", (int)n, s);
        *slot = value;
    }
    return true;
}

/* A text key field: string of 1..max bytes, valid UTF-8. */
static bool text_check(rp_view v, const char *name, size_t max, rp_wire_event *ev,
                       const char **s, size_t *n)
{
    if (!rp_view_str(v, s, n))
        return reject(ev, "bad_field", "%s: must be a string", name);
    if (*n == 0 || *n > max)
        return reject(ev, "bad_field", "%s: must be 1..%zu bytes long (limits.max_%s_bytes), got %zu",
                      name, max, strcmp(name, "id") == 0 ? "id" : "key", *n);
    if (!rp_text_ok(*s, *n))
        return reject(ev, "bad_field", "%s: must be valid UTF-8 without NUL characters", name);
    return true;
}

static bool text_field(rp_view v, const char *name, size_t max, decode_ctx *c, rp_wire_event *ev,
                       const char **out)
{
    const char *s;
    size_t n;
    if (!text_check(v, name, max, ev, &s, &n))
        return false;
    *out = arena_copy(c->strings, s, n);
    return *out != NULL || reject(ev, "internal", "out of arena space");
}

/* The id is copied before anything else is checked, and echoed even when
 * it or the event breaks a rule, so that a rejection names the event
 * whenever the id is a string at all. */
static void copy_id(rp_view event, decode_ctx *c, rp_wire_event *ev)
{
    const char *s;
    size_t n;
    if (rp_view_str(rp_view_get(event, "id"), &s, &n)) {
        ev->id = arena_copy(c->strings, s, n);
        ev->id_len = n;
    }
}

static bool check_id(const event_keys *k, decode_ctx *c, rp_wire_event *ev)
{
    const char *s;
    size_t n;
    if (!k->id.ptr)
        return reject(ev, "missing_field", "id: is required (a string of 1..%zu bytes, the idempotency key)",
                      c->limits->max_id_bytes);
    return text_check(k->id, "id", c->limits->max_id_bytes, ev, &s, &n);
}

static bool read_ts(rp_view v, rp_wire_event *ev)
{
    if (!v.ptr)
        return reject(ev, "missing_field", "ts: is required (integer milliseconds since the Unix epoch)");
    if (!rp_view_int(v, &ev->ts_ms))
        return reject(ev, "bad_field", "ts: must be an integer (milliseconds since the Unix epoch)");
    if (ev->ts_ms < 0 || ev->ts_ms > RP_MAX_TS_MS)
        return reject(ev, "bad_field", "ts: %lld is outside 0..%lld (1970 to 9999)",
                      (long long)ev->ts_ms, (long long)RP_MAX_TS_MS);
    return true;
}

static bool read_scope(const event_keys *k, const rp_type_spec *type, decode_ctx *c, rp_wire_event *ev)
{
    size_t max = c->limits->max_key_bytes;
    bool need_customer = type->scope == RP_SCOPE_CUSTOMER || type->requires_customer;
    bool need_org = type->scope == RP_SCOPE_ORG;
    if (need_customer && !k->customer.ptr)
        return reject(ev, "missing_field", "customer: is required for %s-scoped type %s",
                      type->requires_customer ? "person" : "customer", type->name);
    if (need_org && !k->org.ptr)
        return reject(ev, "missing_field", "org: is required for org-scoped type %s", type->name);
    if (k->customer.ptr && !text_field(k->customer, "customer", max, c, ev, &ev->customer))
        return false;
    if (k->org.ptr && !text_field(k->org, "org", max, c, ev, &ev->org))
        return false;
    return true;
}

static void assign_partition(const rp_type_spec *type, decode_ctx *c, rp_wire_event *ev)
{
    const char *key = "";
    if (type->scope == RP_SCOPE_CUSTOMER)
        key = ev->customer;
    else if (type->scope == RP_SCOPE_ORG)
        key = ev->org;
    ev->partition = rp_partition_of(ev->tenant, strlen(ev->tenant), key, strlen(key), c->partitions);
}

static bool read_data(rp_view v, const rp_type_spec *type, decode_ctx *c, rp_wire_event *ev)
{
    if (!v.ptr) {
        v.ptr = EMPTY_MAP;
        v.len = sizeof EMPTY_MAP;
    }
    if (rp_view_kind_of(v) != RP_VIEW_MAP)
        return reject(ev, "bad_field", "data: must be a map");
    char why[RP_WIRE_ERROR_MAX];
    if (!rp_check_data(type, v, why, sizeof why))
        return reject(ev, "bad_data", "%s", why);
    ev->data = (const uint8_t *)arena_copy(c->strings, v.ptr, v.len);
    ev->data_len = v.len;
    return ev->data != NULL || reject(ev, "internal", "out of arena space");
}

static const rp_type_spec *read_type(rp_view v, decode_ctx *c, rp_wire_event *ev)
{
    const char *s;
    size_t n;
    if (!v.ptr) {
        reject(ev, "missing_field", "type: is required (an event type of proto/event-types.json)");
        return NULL;
    }
    if (!rp_view_str(v, &s, &n)) {
        reject(ev, "bad_field", "type: must be a string");
        return NULL;
    }
    const rp_type_spec *type = rp_types_find(c->types, s, n);
    if (!type) {
        reject(ev, "unknown_type", "type: unknown event type \"%.*s\" (see proto/event-types.json)",
               (int)(n > 64 ? 64 : n), s);
        return NULL;
    }
    ev->type = type->name;    /* the registry outlives every request */
    return type;
}

static void decode_event(rp_view view, decode_ctx *c, rp_wire_event *ev)
{
    event_keys k;
    ev->status = RP_STATUS_PENDING;
    ev->tenant = DEFAULT_TENANT;
    if (rp_view_kind_of(view) != RP_VIEW_MAP) {
        reject(ev, "not_a_map", "an event must be a msgpack map");
        return;
    }
    copy_id(view, c, ev);
    if (!collect_keys(view, &k, ev) || !check_id(&k, c, ev))
        return;
    char why[RP_WIRE_ERROR_MAX];
    if (!rp_mp_within_limits(view.ptr, view.len, c->limits, why, sizeof why)) {
        reject(ev, "limit_exceeded", "%s", why);
        return;
    }
    const rp_type_spec *type = read_type(k.type, c, ev);
    if (!type || !read_ts(k.ts, ev))
        return;
    if (k.tenant.ptr && !text_field(k.tenant, "tenant", c->limits->max_key_bytes, c, ev, &ev->tenant))
        return;
    if (!read_scope(&k, type, c, ev) || !read_data(k.data, type, c, ev))
        return;
    assign_partition(type, c, ev);
}

/* ------------------------------------------------------------ the frame */

static bool reject_framef(rp_wire_request *req, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool reject_framef(rp_wire_request *req, const char *reason, const char *fmt, ...)
{
    char message[RP_WIRE_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return rp_wire_reject_frame(req, message, reason);
}

static const char *kind_label(rp_view_kind kind)
{
    static const char *const labels[] = {"nothing", "nil", "a boolean", "an integer", "an integer",
                                         "a float", "a string", "binary", "an array", "a map", "an ext"};
    return kind <= RP_VIEW_EXT ? labels[kind] : "?";
}

static bool decode_frame(const uint8_t *frame, size_t len, const rp_limits *limits,
                         const struct rp_type_registry *types, uint32_t partitions,
                         rp_wire_request *out)
{
    memset(out, 0, sizeof *out);
    if (len > limits->max_frame_bytes)
        return reject_framef(out, "frame_too_large", "frame of %zu bytes exceeds limits.max_frame_bytes (%zu)",
                             len, limits->max_frame_bytes);
    rp_view whole = rp_view_of(frame, len);
    if (!whole.ptr)
        return reject_framef(out, "not_msgpack", "frame is not valid msgpack (truncated or malformed)");
    if (whole.len != len)
        return reject_framef(out, "not_msgpack", "frame has %zu bytes after its msgpack object",
                             len - whole.len);
    rp_view_kind kind = rp_view_kind_of(whole);
    size_t count = 1;
    if (kind == RP_VIEW_ARRAY) {
        count = rp_view_count(whole);
        if (count == 0)
            return reject_framef(out, "empty_batch", "batch holds no events");
        if (count > limits->max_batch_events)
            return reject_framef(out, "batch_too_large", "batch of %zu events exceeds limits.max_batch_events (%zu)",
                                 count, limits->max_batch_events);
    } else if (kind != RP_VIEW_MAP) {
        return reject_framef(out, "not_an_event", "request must be a map (one event) or an array of maps "
                             "(a batch), got %s", kind_label(kind));
    }
    /* Each event copies disjoint slices of the frame plus at most 5 NULs. */
    size_t arena_size = len + 6 * count + 16;
    arena strings = {malloc(arena_size), 0, arena_size};
    out->events = calloc(count, sizeof *out->events);
    if (!strings.base || !out->events) {
        free(strings.base);
        free(out->events);
        out->events = NULL;
        return false;
    }
    out->arena = strings.base;
    out->count = count;
    out->is_batch = kind == RP_VIEW_ARRAY;
    decode_ctx c = {limits, (const rp_type_registry *)types, partitions, &strings};
    if (!out->is_batch) {
        decode_event(whole, &c, &out->events[0]);
        return true;
    }
    rp_view_iter it;
    rp_view item;
    rp_view_iter_init(whole, &it);
    for (size_t i = 0; i < count && rp_view_iter_next(&it, &item); i++)
        decode_event(item, &c, &out->events[i]);
    return true;
}

bool rp_wire_decode(const uint8_t *frame, size_t len, const rp_limits *limits,
                    const struct rp_type_registry *types, uint32_t partitions,
                    rp_wire_request *out)
{
    if (!decode_frame(frame, len, limits, types, partitions, out))
        return false;
    rp_reject_log(out);
    return true;
}

void rp_wire_request_free(rp_wire_request *req)
{
    if (!req)
        return;
    free(req->events);
    free(req->arena);
    memset(req, 0, sizeof *req);
}
