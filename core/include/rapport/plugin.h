/*
 * rapport/plugin.h - the only header a Rapport plugin must include (ABI 2).
 *
 * A plugin is a shared object that exports one function, rapport_plugin_entry(),
 * returning a pointer to a static rp_plugin descriptor. The host checks the ABI
 * version the plugin was built against, parses and validates every setting the
 * descriptor declares (plugin-wide and per tenant) before anything runs, applies
 * the plugin's numbered migrations, then calls init() once and the handlers
 * from one worker thread per plugin (never concurrently for one plugin).
 *
 * What the host owns, so that no plugin can get it wrong (ABI 2):
 *  - State: init() returns the plugin's state; every callback receives it,
 *    with the host API, in an rp_call. No plugin needs a global.
 *  - Tenancy: every on_events / on_timers call holds events or timers of ONE
 *    tenant (call->tenant), with that tenant's finished settings
 *    (call->settings). Emits and timers are always the call's tenant's.
 *  - Settings: a typed table (rp_setting) the host parses into the plugin's
 *    own settings struct, once per tenant that has overrides and once for
 *    everybody else, at start. A tenant's struct takes each key from the
 *    tenant's override, else the plugin-wide value, else the default; every
 *    tenant without overrides (also one first seen at run time) gets the
 *    plugin-wide struct. A bad value refuses the start naming the key,
 *    the tenant and the value. The structs are immutable and live until
 *    shutdown, so a pointer to them may be kept across calls.
 *  - Keys: every id the wire allows (tenant, customer, org up to 256 bytes,
 *    event id up to 128) is accepted by every host function; timer keys are
 *    stored in full (up to limits.timer_key_max_bytes, 1024 by default).
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
 *    signature changes; the host refuses plugins of another major with a
 *    message naming both versions (ABI 1 plugins: rebuild against this header;
 *    docs/plugin-guide.md "Porting from ABI 1" lists the changes).
 *  - RP_ABI_MINOR grows when functions are appended to rp_host_api or a
 *    reserved field of a struct gets a meaning. A plugin built against a newer
 *    minor than the host is refused; one built against an older minor works.
 *  - rp_host_api is append-only and carries its own size, so a plugin can test
 *    whether a function exists with RP_API_HAS(api, field).
 *  - Events, timers and their payloads are borrowed, read-only views valid only
 *    during the callback: copy what you keep.
 *  - Data travels as raw msgpack bytes, so the host's msgpack library version is
 *    never part of this ABI. The host API includes a small reader (rp_view);
 *    the plugin SDK (pkg-config rapport-plugin) adds a writer and helpers.
 */
#ifndef RAPPORT_PLUGIN_H
#define RAPPORT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RP_ABI_MAJOR 2
#define RP_ABI_MINOR 1

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

/* The wire contract's longest ids, in bytes (proto/README.md). Plugins never
 * need fixed buffers of these sizes: every id arrives NUL-terminated. */
#define RP_TENANT_MAX_BYTES 256
#define RP_SCOPE_KEY_MAX_BYTES 256   /* customer and org ids */
#define RP_EVENT_ID_MAX_BYTES 128

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
 * api->view_iter_next. Each step is O(size of that item). */
typedef struct rp_view_iter {
    const uint8_t *next;
    const uint8_t *end;
    uint64_t left;
} rp_view_iter;

/* ------------------------------------------------------------------------
 * Events and timers as the host hands them over.
 * ---------------------------------------------------------------------- */

typedef struct rp_event {
    uint32_t struct_size;   /* sizeof(rp_event) of the host; fields are appended */
    const char *tenant;     /* NUL-terminated, never NULL; == the call's tenant */
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

/* The partition of a timer set with tenant_timer_set (ABI 2.1): it belongs
 * to no partition but to the tenant clock (stored as -1). */
#define RP_PARTITION_TENANT_CLOCK UINT32_MAX

typedef struct rp_timer {
    uint32_t struct_size;
    const char *tenant;     /* == the call's tenant */
    const char *key;        /* the key the plugin chose in timer_set(), in full */
    const char *customer;   /* scope the timer was set under; may be NULL */
    const char *org;
    int64_t due_ms;         /* when it was due (event time in replay mode) */
    uint32_t partition;     /* RP_PARTITION_TENANT_CLOCK for tenant_timer_set's */
    rp_view payload;        /* the bytes given to timer_set(), as stored */
    void *reserved[4];
} rp_timer;

/* ------------------------------------------------------------------------
 * Settings: a typed table the host parses into the plugin's settings struct.
 * ---------------------------------------------------------------------- */

typedef enum rp_setting_type {
    RP_SETTING_STRING = 1, /* const char *   (NUL-terminated, host-owned) */
    RP_SETTING_INT,        /* int64_t        decimal */
    RP_SETTING_DOUBLE,     /* double         finite */
    RP_SETTING_BOOL,       /* bool           true/false/yes/no/on/off/1/0 */
    RP_SETTING_DURATION,   /* int64_t, ms    500ms, 90s, 15m, 2h, 7d, 2w */
    RP_SETTING_ENUM,       /* int            index into .choices */
    RP_SETTING_LIST,       /* rp_list        comma-separated, items trimmed */
    RP_SETTING_TIMEZONE    /* const char *   an IANA zone the host's to_local
                                             knows, e.g. "Europe/London" */
} rp_setting_type;

typedef struct rp_list {
    size_t count;
    const char *const *items;   /* count NUL-terminated strings */
} rp_list;

/* A setting a tenant may override with TENANT.KEY (in [plugin.NAME] of the
 * file or --plugin.NAME.TENANT.KEY=VALUE). Without it such an override
 * refuses the start. */
#define RP_SETTING_PER_TENANT 1u

/* One key of the table; the table ends with an entry whose key is NULL.
 * min/max bound INT, DOUBLE and DURATION (in ms) values and the item count
 * of a LIST; min == max == 0 means unbounded, anything else needs
 * min <= max (a table with min > max is refused at load). */
typedef struct rp_setting {
    const char *key;            /* [a-z][a-z0-9_]* */
    rp_setting_type type;
    size_t offset;              /* offsetof(your settings struct, field) */
    const char *default_value;  /* as text; NULL means required */
    double min, max;
    const char *const *choices; /* ENUM: the accepted words, NULL-terminated */
    unsigned flags;             /* RP_SETTING_PER_TENANT */
    const char *help;           /* one line for --help-plugin and the docs */
} rp_setting;

/* ------------------------------------------------------------------------
 * Event types a plugin adds to the wire protocol.
 * ---------------------------------------------------------------------- */

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

/* A numbered schema step. The host applies the steps a database has not
 * recorded yet, in version order, each in its own transaction under the
 * plugin's advisory lock, and records it in plugin_migrations. Versions
 * start at 1 and never change once released; add a step, never edit one. */
typedef struct rp_migration {
    int version;
    const char *sql;             /* one or more statements */
} rp_migration;

/* ------------------------------------------------------------------------
 * The host API. Every function takes the rp_ctx of the call.
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

typedef struct rp_ctx rp_ctx;        /* opaque: the host's side of a call */
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

    /* Logging, tagged with plugin=<name> (and tenant=<t> inside a call). */
    void (*log)(rp_ctx *ctx, rp_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

    /* Marks the current callback as failed with a message for the log and the
     * dead letter. Return RP_ERROR from the callback afterwards. */
    void (*fail)(rp_ctx *ctx, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* The engine clock in ms since the epoch: wall time in live mode; in
     * event-time mode the time of the events or timers being handled. Tests
     * and replays pin it; never call time() in a plugin. */
    int64_t (*now_ms)(rp_ctx *ctx);

    /* SQL inside the current transaction. Parameters are text (NULL for SQL
     * NULL), $1..$n. exec() runs now and returns rows affected or -1; query()
     * returns a result the plugin frees with rows_free().
     * defer() queues a statement that returns nothing; the host sends all
     * deferred statements in one pipelined round trip before the next exec,
     * query or commit, in the order they were deferred. */
    int64_t (*db_exec)(rp_ctx *ctx, const char *sql, int nparams, const char *const *params);
    rp_rows *(*db_query)(rp_ctx *ctx, const char *sql, int nparams, const char *const *params);
    int (*db_defer)(rp_ctx *ctx, const char *sql, int nparams, const char *const *params);
    int (*rows_count)(const rp_rows *rows);
    const char *(*rows_value)(const rp_rows *rows, int row, int col); /* NULL if SQL NULL */
    void (*rows_free)(rp_rows *rows);

    /* Derived events of the call's tenant, published after the transaction
     * commits, numbered with the deployment's gapless sequence. data is one
     * msgpack map (copied). The scope (customer/org) is that of the event or
     * timer being handled unless customer/org are given (non-NULL). */
    int (*emit)(rp_ctx *ctx, const char *type, const char *customer, const char *org,
                const uint8_t *data, size_t len);

    /* Durable timers of the call's tenant: key is unique per plugin and
     * tenant; setting an existing key replaces it. Keys are stored in full,
     * up to limits.timer_key_max_bytes. The timer fires exactly once, at or
     * after due_ms on the engine clock, through on_timers, in the partition of
     * the scope it was set under (customer/org given here, else the current
     * event's or timer's). */
    int (*timer_set)(rp_ctx *ctx, const char *key, int64_t due_ms,
                     const char *customer, const char *org,
                     const uint8_t *payload, size_t len);
    int (*timer_cancel)(rp_ctx *ctx, const char *key);

    /* Partition of a scope key of the call's tenant, the broker's hash. */
    uint32_t (*partition_of)(rp_ctx *ctx, const char *scope_key);

    /* msgpack reader over borrowed bytes (already validated by the host). */
    rp_view_kind (*view_kind)(rp_view v);
    rp_view (*view_get)(rp_view map, const char *key);  /* ABSENT if missing */
    size_t (*view_count)(rp_view v);                    /* array/map elements */
    rp_view (*view_at)(rp_view array, size_t index);
    bool (*view_str)(rp_view v, const char **s, size_t *len); /* not NUL-terminated */
    bool (*view_int)(rp_view v, int64_t *out);
    bool (*view_double)(rp_view v, double *out);        /* ints convert */
    bool (*view_bool)(rp_view v, bool *out);
    /* One pass over an array or a map: init is false (and next yields
     * nothing) when v is neither; next is false at the end.
     *   rp_view_iter it; rp_view item;
     *   api->view_iter_init(items, &it);
     *   while (api->view_iter_next(&it, &item)) { ... } */
    bool (*view_iter_init)(rp_view container, rp_view_iter *it);
    bool (*view_iter_next)(rp_view_iter *it, rp_view *out);

    /* Calendar arithmetic in IANA time zones (ICU underneath), DST-correct.
     * to_local: false if tz is unknown. from_local: a wall time that does not
     * exist (spring-forward gap) moves forward by the gap; an ambiguous one
     * (fall-back) resolves to the earlier instant. */
    bool (*to_local)(const char *tz, int64_t utc_ms, rp_local_time *out);
    bool (*from_local)(const char *tz, int year, int month, int day,
                       int hour, int minute, int64_t *utc_ms);

    /* In on_events, call before emitting or setting timers on behalf of one
     * event of the run: its customer/org, id (as "cause") and time become the
     * scope. Without it the host picks the run's event whose customer/org
     * matches the emit's, else the run's last event. */
    void (*scope_event)(rp_ctx *ctx, const rp_event *event);

    /* In on_timers, the same for one of the call's timers: "timer:<key>"
     * becomes the cause and its due time the time. */
    void (*scope_timer)(rp_ctx *ctx, const rp_timer *timer);

    /* A number that changes with every transaction the host opens for this
     * plugin, committed or not. State a plugin keeps from one call to the
     * next is valid only while it stays the same: a different number means
     * the transaction that state belongs to committed (after before_commit)
     * or rolled back, and the database is again the truth. */
    uint64_t (*txn_seq)(rp_ctx *ctx);

    /* The finished settings of a tenant (the plugin-wide ones when it has no
     * overrides), for a plugin that must read another tenant's settings, which
     * none of the bundled ones does. Never NULL; valid until shutdown. */
    const void *(*settings_of)(rp_ctx *ctx, const char *tenant);

    /* Appended in later minors go below this line. */
    /* ABI 2.1. A durable timer on the TENANT CLOCK, for work that reads or
     * writes across the tenant's customers (a model refit, an inbox, an
     * org's coverage over its members): it fires at a cut every partition
     * has reached. In event time: once every partition has handled its
     * events before due_ms and its timers due at or before due_ms, and
     * before any partition handles an event at or after due_ms (partitions
     * wait for it), so the callback sees every customer at the same instant
     * and what it emits never goes back in time. In wall-clock time: once
     * the worker has handled every event committed before the batch in
     * which the timer is due, in every partition. customer/org are only the
     * scope its emits inherit (NULL for none); the key shares timer_set's
     * namespace (timer_cancel cancels either). docs/architecture.md "Tenant
     * clock" has the whole rule. */
    int (*tenant_timer_set)(rp_ctx *ctx, const char *key, int64_t due_ms,
                            const char *customer, const char *org,
                            const uint8_t *payload, size_t len);

} rp_host_api;

#define RP_API_HAS(api, field) \
    ((api)->struct_size >= offsetof(rp_host_api, field) + sizeof((api)->field) && (api)->field)

/* ------------------------------------------------------------------------
 * What every callback receives.
 * ---------------------------------------------------------------------- */

typedef struct rp_call {
    uint32_t struct_size;       /* sizeof(rp_call) of the host */
    rp_ctx *ctx;                /* first argument of every api function */
    const rp_host_api *api;
    void *state;                /* what init stored; NULL in init itself */
    const char *tenant;         /* on_events/on_timers: the one tenant of the
                                   call; NULL in init, before_commit, shutdown */
    const void *settings;       /* that tenant's settings struct (the plugin-
                                   wide one outside a tenant's call) */
    void *reserved[4];
} rp_call;

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
    const rp_event_type *event_types;      /* types added to the wire; may be NULL */

    /* Plugins whose documented tables this one reads, NULL-terminated; may
     * be NULL. Each must be loaded in this process (its migrations then run
     * first) or have its migrations recorded in the database by another
     * process; otherwise the host refuses to start. */
    const char *const *requires;
    const rp_migration *migrations;        /* ascending; ends with sql == NULL */

    /* Settings: the table, the size of the struct the host allocates and
     * fills for it (zeroed first), and two optional hooks. check runs on each
     * filled struct (tenant NULL for the plugin-wide one) for rules across
     * keys and may fill fields the table does not name (parsed forms); it
     * returns RP_ERROR with a message in err to refuse the start. release
     * frees what check allocated. */
    const rp_setting *settings;
    size_t settings_size;
    int (*settings_check)(void *settings, const char *tenant, char *err, size_t errlen);
    void (*settings_release)(void *settings);

    /* Called once after settings and migrations, in a transaction of its
     * own. Store the plugin's state in *state. Return RP_ERROR (after
     * api->fail) to refuse to start. May be NULL (no state). A plugin
     * without settings leaves settings NULL and settings_size 0; its
     * call->settings then points at an empty struct. */
    int (*init)(const rp_call *call, void **state);

    /* A run of events of one tenant, in acceptance order per partition, all
     * of subscribed types (of one partition, or of several with
     * RP_PLUGIN_RUNS_SPAN_PARTITIONS). Runs inside the transaction. */
    int (*on_events)(const rp_call *call, const rp_event *const *events, size_t count);

    /* Due timers of one tenant, in due order (so each customer's and org's
     * in their order); see "Timers" below. May be NULL if the plugin never
     * sets timers. Runs inside the transaction. */
    int (*on_timers)(const rp_call *call, const rp_timer *const *timers, size_t count);

    /* Called once per transaction in which the plugin had at least one
     * on_events/on_timers call, after the last of them and before the host
     * writes progress and commits: for a plugin that keeps a working set
     * across the calls of one transaction (see api->txn_seq) and writes it
     * back once. Only db_* may be used here. RP_ERROR (after api->fail) fails
     * the transaction like a failing callback. May be NULL. */
    int (*before_commit)(const rp_call *call);

    /* Called once at shutdown, outside any transaction. May be NULL. */
    void (*shutdown)(const rp_call *call);

    uintptr_t flags;           /* RP_PLUGIN_* below */
    void *reserved[8];
} rp_plugin;

/* Timers. The timers of one call were all due and live when the call
 * began, in due order, of one tenant and one partition (of several with
 * RP_PLUGIN_RUNS_SPAN_PARTITIONS and the wall clock). In event time a call
 * holds timers of one due time only, so a timer the call arms for a later
 * moment still fires before the timers and events after it. All of the
 * call's timers are spent with this transaction; one that the call re-arms
 * (timer_set on its key) fires again at its new time, and cancelling a timer
 * of the same call is a no-op. Events of a partition accepted before the
 * timers fell due have been handed over before them. */

/* on_events may receive a run that spans partitions: the batch's events of
 * the tenant in partition p, then those in partition q, ..., each
 * partition's still in acceptance order (so each customer's and org's too).
 * Set it only if on_events does not assume one partition per call. The host
 * does this with the wall clock only: in event time each partition has its
 * own clock, so runs stay within one partition. */
#define RP_PLUGIN_RUNS_SPAN_PARTITIONS ((uintptr_t)1)

/* ABI 2.1: the plugin arms tenant-clock timers (tenant_timer_set) from its
 * events, e.g. a periodic cut it keeps re-arming. A timer armed inside a
 * call takes effect when the call returns, too late for the later events of
 * that call; so in event time the host hands such a plugin a tenant's
 * events one per call until the tenant has a tenant-clock timer of the
 * plugin, and the first one it arms already holds back the rest of its
 * partition (events of other partitions that the same transaction handled
 * before it may precede it). */
#define RP_PLUGIN_TENANT_CLOCK ((uintptr_t)2)

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
