#!/usr/bin/python3
"""A tiny stand-in for the broker's derived-event side, to test rapportctl
tail and replay against real ZeroMQ peers speaking the wire contract.

usage: fake_outbox.py ENDPOINT_FILE

Binds an XPUB (the PUB socket) and a ROUTER (replay) on free ports and writes
"PUB_EP REPLAY_EP" to ENDPOINT_FILE.
Replay serves the stored events 1..8 (head 8), at most 3 per page, echoing the
request envelope like the broker. When a subscription arrives, the XPUB
publishes seq 3, 6, 7, 7, 8: a gap (4, 5) and a duplicate (7).
Exits after 30 s idle.
"""
import os
import sys
import msgpack
import zmq

HEAD = 8
PAGE = 3
LIVE = [3, 6, 7, 7, 8]


def event(seq):
    return {"seq": seq, "type": "t.x", "ts": 1000 + seq, "tenant": "default",
            "cause": "e%d" % seq, "plugin": "fake", "data": {"n": seq}}


def replay_reply(request):
    start = request.get("from", 0)
    limit = min(request.get("limit", PAGE), PAGE)
    seqs = [s for s in range(max(start, 1), HEAD + 1)][:limit]
    return {"events": [event(s) for s in seqs], "next": (seqs[-1] + 1) if seqs else min(start, HEAD + 1),
            "head": HEAD}


def main():
    ctx = zmq.Context()
    pub = ctx.socket(zmq.XPUB)
    replay = ctx.socket(zmq.ROUTER)
    for s in (pub, replay):
        s.setsockopt(zmq.LINGER, 0)
        s.bind("tcp://127.0.0.1:*")
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%s %s" % (pub.getsockopt_string(zmq.LAST_ENDPOINT),
                           replay.getsockopt_string(zmq.LAST_ENDPOINT)))
    os.rename(tmp, sys.argv[1])
    poller = zmq.Poller()
    poller.register(pub, zmq.POLLIN)
    poller.register(replay, zmq.POLLIN)
    while True:
        ready = dict(poller.poll(30000))
        if not ready:
            return
        if pub in ready:
            note = pub.recv()
            if note[:1] == b"\x01":
                for seq in LIVE:
                    ev = event(seq)
                    pub.send_multipart([ev["type"].encode(), msgpack.packb(ev)])
        if replay in ready:
            frames = replay.recv_multipart()
            reply = replay_reply(msgpack.unpackb(frames[-1], raw=False))
            replay.send_multipart(frames[:-1] + [msgpack.packb(reply)])


if __name__ == "__main__":
    main()
