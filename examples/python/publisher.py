#!/usr/bin/python3
"""Publish events to Rapport: JSON lines in, acks handled, "retry" resent.

    examples/python/publisher.py [--ingress tcp://127.0.0.1:7450] [FILE]

Reads one JSON event per line (stdin by default), sends them in batches of up
to 500 over a DEALER socket, and resends events answered "retry" with
exponential back-off. Ids make resending safe: an event that was in fact
committed comes back "duplicate". Prints a summary and exits 1 if any event
was rejected. Uses only Debian's python3-zmq and python3-msgpack.
"""
import argparse
import json
import sys
import time

import msgpack
import zmq

BATCH = 500
REPLY_TIMEOUT_MS = 30_000


def send_batch(sock, events):
    """Sends one batch and returns the per-event reply maps, in order."""
    sock.send_multipart([b"", msgpack.packb(events)])
    if not sock.poll(REPLY_TIMEOUT_MS):
        raise TimeoutError("no reply from the broker within 30 s")
    frames = sock.recv_multipart()
    return msgpack.unpackb(frames[-1], raw=False)


def publish(sock, events, counts, errors):
    """Publishes a batch until every event is settled (not "retry")."""
    delay = 0.1
    while events:
        replies = send_batch(sock, events)
        again = []
        for event, reply in zip(events, replies):
            status = reply["status"]
            if status == "retry":
                again.append(event)
                counts["retried"] += 1
                continue
            counts[status] += 1
            if status == "rejected":
                errors.append(f"{reply.get('id')}: {reply.get('error')}")
        events = again
        if events:
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingress", default="tcp://127.0.0.1:7450")
    parser.add_argument("file", nargs="?")
    args = parser.parse_args()
    source = open(args.file, encoding="utf-8") if args.file else sys.stdin
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(args.ingress)
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0, "retried": 0}
    errors = []
    batch = []
    for line in source:
        if line.strip():
            batch.append(json.loads(line))
        if len(batch) == BATCH:
            publish(sock, batch, counts, errors)
            batch = []
    if batch:
        publish(sock, batch, counts, errors)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    for error in errors[:20]:
        print("rejected:", error, file=sys.stderr)
    return 1 if counts["rejected"] else 0


if __name__ == "__main__":
    sys.exit(main())
