/*
 * peer_limit.h - limits.max_connections on the ingress and replay ROUTERs.
 *
 * libzmq has no per-socket connection cap, and a bound socket accepts every
 * TCP connection. The design: both sockets get a ZAP domain, so even with
 * the NULL mechanism every new connection's handshake asks the ZAP handler
 * (RFC 27, libzmq >= 4.3) this file runs in a thread of its own; the handler
 * counts open connections from socket monitor events (ACCEPTED +1,
 * DISCONNECTED -1) and refuses the handshake (status 400) while the count is
 * above the limit. libzmq then closes the refused connection, so it holds no
 * file descriptor and no memory; existing connections are untouched.
 *
 * Also the file-descriptor budget: the open-files soft limit is raised to the
 * hard limit, and max_connections is lowered (with a warning) so that the
 * connections, the database sessions and a reserve always fit: publishers
 * can never starve the database of descriptors.
 */
#ifndef RP_PEER_LIMIT_H
#define RP_PEER_LIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "rp_limits.h"

typedef struct rp_peer_limit rp_peer_limit;

/* Binds the context's ZAP handler socket; call before binding the sockets. */
rp_peer_limit *rp_peer_limit_new(void *zmq_ctx, size_t max_connections);

/* Socket options every limited ROUTER needs, set before its bind: the ZAP
 * domain and the reply send high-water mark. */
void rp_peer_limit_prepare(void *socket, const rp_limits *limits);

/* Counts socket's connections (a socket monitor); after its bind, before
 * rp_peer_limit_start. */
bool rp_peer_limit_watch(rp_peer_limit *pl, void *socket);

bool rp_peer_limit_start(rp_peer_limit *pl);

/* Stops the thread and closes its sockets (before zmq_ctx_term). */
void rp_peer_limit_stop(rp_peer_limit *pl);

/* Raises RLIMIT_NOFILE's soft limit to the hard limit and lowers
 * limits->max_connections to what fits beside db_connections and a reserve.
 * false (with err) when not even one connection fits. */
bool rp_fd_budget(rp_limits *limits, size_t db_connections, size_t reserve, char *err, size_t errlen);

#endif
