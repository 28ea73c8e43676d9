"""The load: a publisher thread that sends the stream through the real
ingress, one request in flight (so the order in `events` follows the
stream), and resends every event answered `retry` or left without a reply
(rapportd killed) until each is settled accepted or duplicate."""
import threading
import time

import msgpack
import zmq


class Publisher(threading.Thread):
    def __init__(self, daemon, events, batch=200, rate=None, reply_timeout=5.0, deadline=None, log=print):
        super().__init__(daemon=True)
        self.broker = daemon
        self.events = events
        self.batch = batch
        self.rate = rate            # events per second, None = as fast as acks come
        self.reply_timeout = reply_timeout
        self.deadline = deadline    # monotonic time after which it gives up
        self.log = log
        self.status = {}            # id -> accepted | duplicate | rejected
        self.errors = []            # rejections and protocol violations
        self.retried = 0
        self.timeouts = 0
        self.last_ack = None
        self.longest_gap = 0.0      # the longest time without a settled event, seconds
        self.done = False
        self.gave_up = False
        self.stop = threading.Event()
        self.ctx = zmq.Context.instance()
        self.sock = None

    def _connect(self):
        if self.sock is not None:
            self.sock.close(linger=0)
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(self.broker.ingress)
        self.endpoint = self.broker.ingress

    def _settle(self, chunk):
        """Sends chunk until every event in it is settled. Returns False when stopped."""
        delay = 0.05
        while chunk:
            if self.stop.is_set() or (self.deadline and time.monotonic() > self.deadline):
                self.gave_up = True
                return False
            if self.sock is None or self.endpoint != self.broker.ingress:
                self._connect()
            self.sock.send_multipart([b"", msgpack.packb(chunk)])
            if not self.sock.poll(int(self.reply_timeout * 1000)):
                self.timeouts += 1
                self._connect()       # drop any late reply with the old socket
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            replies = msgpack.unpackb(self.sock.recv_multipart()[-1], raw=False)
            if len(replies) != len(chunk):
                self.errors.append(f"reply with {len(replies)} entries for {len(chunk)} events")
                self._connect()
                continue
            again = []
            now = time.monotonic()
            for event, reply in zip(chunk, replies):
                if reply.get("id") != event["id"]:
                    self.errors.append(f"reply for {reply.get('id')!r} in the place of {event['id']!r}")
                    again.append(event)
                    continue
                status = reply.get("status")
                if status == "retry":
                    again.append(event)
                    self.retried += 1
                    continue
                if status == "rejected":
                    self.errors.append(f"{event['id']}: rejected: {reply.get('error')}")
                if self.last_ack is not None:
                    self.longest_gap = max(self.longest_gap, now - self.last_ack)
                self.last_ack = now
                self.status[event["id"]] = status
            chunk = again
            if chunk:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        return True

    def run(self):
        started = time.monotonic()
        self.last_ack = started
        sent = 0
        try:
            for i in range(0, len(self.events), self.batch):
                chunk = self.events[i:i + self.batch]
                if self.rate:
                    wait = started + sent / self.rate - time.monotonic()
                    if wait > 0 and self.stop.wait(wait):
                        self.gave_up = True
                        return
                if not self._settle(list(chunk)):
                    return
                sent += len(chunk)
            self.done = True
        except Exception as e:  # reported as a failure by the caller
            self.errors.append(f"publisher crashed: {e!r}")
        finally:
            if self.sock is not None:
                self.sock.close(linger=0)

    def counts(self):
        out = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for s in self.status.values():
            out[s] = out.get(s, 0) + 1
        return out
