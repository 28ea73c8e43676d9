/*
 * rapport/plugin.h - the only header a Rapport plugin includes.
 *
 * A plugin is a shared object that exports one function, rapport_plugin_entry(),
 * returning a pointer to a static rp_plugin descriptor. The host checks the ABI
 * version the plugin was built against, validates the plugin's configuration
 * against the schema the descriptor declares, then calls init() once and the
 * handlers from one worker thread per plugin (never concurrently for one
 * plugin instance).
 *
 * Every handler runs inside a database transaction the host owns. Everything a
 * handler does through the host API (SQL statements, derived events, durable
 * timers) commits atomically with the plugin's progress, so each event's effects
 * are applied exactly once even if the broker dies at any instant. A handler
 * reports failure by returning RP_ERROR after api->fail(); the host rolls the
 * transaction back, retries, and after the configured number of tries moves the
 * event to the plugin's dead letters.
 *
 * Stability rules:
 *  - RP_ABI_MAJOR changes only when an existing struct field or function
 *    signature changes; the host refuses plugins of another major.
 *  - RP_ABI_MINOR grows when functions are appended to rp_host_api or a
 *    reserved field of a struct gets a meaning (1.1: rp_plugin.flags; 1.2:
 *    rp_plugin.on_timers and rp_host_api.scope_timer; 1.3:
 *    rp_plugin.before_commit and rp_host_api.txn_seq; 1.4:
 *    rp_host_api.view_iter_init and view_iter_next). A plugin
 *    built against a newer minor than the host is refused with a message naming
 *    both versions; a plugin built against an older minor works unchanged.
 *  - rp_host_api is append-only and carries its own size, so a plugin can test
 *    whether a function exists with RP_API_HAS(api, field).
 *  - Events, timers and their payloads are borrowed, read-only views valid only
 *    during the callback: copy what you keep.
 *  - Data travels as raw msgpack bytes, so the host's msgpack library version is
 *    never part of this ABI. The host API includes a small reader (rp_view) for
 *    the common cases; plugins may also use any msgpack library they like.
 */
#ifndef RAPPORT_PLUGIN_H
#define RAPPORT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RP_ABI_MAJOR 1
#define RP_ABI_MINOR 4

/* Symbol a plugin exports (with default visibility; build everything else
 * hidden). */
#define RP_PLUGIN_ENTRY_SYMBOL "rapport_plugin_entry"

#if defined(__GNUC__)
#define RP_EXPORT __attribute__((visibility("default")))
#else
#define RP_EXPORT
#endif

/* Return codes of every callback and of host functions that can fail. */
enum {
    RP_OK = 0,
    RP_ERROR = -1
};

/* ------------------------------------------------------------------------
 * Values: a read-only view of one msgpack object.
 * ---------------------------------------------------------------------- */

typedef struct rp_view {
    const uint8_t *ptr; /* first byte of one msgpack object, or NULL if absent */
    size_t len;         /* bytes of that object */
} rp_view;

typedef enum rp_view_kind {
    RP_VIEW_ABSENT = 0,
    RP_VIEW_NIL,
    RP_VIEW_BOOL,
    RP_VIEW_INT,    /* any msgpack integer that fits int64_t */
    RP_VIEW_UINT,   /* a positive integer above INT64_MAX */
    RP_VIEW_FLOAT,
    RP_VIEW_STR,
    RP_VIEW_BIN,
    RP_VIEW_ARRAY,
    RP_VIEW_MAP,
    RP_VIEW_EXT
} rp_view_kind;

/* A walk over an array's items, or a map's keys and values in turn (key,
 * value, key, value, ...): plain data on the caller's stack, advanced by
 * api->view_iter_next (ABI 1.4). Each step is O(size of that item), where
 * view_at(array, i) starts again from the front every time. */
typedef struct rp_view_iter {
    const uint8_t *next;
    const uint8_t *end;
    uint64_t left;
} rp_view_iter;

/* ------------------------------------------------------------------------
 * Events, timers and configuration as the host hands them over.
 * ---------------------------------------------------------------------- */

typedef struct rp_event {
    uint32_t struct_size;   /* sizeof(rp_event) of the host; fields are appended */
    const char *tenant;     /* NUL-terminated, never NULL */
    const char *id;         /* the publisher's idempotency key */
    const char *type;       /* e.g. "purchase" */
    const char *customer;   /* NULL when the type is not customer-scoped */
    const char *org;        /* NULL when the type is not org-scoped */
    int64_t ts_ms;          /* event time, ms since the Unix epoch (UTC) */
    int64_t pos;            /* acceptance position: increases within a partition */
    uint32_t partition;     /* 0 .. partitions-1 */
    rp_view data;           /* the event's "data" map (msgpack) */
    void *reserved[4];
} rp_event;

typedef struct rp_timer {
    uint32_t struct_size;
    const char *tenant;
    const char *key;        /* the key the plugin chose in timer_set() */
    const char *customer;   /* scope the timer was set under; may be NULL */
    const char *org;
    int64_t due_ms;         /* when it was due (event time in replay mode) */
    uint32_t partition;
    rp_view payload;        /* the bytes given to timer_set(), as stored */
    void *reserved[4];
} rp_timer;

typedef enum rp_config_type {
    RP_CONFIG_STRING = 1,
    RP_CONFIG_INT,      /* int64, decimal */
    RP_CONFIG_DOUBLE,
    RP_CONFIG_BOOL,     /* true/false/yes/no/on/off/1/0 */
    RP_CONFIG_DURATION  /* e.g. "90s", "15m", "2h", "7d"; read back in ms */
} rp_config_type;

/* One configuration key a plugin accepts. The host rejects unknown keys and
 * values of the wrong type before init(), naming the key and the rule, and
 * prints the table in `rapportd --help-plugin NAME`. */
typedef struct rp_config_key {
    const char *key;          /* e.g. "half_life" */
    rp_config_type type;
    const char *default_value;/* as text; NULL means required */
    const char *description;
} rp_config_key;

/* A further event type a plugin adds to the wire protocol. */
typedef enum rp_scope {
    RP_SCOPE_CUSTOMER = 1,
    RP_SCOPE_ORG,
    RP_SCOPE_TENANT
} rp_scope;

typedef struct rp_data_field {
    const char *name;
    rp_view_kind kind;   /* RP_VIEW_STR, _INT, _FLOAT (int accepted), _BOOL, _ARRAY, _MAP */
    bool required;
} rp_data_field;

typedef struct rp_event_type {
    const char *name;            /* e.g. "holding.updated" */
    rp_scope scope;
    const rp_data_field *fields; /* terminated by an entry with name == NULL */
} rp_event_type;

/* ------------------------------------------------------------------------
 * The host API. Every function takes the rp_ctx the callback received.
 * ---------------------------------------------------------------------- */

/* A moment as read on the wall clock of a time zone. */
typedef struct rp_local_time {
    int year;
    int month;          /* 1..12 */
    int day;            /* 1..31 */
    int hour, minute, second;
    int weekday;        /* 0 = Sunday .. 6 = Saturday */
    int utc_offset_s;   /* offset in force at that moment, DST included */
} rp_local_time;

typedef struct rp_ctx rp_ctx;        /* opaque: one plugin instance */
typedef struct rp_rows rp_rows;      /* opaque: a query result */

typedef enum rp_log_level {
    RP_LOG_DEBUG = 0,
    RP_LOG_INFO,
    RP_LOG_WARN,
    RP_LOG_ERROR
} rp_log_level;

typedef struct rp_host_api {
    uint32_t struct_size;   /* sizeof(rp_host_api) of the host */
    uint16_t abi_major;
    uint16_t abi_minor;

    /* Logging, tagged with plugin=<name>. printf-style. */
    void (*log)(rp_ctx *ctx, rp_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

    /* Marks the current callback as failed with a message for the log and the
     * dead letter. Return RP_ERROR from the callback afterwards. */
    void (*fail)(rp_ctx *ctx, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* Configuration, already validated against the descriptor's schema. */
    const char *(*config_string)(rp_ctx *ctx, const char *key);
    int64_t (*config_int)(rp_ctx *ctx, const char *key);
    double (*config_double)(rp_ctx *ctx, const char *key);
    bool (*config_bool)(rp_ctx *ctx, const char *key);
    int64_t (*config_duration_ms)(rp_ctx *ctx, const char *key);
    /* Per-tenant override: key "<tenant>.<key>" if configured, else key. */
    const char *(*config_tenant_string)(rp_ctx *ctx, const char *tenant, const char *key);

    /* The engine clock in ms since the epoch: wall time in live mode; in
     * event-time mode the time of the event or timer being handled. Tests and
     * replays pin it; never call time() in a plugin. */
    int64_t (*now_ms)(rp_ctx *ctx);

    /* SQL inside the current transaction. Parameters are text (NULL for SQL
     * NULL), $1..$n. exec() runs now and returns rows affected or -1; query()
     * returns a result the plugin frees with rows_free().
     * defer() queues a statement that returns nothing; the host sends all
     * deferred statements in one pipelined round trip before the next exec,
     * query or commit, in the order they were deferred. Use it for per-event
     * writes so a batch costs one round trip, not one per event. */
    int64_t (*db_exec)(rp_ctx *ctx, const char *sql, int nparams, const char *const *params);
    rp_rows *(*db_query)(rp_ctx *ctx, const char *sql, int nparams, const char *const *params);
    int (*db_defer)(rp_ctx *ctx, const char *sql, int nparams, const char *const *params);
    int (*rows_count)(const rp_rows *rows);
    const char *(*rows_value)(const rp_rows *rows, int row, int col); /* NULL if SQL NULL */
    void (*rows_free)(rp_rows *rows);

    /* Derived events, published after the transaction commits, numbered with
     * the deployment's gapless sequence. data is one msgpack map (copied).
     * The scope (customer/org) is that of the event or timer being handled
     * unless customer/org are given (non-NULL) here. */
    int (*emit)(rp_ctx *ctx, const char *type, const char *customer, const char *org,
                const uint8_t *data, size_t len);

    /* Durable timers: (tenant, key) is unique per plugin; setting an existing
     * key replaces it. The timer fires exactly once, at or after due_ms on the
     * engine clock, through on_timer, in the partition of the scope it was set
     * under (customer/org given here, else the current event's). */
    int (*timer_set)(rp_ctx *ctx, const char *tenant, const char *key, int64_t due_ms,
                     const char *customer, const char *org,
                     const uint8_t *payload, size_t len);
    int (*timer_cancel)(rp_ctx *ctx, const char *tenant, const char *key);

    /* Partition of a scope key, the same hash the broker uses. */
    uint32_t (*partition_of)(rp_ctx *ctx, const char *tenant, const char *scope_key);

    /* msgpack reader over borrowed bytes (already validated by the host). */
    rp_view_kind (*view_kind)(rp_view v);
    rp_view (*view_get)(rp_view map, const char *key);  /* ABSENT if missing */
    size_t (*view_count)(rp_view v);                    /* array/map elements */
    rp_view (*view_at)(rp_view array, size_t index);
    bool (*view_str)(rp_view v, const char **s, size_t *len); /* not NUL-terminated */
    bool (*view_int)(rp_view v, int64_t *out);
    bool (*view_double)(rp_view v, double *out);        /* ints convert */
    bool (*view_bool)(rp_view v, bool *out);
    /* Copies a string into buf as NUL-terminated text; false if absent, not a
     * string, or too long. */
    bool (*view_strcpy)(rp_view v, char *buf, size_t size);

    /* Calendar arithmetic in IANA time zones (ICU underneath), DST-correct.
     * to_local: false if tz is unknown. from_local: a wall time that does not
     * exist (spring-forward gap) moves forward by the gap; an ambiguous one
     * (fall-back) resolves to the earlier instant. */
    bool (*to_local)(const char *tz, int64_t utc_ms, rp_local_time *out);
    bool (*from_local)(const char *tz, int year, int month, int day,
                       int hour, int minute, int64_t *utc_ms);

    /* Plugin-private state pointer, set in init. */
    void (*set_state)(rp_ctx *ctx, void *state);
    void *(*state)(rp_ctx *ctx);

    /* In on_events (a run of several events), call before emitting or
     * setting timers on behalf of one event of the run: the event's tenant,
     * customer/org, id (as "cause") and time become the scope. Without it the
     * host picks the run's event whose customer/org matches the emit's, else
     * the run's last event. */
    void (*scope_event)(rp_ctx *ctx, const rp_event *event);

    /* Appended in later minors go below this line. */

    /* ABI 1.2. In on_timers (several timers), call before emitting or setting
     * timers on behalf of one of them: its tenant, customer/org, "timer:<key>"
     * cause and due time (in event time) become the scope. Without it the
     * host picks the call's timer whose customer/org matches the emit's, else
     * the call's last timer. */
    void (*scope_timer)(rp_ctx *ctx, const rp_timer *timer);

    /* ABI 1.3. A number that changes with every transaction the host opens
     * for this plugin, committed or not. State a plugin keeps from one call
     * to the next is valid only while it stays the same: a different number
     * means the transaction that state belongs to committed (after
     * before_commit) or rolled back, and the database is again the truth. */
    uint64_t (*txn_seq)(rp_ctx *ctx);

    /* ABI 1.4. Iterates an array or a map in one pass: init is false (and
     * next yields nothing) when v is neither; next is false at the end.
     *   rp_view_iter it; rp_view item;
     *   api->view_iter_init(items, &it);
     *   while (api->view_iter_next(&it, &item)) { ... } */
    bool (*view_iter_init)(rp_view container, rp_view_iter *it);
    bool (*view_iter_next)(rp_view_iter *it, rp_view *out);
} rp_host_api;

#define RP_API_HAS(api, field) \
    ((api)->struct_size >= offsetof(rp_host_api, field) + sizeof((api)->field) && (api)->field)

/* ------------------------------------------------------------------------
 * The descriptor a plugin returns.
 * ---------------------------------------------------------------------- */

typedef struct rp_plugin {
    uint32_t struct_size;      /* sizeof(rp_plugin) at build time */
    uint16_t abi_major;        /* RP_ABI_MAJOR at build time */
    uint16_t abi_minor;        /* RP_ABI_MINOR at build time */
    const char *name;          /* [a-z][a-z0-9_]*, unique in a deployment */
    const char *version;       /* the plugin's own version, free text */
    const char *description;

    const char *const *subscribes;         /* event types, NULL-terminated */
    const rp_config_key *config;           /* terminated by key == NULL; may be NULL */
    const rp_event_type *event_types;      /* types added to the wire; may be NULL */
    const char *const *schema_sql;         /* idempotent DDL run at start, in order;
                                              NULL-terminated; may be NULL */

    /* Called once after config validation and schema_sql. Return RP_ERROR
     * (after api->fail) to refuse to start; the host then refuses to start. */
    int (*init)(rp_ctx *ctx, const rp_host_api *api);

    /* A run of consecutive events of one partition, in acceptance order,
     * all of subscribed types (of several partitions with
     * RP_PLUGIN_RUNS_SPAN_PARTITIONS). Runs inside the transaction. */
    int (*on_events)(rp_ctx *ctx, const rp_event *const *events, size_t count);

    /* A durable timer fell due. Runs inside the transaction. May be NULL. */
    int (*on_timer)(rp_ctx *ctx, const rp_timer *timer);

    /* Called once at shutdown, outside any transaction. May be NULL. */
    void (*shutdown)(rp_ctx *ctx);

    /* ABI 1.1: RP_PLUGIN_* flags below. Built against 1.0 this was
     * reserved[0], always zero, so old plugins read as "no flags". */
    uintptr_t flags;

    /* ABI 1.2: several due timers in one call, so a plugin can handle them
     * with set-based statements instead of one round trip per timer. May be
     * NULL: then on_timer is called for each (a plugin must provide at least
     * one of the two if it sets timers). See "Batched timers" below. Built
     * against an older minor this was reserved[0] of reserved[7]: NULL. */
    int (*on_timers)(rp_ctx *ctx, const rp_timer *const *timers, size_t count);

    /* ABI 1.3: called once per transaction in which the plugin had at least
     * one on_events/on_timer(s) call, after the last of them and before the
     * host writes progress and commits. For a plugin that keeps a working
     * set across the calls of one transaction (see api->txn_seq) and writes
     * it back once. Only db_* may be used here (emit and timers belong to an
     * event or timer); RP_ERROR (after api->fail) fails the transaction like
     * a failing callback, and the host isolates the item as usual. May be
     * NULL. Built against an older minor this was reserved[0] of reserved[6]. */
    int (*before_commit)(rp_ctx *ctx);

    void *reserved[5];
} rp_plugin;

/* Batched timers (on_timers). The timers of one call were all due and live
 * when the call began, in due order (so each customer's and org's in their
 * order), of one partition (of several with RP_PLUGIN_RUNS_SPAN_PARTITIONS
 * and the wall clock), possibly of several tenants. In event time a call
 * holds timers of one due time only, so a timer the call arms for a later
 * moment still fires before the timers and events after it. All of the
 * call's timers are spent with this transaction; one that the call re-arms
 * (timer_set on its key) fires again at its new time, and cancelling a timer
 * of the same call is a no-op. Events of a partition accepted before the
 * timers fell due have been handed over before them, as with on_timer. */

/* on_events may receive one run that spans partitions: the batch's events
 * of partition p, then those of partition q, ..., each partition's still in
 * acceptance order (so each customer's and org's too), and the run is still
 * cut wherever a durable timer falls due. A plugin that loads and saves its
 * working set once per call (ABI: "process a batch without one round trip
 * per event") then does so once per batch instead of once per partition.
 * Set it only if on_events does not assume one partition per call. The host
 * does this with the wall clock only: in event time (--clock=event, replays)
 * each partition has its own clock, so runs stay within one partition. */
#define RP_PLUGIN_RUNS_SPAN_PARTITIONS ((uintptr_t)1)

#define RP_PLUGIN_INIT_HEADER                 \
    .struct_size = sizeof(rp_plugin),         \
    .abi_major = RP_ABI_MAJOR,                \
    .abi_minor = RP_ABI_MINOR

/* The one exported function. */
typedef const rp_plugin *(*rp_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* RAPPORT_PLUGIN_H */
