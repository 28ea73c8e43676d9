/* zmq_frames.c - one multipart message into a bounded array (zmq_frames.h). */
#include "zmq_frames.h"

size_t rp_zmq_recv_frames(void *socket, zmq_msg_t *frames, size_t max, int flags, bool *dropped)
{
    size_t count = 0;
    bool dropped_any = false;
    int more = 1;
    while (more) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, socket, flags) < 0) {
            zmq_msg_close(&msg);
            break;
        }
        more = zmq_msg_more(&msg);
        if (count < max) {
            frames[count++] = msg;
        } else {
            dropped_any = true;
            zmq_msg_close(&msg);
        }
    }
    if (dropped)
        *dropped = dropped_any;
    return count;
}

void rp_zmq_close_frames(zmq_msg_t *frames, size_t count)
{
    for (size_t i = 0; i < count; i++)
        zmq_msg_close(&frames[i]);
}
