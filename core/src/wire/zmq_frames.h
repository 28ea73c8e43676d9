/*
 * zmq_frames.h - reading one multipart ZeroMQ message into a bounded array,
 * as the ingress, the replay socket and the ZAP handler each need: a peer
 * decides how many frames it sends, so frames beyond the caller's room are
 * read (ZeroMQ delivers a message whole) and dropped, never stored.
 */
#ifndef RP_ZMQ_FRAMES_H
#define RP_ZMQ_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

/* Receives the frames of one message from socket (flags as for
 * zmq_msg_recv, e.g. ZMQ_DONTWAIT). Keeps the first max in frames, which the
 * caller closes; returns how many were kept (0 when none was waiting).
 * *dropped, when not NULL, tells whether frames beyond max were dropped. */
size_t rp_zmq_recv_frames(void *socket, zmq_msg_t *frames, size_t max, int flags, bool *dropped);

/* Closes frames[0..count). */
void rp_zmq_close_frames(zmq_msg_t *frames, size_t count);

#endif
