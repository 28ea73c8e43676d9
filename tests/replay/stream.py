"""The scenario stream and the arrival orders the runs publish it in.

One tenant, rapport-synth's generated year with its synthetic layer: a few
hundred customers' purchases and refunds, profiles, care contacts, surveys
and their answers, complaints, referrals (with fraud bursts), campaigns,
competitor promotions and five organisations with stakeholders. Every
plugin gets events, and the tenant-wide timers (scoring's BG/NBD refit,
care's inbox, stakeholder's coverage) fire all year.

Orders (all a pure function of the seed):
  ordered   the stream in ts order (rapport-synth writes it so);
  bounded   each event moved later by up to `bound_ms` of event time, across
            publish batches, then every group's events put back in their
            own order in the slots the group got: a customer's events (and
            an org's, with the people named in its stakeholder events: one
            group) keep their order, as the publisher's contract requires;
  shuffled  a random permutation: no order kept at all.
"""
import json
import random
import subprocess

TENANT = "replay"


def generate(synth, seed, customers, months):
    """rapport-synth's stream as a list of (line, event) in its ts order."""
    gen = subprocess.run([synth, "--generate", f"--seed={seed}", f"--customers={customers}",
                          f"--months={months}", f"--tenant={TENANT}"], capture_output=True, check=True)
    layered = subprocess.run([synth, f"--seed={seed}", f"--tenant={TENANT}"], input=gen.stdout,
                             capture_output=True, check=True)
    lines = layered.stdout.decode().splitlines()
    return [(line, json.loads(line)) for line in lines if line.strip()]


def closing_event(stream, after_ms):
    """A tenant-wide event after_ms past the stream's last event: moves the
    engine clock on so that every timer due before it (less the lateness)
    fires. The same event in every run."""
    end = max(ev["ts"] for _, ev in stream)
    ev = {"id": "replay:close", "type": "market.price", "ts": end + after_ms, "tenant": TENANT,
          "data": {"product": "replay-close", "price": 1}}
    return (json.dumps(ev), ev)


def _groups(stream):
    """Group id per event: a customer with the orgs it is a stakeholder of
    (union-find), an org alone, or the tenant for tenant-wide events."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, ev in stream:
        keys = [f"c:{ev['customer']}" if ev.get("customer") else None, f"o:{ev['org']}" if ev.get("org") else None]
        keys = [k for k in keys if k] or ["tenant"]
        for k in keys[1:]:
            parent[find(k)] = find(keys[0])
        find(keys[0])
    out = []
    for _, ev in stream:
        key = f"c:{ev['customer']}" if ev.get("customer") else (f"o:{ev['org']}" if ev.get("org") else "tenant")
        out.append(find(key))
    return out


def bounded(stream, seed, bound_ms):
    """The stream moved by up to bound_ms of event time, each group's order kept."""
    rng = random.Random(seed)
    keyed = sorted(range(len(stream)), key=lambda i: (stream[i][1]["ts"] + rng.randrange(bound_ms), i))
    groups = _groups(stream)
    pending = {}
    for i in range(len(stream)):          # each group's events in stream order
        pending.setdefault(groups[i], []).append(i)
    taken = {g: 0 for g in pending}
    out = []
    for slot in keyed:                    # the slot's group gets its next event
        g = groups[slot]
        out.append(stream[pending[g][taken[g]]])
        taken[g] += 1
    return out


def shuffled(stream, seed):
    out = list(stream)
    random.Random(seed).shuffle(out)
    return out


def max_lateness(order):
    """The most any event arrives behind the latest ts published before it."""
    mark, worst = None, 0
    for _, ev in order:
        if mark is not None:
            worst = max(worst, mark - ev["ts"])
        mark = ev["ts"] if mark is None else max(mark, ev["ts"])
    return worst


def moved_fraction(order, stream):
    ids = [ev["id"] for _, ev in stream]
    return sum(1 for a, (_, ev) in zip(ids, order) if a != ev["id"]) / max(1, len(ids))


def write(order, path):
    with open(path, "w") as out:
        for line, _ in order:
            out.write(line + "\n")
