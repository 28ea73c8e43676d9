#!/usr/bin/python3
"""A tiny stand-in for the broker's ingress ROUTER, to test rapportctl publish
against a real ZeroMQ peer speaking the wire contract (proto/README.md).

usage: fake_ingress.py ENDPOINT_FILE [normal|silent|swapped|wrong-id]

Binds tcp://127.0.0.1 on a free port and writes the endpoint to ENDPOINT_FILE.
normal: replies per event by the first letter of its id:
  a -> accepted, d -> duplicate, r -> rejected,
  t -> retry the first time that id is seen, accepted after.
silent: receives requests and never replies.
swapped: as normal, but answers requests in pairs, the second one first
  (replies out of request order, which the contract forbids).
wrong-id: as normal, but each reply names an id the request did not carry.
Logs one line per request ("batch N") on stdout. Exits after 30 s idle.
"""
import sys
import msgpack
import zmq


def outcome(event, seen_retry):
    ident = event.get("id") if isinstance(event, dict) else None
    if not isinstance(ident, str):
        return {"id": None, "status": "rejected", "error": "id: required"}
    first = ident[:1]
    if first == "a":
        return {"id": ident, "status": "accepted"}
    if first == "d":
        return {"id": ident, "status": "duplicate"}
    if first == "t":
        if ident not in seen_retry:
            seen_retry.add(ident)
            return {"id": ident, "status": "retry", "error": "fake: try again"}
        return {"id": ident, "status": "accepted"}
    return {"id": ident, "status": "rejected", "error": "fake: ids starting with r are rejected"}


def main():
    endpoint_file = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "normal"
    sock = zmq.Context().socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind("tcp://127.0.0.1:*")
    with open(endpoint_file + ".tmp", "w") as f:
        f.write(sock.getsockopt_string(zmq.LAST_ENDPOINT))
    import os
    os.rename(endpoint_file + ".tmp", endpoint_file)
    seen_retry = set()
    held = None
    while sock.poll(30000):
        frames = sock.recv_multipart()
        envelope, payload = frames[:-1], frames[-1]
        request = msgpack.unpackb(payload, raw=False)
        events = request if isinstance(request, list) else [request]
        print("batch %d" % len(events), flush=True)
        if mode == "silent":
            continue
        reply = [outcome(e, seen_retry) for e in events]
        if mode == "wrong-id":
            for item in reply:
                item["id"] = "not-" + str(item["id"])
        message = envelope + [msgpack.packb(reply, use_bin_type=True)]
        if mode == "swapped" and held is None:
            held = message
            continue
        sock.send_multipart(message)
        if held is not None:
            sock.send_multipart(held)
            held = None


if __name__ == "__main__":
    main()
