/*
 * rp_limits.h - every bound the broker enforces, by name.
 *
 * Each field is a configuration key in the [limits] section of rapport.conf
 * (and a --limits.<name> flag). Defaults are in rp_limits_defaults(). Whatever
 * enforces a limit names it in its error text, so an operator can find the
 * key to change.
 */
#ifndef RP_LIMITS_H
#define RP_LIMITS_H

#include <stddef.h>

/* The largest timer key and tenant any configuration allows: the fixed
 * buffers that name one item of plugin work (worker_state.h) hold these. */
#define RP_TIMER_KEY_CEILING 4096
#define RP_KEY_CEILING 4096

typedef struct rp_limits {
    size_t max_frame_bytes;      /* one ingress frame (also ZMQ_MAXMSGSIZE)   1 MiB */
    size_t max_batch_events;     /* events in one batch frame                  1000 */
    size_t max_depth;            /* msgpack nesting depth of an event          8    */
    size_t max_elements;         /* entries in any one map or array            10000 */
    size_t max_string_bytes;     /* any one string or binary inside data       65536 */
    size_t max_id_bytes;         /* the event id (wire contract: 1..128)       128  */
    size_t max_key_bytes;        /* type, tenant, customer, org                256  */
    size_t ingress_queue_events; /* accepted-but-uncommitted events in memory  20000 */
    size_t commit_batch_events;  /* events per ingest transaction              5000 */
    size_t plugin_batch_events;  /* events per plugin transaction              1000 */
    size_t replay_max_events;    /* events per replay reply                    1000 */
    size_t emit_max_bytes;       /* one derived event's data                   65536 */
    size_t timer_key_max_bytes;  /* a plugin's timer key, stored in full      1024 */
    size_t max_emits_per_txn;    /* derived events one plugin transaction may emit 100000 */
    size_t reply_hwm;            /* unread replies held per peer (ZMQ_SNDHWM)  16 */
    size_t max_inflight_requests; /* requests awaiting their reply per connection 64 */
    size_t max_connections;      /* ingress + replay connections open at once  1000 */
} rp_limits;

void rp_limits_defaults(rp_limits *limits);

#endif
