/* rp_limits.c - default values of the named limits (see rp_limits.h). */
#include "rp_limits.h"

void rp_limits_defaults(rp_limits *limits)
{
    limits->max_frame_bytes = 1024 * 1024;
    limits->max_batch_events = 1000;
    limits->max_depth = 8;
    limits->max_elements = 10000;
    limits->max_string_bytes = 65536;
    limits->max_id_bytes = 128;
    limits->max_key_bytes = 256;
    limits->ingress_queue_events = 20000;
    limits->commit_batch_events = 5000;
    limits->plugin_batch_events = 1000;
    limits->replay_max_events = 1000;
    limits->emit_max_bytes = 65536;
    limits->timer_key_max_bytes = 1024;
    limits->max_emits_per_txn = 100000;
    limits->reply_hwm = 16;
    limits->max_inflight_requests = 64;
    limits->max_connections = 1000;
}
