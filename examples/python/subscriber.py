#!/usr/bin/python3
"""Follow Rapport's derived events without missing one.

    examples/python/subscriber.py [--publish EP] [--replay EP] [--from SEQ]
                                  [--prefix TYPE_PREFIX] [--count N]

Subscribes to the PUB socket first, then catches up through replay from
--from (default 1), and afterwards prints live events. Whenever a live event's
seq is not the next one expected (PUB drops messages for slow subscribers, or
we were away), the gap is fetched through replay before going on. Each event
is printed as one JSON line. Uses only python3-zmq and python3-msgpack.
"""
import argparse
import json
import sys

import msgpack
import zmq


def replay(ctx, endpoint, start, until=None):
    """Yields derived events from seq `start` until the head (or `until`)."""
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    try:
        while True:
            sock.send(msgpack.packb({"from": start, "limit": 1000}))
            if not sock.poll(10_000):
                raise TimeoutError("no reply from the replay endpoint within 10 s")
            page = msgpack.unpackb(sock.recv(), raw=False)
            if "error" in page:
                raise RuntimeError(page["error"])
            for event in page["events"]:
                if until is not None and event["seq"] > until:
                    return
                yield event
            start = page["next"]
            if not page["events"] or start > page["head"]:
                return
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publish", default="tcp://127.0.0.1:7451")
    parser.add_argument("--replay", default="tcp://127.0.0.1:7452")
    parser.add_argument("--from", dest="start", type=int, default=1)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--count", type=int, default=0, help="exit after N events")
    args = parser.parse_args()
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt_string(zmq.SUBSCRIBE, args.prefix)
    sub.connect(args.publish)
    printed = 0
    last = args.start - 1

    def emit(event):
        nonlocal printed, last
        last = event["seq"]
        if event["type"].startswith(args.prefix):
            print(json.dumps(event, sort_keys=True, default=str), flush=True)
            printed += 1
        return args.count and printed >= args.count

    for event in replay(ctx, args.replay, last + 1):
        if emit(event):
            return 0
    while True:
        _topic, body = sub.recv_multipart()
        event = msgpack.unpackb(body, raw=False)
        if event["seq"] <= last:
            continue                       # already seen through replay
        if event["seq"] > last + 1:        # a gap: fetch what we missed
            for missed in replay(ctx, args.replay, last + 1, until=event["seq"] - 1):
                if emit(missed):
                    return 0
        if emit(event):
            return 0


if __name__ == "__main__":
    sys.exit(main())
